"""Static SVG charts for print (matplotlib, text kept as text: ``svg.fonttype = 'none'``).

``to_svg(spec)`` draws the chart specs of ``reports.charts`` (the same data as the web's Plotly
charts, already translated): StackedBarSpec (Figure 1 bars with "n of N"), BreakdownSpec (one
chart per group) and RadarSpec (maturity by domain, plain SVG drawn from the same
``charts.RadarGeometry`` as the web chart). ``stacked_bars`` takes plain data. WeasyPrint draws the SVG with the DejaVu fonts of the machine.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from .charts import (
    BreakdownSpec,
    RadarGeometry,
    RadarSpec,
    StackedBarSpec,
    percent,
    radar_geometry,
)

FONT = "DejaVu Sans"
INK = "#1f2933"
GRID = "#c9d1d9"
# The web charts' colours (reports.charts), so print and screen match.
YES = "#1f5f8b"
NO = "#f2b134"
SUPPRESSED = "#d9d9d9"
SERIES = ("#1f5f8b", "#c0504d", "#4d7f3a", "#7e57c2", "#8c6d1f", "#333333")

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "mrn-assess",
        "font.family": FONT,
        "font.size": 8,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
    }
)


# Fill patterns of the stacked series, in order (print must read in black and white).
HATCHES = ("", "////", "....")


@dataclass(frozen=True)
class Segment:
    """One series of a stacked bar chart: its legend label, colour and one count per bar."""

    label: str
    color: str
    counts: tuple[int, ...]


def _to_svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    # Drop the XML prolog and doctype: the SVG goes inline or into a data URI.
    start = text.find("<svg")
    return text[start:]


def stacked_bars(
    labels: Sequence[str],
    segments: Sequence[Segment],
    annotations: Sequence[str],
    *,
    percent_of: Sequence[int] | None = None,
    title: str = "",
    width_in: float = 6.7,
) -> str:
    """Horizontal stacked bars, one per label (top to bottom), each annotated (e.g. "71% · 30 of 42").

    Bars are drawn as shares of ``percent_of[i]`` when given, otherwise as raw counts.
    A bar whose annotation is a suppression notice is drawn empty.
    """
    height_in = 0.6 + 0.26 * max(len(labels), 1)
    fig, ax = plt.subplots(figsize=(width_in, height_in), layout="constrained")
    positions = list(range(len(labels)))[::-1]
    left = [0.0] * len(labels)
    for index, segment in enumerate(segments):
        widths = []
        for i, count in enumerate(segment.counts):
            base = percent_of[i] if percent_of is not None else 1
            widths.append(100 * count / base if percent_of is not None and base else float(count))
        ax.barh(
            positions,
            widths,
            left=left,
            color=segment.color,
            label=segment.label,
            height=0.7,
            # Legible in black and white: every series after the first has its own hatching.
            hatch=HATCHES[index % len(HATCHES)],
            edgecolor=INK if index else segment.color,
            linewidth=0.4,
        )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(positions, [_wrap(label, 38) for label in labels])
    ax.tick_params(axis="y", length=0)
    limit = 100 if percent_of is not None else max([*left, 1])
    ax.set_xlim(0, limit * 1.32)
    if percent_of is not None:
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    for pos, end, note in zip(positions, left, annotations, strict=True):
        ax.text(end + limit * 0.01, pos, note, va="center", fontsize=7, color=INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, loc="left", fontsize=9, color=INK)
    if len(segments) > 1:
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=len(segments),
            frameon=False,
            fontsize=7,
        )
    return _to_svg(fig)


def _wrap(text: str, width: int) -> str:
    """Wraps a label on spaces to lines of about ``width`` characters."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Chart specs (reports.charts)


def stacked_bar_svg(spec: StackedBarSpec, *, title: str | None = None) -> str:
    """Figure 1: in place / not in place as shares of those who answered, "n of N" on each bar.

    A suppressed row is drawn as a grey bar saying so, without any share.
    """
    rows = spec.rows
    yes = tuple(0 if r.suppressed or r.yes is None else r.yes for r in rows)
    no = tuple(0 if r.suppressed or r.no is None else r.no for r in rows)
    hidden = tuple(1 if r.suppressed or r.yes is None else 0 for r in rows)
    bases = [max(r.answered or 0, 1) if not h else 1 for r, h in zip(rows, hidden, strict=True)]
    notes = []
    for r, h in zip(rows, hidden, strict=True):
        notes.append(spec.suppressed_label if h else f"{percent(r.yes_pct)} · {r.text}")
    segments = [Segment(spec.yes_label, YES, yes), Segment(spec.no_label, NO, no)]
    if any(hidden):
        segments.append(Segment(spec.suppressed_label, SUPPRESSED, hidden))
    return stacked_bars(
        [r.label for r in rows],
        segments,
        notes,
        percent_of=bases,
        title=spec.title if title is None else title,
    )


def breakdown_svgs(spec: BreakdownSpec) -> list[tuple[str, str]]:
    """(panel title, SVG) for each group of a breakdown."""
    return [(panel.title, stacked_bar_svg(panel, title="")) for panel in spec.panels]


