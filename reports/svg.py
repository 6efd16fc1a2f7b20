"""Static SVG charts for print (matplotlib, text kept as text: ``svg.fonttype = 'none'``).

``to_svg(spec)`` draws the chart specs of ``reports.charts`` (the same data as the web's Plotly
charts, already translated): StackedBarSpec (Figure 1 bars with "n of N"), BreakdownSpec (one
chart per group) and RadarSpec (maturity by domain). The lower-level ``stacked_bars`` and
``radar`` take plain data. WeasyPrint draws the SVG with the DejaVu fonts of the machine.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from .charts import BreakdownSpec, RadarSpec, StackedBarSpec

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
    for segment in segments:
        widths = []
        for i, count in enumerate(segment.counts):
            base = percent_of[i] if percent_of is not None else 1
            widths.append(100 * count / base if percent_of is not None and base else float(count))
        ax.barh(positions, widths, left=left, color=segment.color, label=segment.label, height=0.7)
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


def radar(
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    maximum: float = 4,
    ticks: Sequence[float] = (1, 2, 3, 4),
    tick_labels: Sequence[str] = (),
    size_in: float = 3.6,
) -> str:
    """A radar (spider) chart: one axis per label, one closed line per (label, values, colour).

    A missing value (None) is drawn at the centre and the point is left out.
    """
    count = max(len(axes), 3)
    angles = [math.pi / 2 - 2 * math.pi * i / count for i in range(count)]
    fig = plt.figure(figsize=(size_in + 1.8, size_in), layout="constrained")
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(0)
    ax.set_ylim(0, maximum)
    ax.set_rlabel_position(90 - 180 / count)
    labels = list(tick_labels) or [f"{t:g}" for t in ticks]
    ax.set_yticks(list(ticks), labels, fontsize=6, color="#555555")
    ax.set_xticks(angles[: len(axes)], [_wrap(a, 18) for a in axes], fontsize=7)
    ax.grid(color=GRID, linewidth=0.5)
    ax.spines["polar"].set_color(GRID)
    for label, values, color in series:
        points = [0.0 if v is None else float(v) for v in values]
        closed_angles = [*angles[: len(points)], angles[0]]
        closed = [*points, points[0]] if points else []
        ax.plot(closed_angles, closed, color=color, linewidth=1.5, label=label, marker="o", ms=3)
        ax.fill(closed_angles, closed, color=color, alpha=0.15)
    if len(series) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.05, 1.1), frameon=False, fontsize=7)
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
    bases = [max(r.answered, 1) if not h else 1 for r, h in zip(rows, hidden, strict=True)]
    notes = []
    for r, h in zip(rows, hidden, strict=True):
        notes.append(spec.suppressed_label if h else f"{r.yes_pct}% · {r.text}")
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


def radar_svg(spec: RadarSpec) -> str:
    return radar(
        spec.axes,
        [
            (series.name, series.values, SERIES[i % len(SERIES)])
            for i, series in enumerate(spec.series)
        ],
        maximum=spec.range_max,
        ticks=tuple(range(1, spec.range_max + 1)),
        tick_labels=spec.phase_labels,
    )


def to_svg(spec: StackedBarSpec | RadarSpec) -> str:
    """The print SVG of a chart spec (use ``breakdown_svgs`` for a BreakdownSpec)."""
    if isinstance(spec, StackedBarSpec):
        return stacked_bar_svg(spec)
    if isinstance(spec, RadarSpec):
        return radar_svg(spec)
    raise TypeError(f"No SVG renderer for {type(spec).__name__}.")