# Radar: drawn directly from reports.charts.RadarGeometry (no matplotlib), so that the print
# chart has the web chart's geometry exactly: whole grid circles, D1 at the top then clockwise,
# each label on its axis's ray, the phase labels on the ray between D1 and D2.
RADAR_WIDTH = 520
RADAR_RADIUS = 120
RADAR_LABEL_GAP = 12
RADAR_FONT = 8.5
RADAR_TICK_FONT = 7
RADAR_LINE = RADAR_FONT * 1.2
DASHES = ("", "5 3", "1.5 2.5", "6 2 1.5 2")
MARKERS = ("circle", "square", "diamond", "triangle")


@dataclass(frozen=True)
class RadarLabel:
    axis: int
    lines: tuple[str, ...]
    x: float  # the anchor point, on the axis's ray
    y: float
    anchor: str  # SVG text-anchor: start, middle or end
    y_anchor: float  # the point on the axis's ray the label hangs from (``y`` is its baseline)

    def box(self, font: float = RADAR_FONT) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the label, estimating DejaVu Sans at 0.6 em a character."""
        width = max((len(line) for line in self.lines), default=0) * font * 0.6
        height = len(self.lines) * font * 1.2
        left = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}[self.anchor]
        return (left, self.y - font, left + width, self.y - font + height)


@dataclass(frozen=True)
class RadarLayout:
    width: float
    height: float
    cx: float
    cy: float
    radius: float
    labels: tuple[RadarLabel, ...]
    legend: tuple[tuple[float, float], ...] = ()  # (x, baseline) per series


def radar_layout(spec: RadarSpec) -> RadarLayout:
    """Where the print radar puts its centre and axis labels (positions from the geometry)."""
    geometry = radar_geometry(spec)
    lines = [tuple(_wrap(axis, 20).split("\n")) for axis in spec.axes]
    tallest = max((len(item) for item in lines), default=1) * RADAR_LINE
    cx = RADAR_WIDTH / 2
    cy = RADAR_RADIUS + RADAR_LABEL_GAP + tallest + 6
    labels = []
    for i, text in enumerate(lines):
        angle = geometry.angle(i)
        x, y = RadarGeometry.at(angle, RADAR_RADIUS + RADAR_LABEL_GAP, cx=cx, cy=cy)
        sine, cosine = math.sin(math.radians(angle)), math.cos(math.radians(angle))
        anchor = "middle" if abs(sine) < 0.2 else ("start" if sine > 0 else "end")
        block = len(text) * RADAR_LINE
        # The first baseline: above the rim at the top, below it at the bottom, centred beside.
        if cosine > 0.2:
            first = y - block + RADAR_FONT
        elif cosine < -0.2:
            first = y + RADAR_FONT
        else:
            first = y - block / 2 + RADAR_FONT
        labels.append(RadarLabel(i, text, x, round(first, 2), anchor, y))
    height = cy + RADAR_RADIUS + RADAR_LABEL_GAP + tallest + 10
    legend = legend_positions(spec, top=height)
    bottom = max((y for _x, y in legend), default=height - 8) + 8
    return RadarLayout(
        RADAR_WIDTH, round(bottom, 2), cx, cy, RADAR_RADIUS, tuple(labels), tuple(legend)
    )


LEGEND_ROW = 14


def legend_width(name: str) -> float:
    return 40 + len(name) * RADAR_FONT * 0.6


def legend_positions(spec: RadarSpec, *, top: float) -> list[tuple[float, float]]:
    """(x, baseline) of each series' legend entry: left to right, wrapped within the width."""
    out = []
    x, y = 10.0, top + 10
    for series in spec.series:
        width = legend_width(series.name)
        if x > 10 and x + width > RADAR_WIDTH - 10:
            x, y = 10.0, y + LEGEND_ROW
        out.append((x, round(y, 2)))
        x += width
    return out


def tick_position(layout: RadarLayout, spec: RadarSpec, k: int) -> tuple[float, float]:
    """Baseline start of phase label ``k``: on the ray between the first two axes."""
    geometry = radar_geometry(spec)
    x, y = RadarGeometry.at(
        geometry.tick_angle, layout.radius * k / spec.range_max, cx=layout.cx, cy=layout.cy
    )
    return (round(x + 2, 2), round(y - 2, 2))


def tick_box(layout: RadarLayout, spec: RadarSpec, k: int) -> tuple[float, float, float, float]:
    x, y = tick_position(layout, spec, k)
    text = spec.phase_labels[k - 1] if k <= len(spec.phase_labels) else ""
    return (x, y - RADAR_TICK_FONT, x + len(text) * RADAR_TICK_FONT * 0.6, y)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _marker(kind: str, x: float, y: float, size: float, colour: str, attrs: str) -> str:
    if kind == "circle":
        return f'<circle {attrs} cx="{x}" cy="{y}" r="{size}" fill="{colour}"/>'
    if kind == "square":
        return (
            f'<rect {attrs} x="{x - size:.2f}" y="{y - size:.2f}" width="{2 * size}" '
            f'height="{2 * size}" fill="{colour}" data-cx="{x}" data-cy="{y}"/>'
        )
    if kind == "diamond":
        points = f"{x},{y - size} {x + size},{y} {x},{y + size} {x - size},{y}"
    else:
        points = f"{x},{y - size} {x + size},{y + size} {x - size},{y + size}"
    return f'<polygon {attrs} points="{points}" fill="{colour}" data-cx="{x}" data-cy="{y}"/>'


def radar_svg(spec: RadarSpec) -> str:
    """The print radar of a RadarSpec: grid circles per phase, one outline per series (solid,
    dashed, dotted; distinct markers, so it reads in black and white), axis labels on their rays."""
    geometry = radar_geometry(spec)
    layout = radar_layout(spec)
    cx, cy, radius = layout.cx, layout.cy, layout.radius
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {layout.width} {layout.height}" '
        f'width="{layout.width}" height="{layout.height}" font-family="{FONT}" '
        f'data-cx="{cx}" data-cy="{cy}" data-radius="{radius}">'
    ]
    for k in range(1, spec.range_max + 1):
        r = radius * k / spec.range_max
        out.append(
            f'<circle class="grid" data-phase="{k}" cx="{cx}" cy="{cy}" r="{r:g}" fill="none" '
            f'stroke="{GRID}" stroke-width="{1 if k == spec.range_max else 0.6}"/>'
        )
    for i in range(len(spec.axes)):
        x, y = geometry.point(i, spec.range_max, cx=cx, cy=cy, radius=radius)
        out.append(
            f'<line class="spoke" data-axis="{i}" x1="{cx}" y1="{cy}" x2="{x}" y2="{y}" '
            f'stroke="{GRID}" stroke-width="0.6"/>'
        )
    for s_index, series in enumerate(spec.series):
        colour = SERIES[s_index % len(SERIES)]
        dash = DASHES[s_index % len(DASHES)]
        points = [
            None if v is None else geometry.point(i, v, cx=cx, cy=cy, radius=radius)
            for i, v in enumerate(series.values)
        ]
        if points and all(p is not None for p in points):
            coords = " ".join(f"{x},{y}" for x, y in points)  # type: ignore[misc]
            fill = colour if s_index == 0 else "none"
            out.append(
                f'<polygon class="series" data-series="{s_index}" points="{coords}" '
                f'fill="{fill}" fill-opacity="0.12" stroke="{colour}" stroke-width="1.6"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
        else:  # a gap (no answer, or a hidden cohort value): segments between known points only
            for i, p in enumerate(points):
                q = points[(i + 1) % len(points)]
                if p is not None and q is not None and len(points) > 1:
                    out.append(
                        f'<line class="series" data-series="{s_index}" x1="{p[0]}" y1="{p[1]}" '
                        f'x2="{q[0]}" y2="{q[1]}" stroke="{colour}" stroke-width="1.6"'
                        + (f' stroke-dasharray="{dash}"' if dash else "")
                        + "/>"
                    )
        kind = MARKERS[s_index % len(MARKERS)]
        for i, p in enumerate(points):
            if p is not None:
                attrs = f'class="point" data-series="{s_index}" data-axis="{i}"'
                out.append(_marker(kind, p[0], p[1], 2.6, colour, attrs))
    for k, text in enumerate(spec.phase_labels[: spec.range_max], start=1):
        x, y = tick_position(layout, spec, k)
        out.append(
            f'<text class="tick" data-phase="{k}" x="{x}" y="{y}" '
            f'font-size="{RADAR_TICK_FONT}" fill="#555555">{_esc(text)}</text>'
        )
    for label in layout.labels:
        tspans = "".join(
            f'<tspan x="{label.x}" dy="{0 if n == 0 else RADAR_LINE:g}">{_esc(line)}</tspan>'
            for n, line in enumerate(label.lines)
        )
        out.append(
            f'<text class="axis-label" data-axis="{label.axis}" x="{label.x}" y="{label.y}" '
            f'text-anchor="{label.anchor}" font-size="{RADAR_FONT}" fill="{INK}">{tspans}</text>'
        )
    for s_index, (series, (x, y)) in enumerate(zip(spec.series, layout.legend, strict=True)):
        colour = SERIES[s_index % len(SERIES)]
        dash = DASHES[s_index % len(DASHES)]
        out.append(
            f'<line class="legend" x1="{x}" y1="{y - 3}" x2="{x + 22}" y2="{y - 3}" '
            f'stroke="{colour}" stroke-width="1.6"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
        )
        out.append(_marker(MARKERS[s_index % len(MARKERS)], x + 11, y - 3, 2.6, colour, ""))
        out.append(
            f'<text class="legend-label" x="{x + 27}" y="{y}" font-size="{RADAR_FONT}" '
            f'fill="{INK}">{_esc(series.name)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def to_svg(spec: StackedBarSpec | RadarSpec) -> str:
    """The print SVG of a chart spec (use ``breakdown_svgs`` for a BreakdownSpec)."""
    if isinstance(spec, StackedBarSpec):
        return stacked_bar_svg(spec)
    if isinstance(spec, RadarSpec):
        return radar_svg(spec)
    raise TypeError(f"No SVG renderer for {type(spec).__name__}.")
