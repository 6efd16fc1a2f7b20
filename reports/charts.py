"""Charts as data: specs built from scores, rendered to Plotly JSON for the web.

A spec is a frozen dataclass holding everything a renderer needs, already translated in the
language active when it was built (titles, axis titles, legend names, "n of N" texts, reasons for
suppression). Renderers never compute or translate: ``to_plotly(spec)`` here (web, drawn by
static/js/charts.js from ``json_script`` data), and SVG for print in ``reports.svg``.

Public API:
    Specs: StackedBarSpec (rows: BarRow), BreakdownSpec (panels: StackedBarSpec), RadarSpec
        (series: RadarSeries), HeatmapSpec (legend: HeatmapLegendItem), TrendSpec
        (points: TrendRow). Each has ``title``, ``subtitle``, ``note``, ``illustrative``.
    Builders: stacked_bar_spec(matrix, ...), breakdown_spec(matrix, ...), radar_spec(...),
        heatmap_spec(heatmap, ...), trend_spec(points, ...)
    Texts: n_of_n(cell), reason_text(cell, min_cell), percent(value), share_text(cell);
        group_label, by_label and status_label are capabilities.labels' (imported here)
    Geometry: radar_geometry(spec) -> RadarGeometry (the same radar on the web and in print)
    Rendering: to_plotly(spec) -> dict (JSON-serialisable: {"data": [...], "layout": {...}})
    Colours: COLOUR_YES, COLOUR_NO, COLOUR_SUPPRESSED, COLOUR_DONT_KNOW, COLOUR_MISSING
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from capabilities.labels import active_language, by_label, group_label, status_label
from capabilities.scoring import (
    REASON_COMPLEMENTARY,
    REASON_NO_ANSWERS,
    REASON_SMALL_CELL,
    Cell,
    DomainMaturity,
    Heatmap,
    Matrix,
    TrendPoint,
)

COLOUR_YES = "#1f5f8b"  # dark blue: white text passes AA
COLOUR_NO = "#f2b134"  # amber: dark text passes AA
COLOUR_SUPPRESSED = "#d9d9d9"
COLOUR_DONT_KNOW = "#b8b8d1"
COLOUR_MISSING = "#ffffff"
TEXT_DARK = "#1a1a1a"
SERIES_COLOURS = ("#1f5f8b", "#c0504d", "#4d7f3a", "#7e57c2", "#8c6d1f", "#333333")


# ---------------------------------------------------------------------------------------------
# Texts


class Counted(Protocol):
    """What ``n_of_n`` and ``share_text`` read: a scoring ``Cell`` or a ``tables.MatrixRow``."""

    @property
    def answered(self) -> int | None: ...
    @property
    def yes(self) -> int | None: ...
    @property
    def suppressed(self) -> bool: ...
    @property
    def yes_pct(self) -> int | None: ...


def n_of_n(cell: Counted) -> str:
    """ "32 of 42": countries with the capability in place, of those that answered yes or no."""
    if cell.answered is None:
        return _("Not shown")
    if cell.suppressed or cell.yes is None:
        return _("%(answered)s answered") % {"answered": cell.answered}
    return _("%(yes)s of %(answered)s") % {"yes": cell.yes, "answered": cell.answered}


def reason_text(cell: Cell, min_cell: int | None = None) -> str:
    """Why a cell shows no share, for people; "" when it shows one."""
    k = min_cell if min_cell is not None else settings.MRN_MIN_CELL
    if cell.reason == REASON_SMALL_CELL:
        return _("Not shown: fewer than %(k)s countries answered.") % {"k": k}
    if cell.reason == REASON_COMPLEMENTARY:
        return _("Not shown: it would reveal a smaller group's answers by subtraction.")
    if cell.reason == REASON_NO_ANSWERS:
        return _("No country answered yes or no.")
    return ""


def _illustrative_note(illustrative: bool) -> str:
    return _("Illustrative data: not any real country's answers.") if illustrative else ""


def percent(value: int | None) -> str:
    """A whole percentage in the active language: "71%" in English, "71 %" in French (a
    no-break space before the sign). Empty for None."""
    return "" if value is None else _("%(value)s%%") % {"value": value}


def share_text(cell: Counted) -> str:
    """ "71% (30 of 42)": a shown cell's share beside its n of N, in the active language."""
    return f"{percent(cell.yes_pct)} ({n_of_n(cell)})"


# ---------------------------------------------------------------------------------------------
# Specs


@dataclass(frozen=True)
class BarRow:
    """One capability's bar: exact counts, shares and the texts to print on it."""

    code: str
    label: str  # "C01 Leadership"
    domain_code: str
    domain: str  # translated domain name
    population: int  # N
    answered: int | None  # None: withheld, as in arithmetic.Cell
    no_answer: int | None
    yes: int | None
    no: int | None
    yes_pct: int | None
    no_pct: int | None
    suppressed: bool
    reason: str  # translated, "" when shown
    text: str  # "32 of 42" (or "3 answered" when suppressed)


@dataclass(frozen=True)
class StackedBarSpec:
    """Horizontal 100%-stacked bars (in place / not in place), one per capability."""

    title: str
    subtitle: str
    x_title: str
    yes_label: str
    no_label: str
    suppressed_label: str
    rows: tuple[BarRow, ...]
    note: str
    illustrative: bool = False
    illustrative_note: str = ""
    population: int = 0


@dataclass(frozen=True)
class BreakdownSpec:
    """The same bars for several groups side by side (one panel per group, same rows)."""

    title: str
    subtitle: str
    panels: tuple[StackedBarSpec, ...]
    note: str
    illustrative: bool = False
    illustrative_note: str = ""


@dataclass(frozen=True)
class RadarSeries:
    name: str
    values: tuple[float | None, ...]  # one per axis; None = no answer / suppressed
    texts: tuple[str, ...]


@dataclass(frozen=True)
class RadarSpec:
    """Maturity by domain: axes are domains, values mean phases 1–4."""

    title: str
    subtitle: str
    axes: tuple[str, ...]
    series: tuple[RadarSeries, ...]
    phase_labels: tuple[str, ...]  # for radial ticks 1..4
    note: str
    range_max: int = 4
    illustrative: bool = False
    illustrative_note: str = ""


@dataclass(frozen=True)
class RadarGeometry:
    """Where a radar puts things, shared by the web (Plotly) and print (SVG) drawings.

    Axis ``i`` of ``n`` points ``360 * i / n`` degrees clockwise from 12 o'clock (D1 at the top,
    then clockwise); values run from the centre (0) to the rim (``range_max``); the phase labels
    sit on the ray half-way between the first two axes, so they never cover an axis label.
    Angles here are clockwise from the top; ``plotly_*`` gives Plotly's own conventions.
    """

    axes: int
    range_max: int = 4

    def angle(self, i: int) -> float:
        return 360.0 * i / max(self.axes, 1)

    @property
    def tick_angle(self) -> float:
        return 180.0 / max(self.axes, 1)

    def point(
        self, i: int, value: float, *, cx: float, cy: float, radius: float
    ) -> tuple[float, float]:
        """Screen position (y down) of ``value`` on axis ``i`` for a radar at (cx, cy)."""
        return self.at(self.angle(i), radius * value / self.range_max, cx=cx, cy=cy)

    @staticmethod
    def at(angle: float, r: float, *, cx: float, cy: float) -> tuple[float, float]:
        theta = math.radians(angle)
        return (round(cx + r * math.sin(theta), 2), round(cy - r * math.cos(theta), 2))

    # Plotly: categories from the top (rotation 90), clockwise; radialaxis.angle counts
    # counter-clockwise from 3 o'clock.
    plotly_rotation = 90
    plotly_direction = "clockwise"

    @property
    def plotly_tick_angle(self) -> float:
        return 90.0 - self.tick_angle


def radar_geometry(spec: RadarSpec) -> RadarGeometry:
    return RadarGeometry(axes=len(spec.axes), range_max=spec.range_max)


@dataclass(frozen=True)
class HeatmapLegendItem:
    value: float | None
    label: str
    colour: str


@dataclass(frozen=True)
class HeatmapSpec:
    """Countries (rows) × capabilities (columns); z is 1 yes, 0 no, 0.5 don't know, None none."""

    title: str
    subtitle: str
    x_labels: tuple[str, ...]  # capability codes
    x_titles: tuple[str, ...]  # capability names (hover, table headers)
    y_labels: tuple[str, ...]  # country names
    z: tuple[tuple[float | None, ...], ...]
    text: tuple[tuple[str, ...], ...]  # short cell text (Y, N, ?, –) with the phase when known
    hover: tuple[tuple[str, ...], ...]
    legend: tuple[HeatmapLegendItem, ...]
    x_title: str
    y_title: str
    note: str
    illustrative: bool = False
    illustrative_note: str = ""


@dataclass(frozen=True)
class TrendRow:
    cycle: str
    yes_pct: int | None
    text: str  # "76% (32 of 42)" or the reason it is not shown
    illustrative: bool = False


@dataclass(frozen=True)
class TrendSpec:
    """One capability's share in place across cycles, oldest first."""

    title: str
    subtitle: str
    x_title: str
    y_title: str
    points: tuple[TrendRow, ...]
    note: str
    illustrative: bool = False
    illustrative_note: str = ""


Spec = StackedBarSpec | BreakdownSpec | RadarSpec | HeatmapSpec | TrendSpec


# ---------------------------------------------------------------------------------------------
# Builders


def _matrix_note() -> str:
    return _(
        "Share = countries answering yes ÷ countries answering yes or no. “Don't know” and "
        "missing answers are left out of the share; “n of N” gives the exact counts."
    )


def stacked_bar_spec(
    matrix: Matrix,
    *,
    group: str = "",
    cycle_name: str = "",
    illustrative: bool = False,
    title: str | None = None,
    lang: str | None = None,
) -> StackedBarSpec:
    """The Figure 1 bars of one group ("" = all countries) of a matrix."""
    lang = lang or active_language()
    rows = []
    for cap, cell in matrix.rows(group):
        rows.append(
            BarRow(
                code=cap.code,
                label=f"{cap.code} {cap.label(lang)}",
                domain_code=cap.domain_code,
                domain=cap.domain_label(lang),
                population=cell.population,
                answered=cell.answered,
                no_answer=cell.no_answer,
                yes=cell.yes,
                no=cell.no,
                yes_pct=cell.yes_pct,
                no_pct=cell.no_pct,
                suppressed=cell.suppressed,
                reason=reason_text(cell, matrix.min_cell),
                text=n_of_n(cell),
            )
        )
    population = matrix.population(group)
    subtitle_parts = [p for p in (cycle_name, group_label(matrix.by, group)) if p]
    subtitle = " · ".join(subtitle_parts)
    subtitle += " · " + _("%(n)s countries") % {"n": population}
    return StackedBarSpec(
        title=title or _("Capabilities in place"),
        subtitle=subtitle,
        x_title=_("Share of countries that answered yes or no (%)"),
        yes_label=_("In place"),
        no_label=_("Not in place"),
        suppressed_label=_("Not shown"),
        rows=tuple(rows),
        note=_matrix_note(),
        illustrative=illustrative,
        illustrative_note=_illustrative_note(illustrative),
        population=population,
    )


def breakdown_spec(
    matrix: Matrix,
    *,
    cycle_name: str = "",
    illustrative: bool = False,
    include_all: bool = True,
    lang: str | None = None,
) -> BreakdownSpec:
    """One StackedBarSpec per group of a matrix built with ``by`` (all countries first)."""
    groups = matrix.groups if include_all else matrix.groups[1:]
    panels = tuple(
        stacked_bar_spec(
            matrix,
            group=g,
            cycle_name="",
            illustrative=illustrative,
            title=f"{group_label(matrix.by, g)} (N = {matrix.population(g)})",
            lang=lang,
        )
        for g in groups
    )
    k = matrix.min_cell if matrix.min_cell is not None else settings.MRN_MIN_CELL
    return BreakdownSpec(
        title=_("Capabilities in place by %(by)s") % {"by": by_label(matrix.by).lower()},
        subtitle=cycle_name,
        panels=panels,
        note=_matrix_note()
        + " "
        + _(
            "Groups in which fewer than %(min_cell)s countries answered show no share; "
            "when that is a single group, the next smallest is hidden too, so that no "
            "country's answer can be worked out by subtraction."
        )
        % {"min_cell": k},
        illustrative=illustrative,
        illustrative_note=_illustrative_note(illustrative),
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def radar_spec(
    series: Sequence[tuple[str, Sequence[DomainMaturity]]],
    *,
    subtitle: str = "",
    illustrative: bool = False,
    phase_labels: Sequence[str] = (),
    lang: str | None = None,
) -> RadarSpec:
    """Maturity by domain; ``series`` is (name, domain means) — e.g. the country, then cohorts."""
    lang = lang or active_language()
    axes: tuple[str, ...] = ()
    out = []
    for name, domains in series:
        if not axes:
            axes = tuple(f"{d.domain_code} {d.label(lang)}" for d in domains)
        texts = []
        for d in domains:
            if d.suppressed:
                texts.append(
                    _("not shown: fewer than %(k)s countries") % {"k": settings.MRN_MIN_CELL}
                )
            elif d.mean is None:
                texts.append(_("no maturity answer"))
            else:
                texts.append(
                    _("mean phase %(mean)s over %(n)s answers")
                    % {"mean": number_format(Decimal(f"{d.mean:.1f}"), 1), "n": d.answered}
                )
        out.append(
            RadarSeries(
                name=name,
                values=tuple(_float(d.mean) for d in domains),
                texts=tuple(texts),
            )
        )
    labels = tuple(phase_labels) or tuple(
        pgettext("maturity phase", "Phase %(n)s") % {"n": n} for n in (1, 2, 3, 4)
    )
    return RadarSpec(
        title=_("Maturity by domain"),
        subtitle=subtitle,
        axes=axes,
        series=tuple(out),
        phase_labels=labels,
        note=_(
            "Mean maturity phase (1 building … 4 mature) of the capabilities answered in each "
            "domain. Cohorts are shown only when at least %(k)s countries answered."
        )
        % {"k": settings.MRN_MIN_CELL},
        illustrative=illustrative,
        illustrative_note=_illustrative_note(illustrative),
    )


_HEAT_Z = {"yes": 1.0, "no": 0.0, "dont_know": 0.5}
_HEAT_SHORT = {"yes": "✓", "no": "✗", "dont_know": "?", "": "–"}


def heatmap_spec(
    heatmap: Heatmap,
    *,
    cycle_name: str = "",
    illustrative: bool = False,
    lang: str | None = None,
) -> HeatmapSpec:
    lang = lang or active_language()
    caps = heatmap.capabilities
    z, text, hover = [], [], []
    for country in heatmap.countries:
        z_row, t_row, h_row = [], [], []
        for cap in caps:
            value = heatmap.value(country.code, cap.code)
            phase = heatmap.phase(country.code, cap.code)
            z_row.append(_HEAT_Z.get(value))
            short = _HEAT_SHORT.get(value, value)
            t_row.append(f"{short} {phase}" if phase else short)
            detail = status_label(value)
            if phase:
                detail += " · " + pgettext("maturity phase", "Phase %(n)s") % {"n": phase}
            h_row.append(f"{country.label(lang)} · {cap.code} {cap.label(lang)}: {detail}")
        z.append(tuple(z_row))
        text.append(tuple(t_row))
        hover.append(tuple(h_row))
    return HeatmapSpec(
        title=_("Capabilities in place, country by country"),
        subtitle=cycle_name,
        x_labels=tuple(c.code for c in caps),
        x_titles=tuple(c.label(lang) for c in caps),
        y_labels=tuple(c.label(lang) for c in heatmap.countries),
        z=tuple(z),
        text=tuple(text),
        hover=tuple(hover),
        legend=(
            HeatmapLegendItem(1.0, "✓ " + _("In place"), COLOUR_YES),
            HeatmapLegendItem(0.0, "✗ " + _("Not in place"), COLOUR_NO),
            HeatmapLegendItem(0.5, "? " + _("Don't know"), COLOUR_DONT_KNOW),
            HeatmapLegendItem(None, "– " + _("No answer"), COLOUR_MISSING),
        ),
        x_title=_("Capability"),
        y_title=_("Country"),
        note=_(
            "Confidential: country-level answers, for the Alliance secretariat only. The number "
            "after the mark is the maturity phase."
        ),
        illustrative=illustrative,
        illustrative_note=_illustrative_note(illustrative),
    )


def trend_spec(
    points: Sequence[TrendPoint],
    *,
    capability_label: str,
    min_cell: int | None = None,
    lang: str | None = None,
) -> TrendSpec:
    lang = lang or active_language()
    rows = []
    for p in points:
        cell = p.cell
        text = share_text(cell) if cell.shown else (reason_text(cell, min_cell) or _("No answers"))
        rows.append(
            TrendRow(
                cycle=p.label(lang), yes_pct=cell.yes_pct, text=text, illustrative=p.illustrative
            )
        )
    illustrative = any(p.illustrative for p in points)
    return TrendSpec(
        title=_("%(capability)s: share in place across cycles") % {"capability": capability_label},
        subtitle="",
        x_title=_("Cycle"),
        # short enough to fit beside the plot (it was clipped); the note says what is counted
        y_title=_("Share in place (%)"),
        points=tuple(rows),
        note=_matrix_note()
        + " "
        + _("Cycles are compared by capability code, across framework versions."),
        illustrative=illustrative,
        illustrative_note=_illustrative_note(illustrative),
    )


# ---------------------------------------------------------------------------------------------
# Plotly rendering (JSON-serialisable dicts; no plotly Python objects needed)

_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}


def _title(spec: Any) -> dict[str, Any]:
    text = f"<b>{spec.title}</b>"
    if spec.subtitle:
        text += f"<br><sup>{spec.subtitle}</sup>"
    return {"text": text, "x": 0, "xanchor": "left"}


def _bar_traces(
    spec: StackedBarSpec, xaxis: str, show_legend: bool, compact: bool = False
) -> list[dict[str, Any]]:
    """Bars on a two-level (domain, capability) axis; ``compact`` uses codes only (panels)."""
    if compact:
        y = [[r.domain_code for r in spec.rows], [r.code for r in spec.rows]]
    else:
        y = [[r.domain for r in spec.rows], [r.label for r in spec.rows]]
    shown = [not r.suppressed and r.yes_pct is not None for r in spec.rows]
    common = {"type": "bar", "orientation": "h", "y": y, "xaxis": xaxis, "yaxis": "y"}
    return [
        {
            **common,
            "name": spec.yes_label,
            "legendgroup": "yes",
            "showlegend": show_legend,
            "x": [r.yes_pct if ok else None for r, ok in zip(spec.rows, shown, strict=True)],
            "text": [
                percent(r.yes_pct) if ok else "" for r, ok in zip(spec.rows, shown, strict=True)
            ],
            "textposition": "inside",
            "insidetextanchor": "middle",
            "textfont": {"color": "#ffffff"},
            "marker": {"color": COLOUR_YES},
            "customdata": [[r.text, r.label] for r in spec.rows],
            "hovertemplate": "%{customdata[1]}<br>"
            + spec.yes_label
            + ": %{x}% (%{customdata[0]})<extra></extra>",
        },
        {
            **common,
            "name": spec.no_label,
            "legendgroup": "no",
            "showlegend": show_legend,
            "x": [r.no_pct if ok else None for r, ok in zip(spec.rows, shown, strict=True)],
            "text": [
                percent(r.no_pct) if ok else "" for r, ok in zip(spec.rows, shown, strict=True)
            ],
            "textposition": "inside",
            "insidetextanchor": "middle",
            "textfont": {"color": TEXT_DARK},
            "marker": {"color": COLOUR_NO},
            "customdata": [
                [f"{r.no} / {r.answered}" if ok else ""]
                for r, ok in zip(spec.rows, shown, strict=True)
            ],
            "hovertemplate": "%{y}<br>"
            + spec.no_label
            + ": %{x}% (%{customdata[0]})<extra></extra>",
        },
        {
            **common,
            "name": spec.suppressed_label,
            "legendgroup": "suppressed",
            "showlegend": show_legend and not all(shown),
            "x": [None if ok else 100 for ok in shown],
            "text": [r.reason if not ok else "" for r, ok in zip(spec.rows, shown, strict=True)],
            "textposition": "inside",
            "insidetextanchor": "middle",
            "textfont": {"color": TEXT_DARK},
            "marker": {"color": COLOUR_SUPPRESSED},
            "hovertemplate": "%{y}<br>%{text}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "text",
            "x": [100] * len(spec.rows),
            "y": y,
            "xaxis": xaxis,
            "yaxis": "y",
            "text": [r.text for r in spec.rows],
            "textposition": "middle right",
            "textfont": {"color": TEXT_DARK, "size": 12},
            "cliponaxis": False,
            "showlegend": False,
            "hoverinfo": "skip",
            "name": "n of N",
        },
    ]


def _stacked_bar(spec: StackedBarSpec) -> dict[str, Any]:
    height = 140 + 28 * max(len(spec.rows), 1)
    layout = {
        "title": _title(spec),
        "barmode": "stack",
        "font": _FONT,
        "height": height,
        "margin": {"l": 10, "r": 110, "t": 80, "b": 60},
        "xaxis": {
            "range": [0, 100],
            "title": {"text": spec.x_title},
            "ticksuffix": "%",
            "fixedrange": True,
        },
        "yaxis": {
            "type": "multicategory",
            "autorange": "reversed",
            "automargin": True,
            "fixedrange": True,
        },
        "legend": {"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        "uniformtext": {"mode": "hide", "minsize": 10},
    }
    return {"data": _bar_traces(spec, "x", True), "layout": layout}


def _panel_title(title: str) -> str:
    """ "Upper-middle income (N = 16)" → two or three short lines, so side-by-side titles fit."""
    name, _sep, count = title.partition(" (")
    if len(name) > 14 and " " in name:
        middle = len(name) // 2
        spaces = [i for i, ch in enumerate(name) if ch == " "]
        cut = min(spaces, key=lambda i: abs(i - middle))
        name = name[:cut] + "<br>" + name[cut + 1 :]
    return f"<b>{name}</b>" + (f"<br>({count}" if count else "")


def _breakdown(spec: BreakdownSpec) -> dict[str, Any]:
    panels = spec.panels or ()
    n = max(len(panels), 1)
    gap = 0.1 if n > 2 else 0.08
    width = (1 - gap * (n - 1)) / n
    data: list[dict[str, Any]] = []
    rows = len(panels[0].rows) if panels else 0
    layout: dict[str, Any] = {
        "title": {
            "text": f"<b>{spec.title}</b>"
            + (f"<br><sup>{spec.subtitle}</sup>" if spec.subtitle else ""),
            "x": 0,
            "xanchor": "left",
        },
        "barmode": "stack",
        "font": _FONT,
        "height": 170 + 28 * max(rows, 1),
        "margin": {"l": 10, "r": 80, "t": 150, "b": 40},
        "yaxis": {
            "type": "multicategory",
            "autorange": "reversed",
            "automargin": True,
            "fixedrange": True,
        },
        "legend": {"orientation": "h", "y": 1.1, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        "annotations": [],
        "uniformtext": {"mode": "hide", "minsize": 9},
    }
    for i, panel in enumerate(panels):
        axis = "x" if i == 0 else f"x{i + 1}"
        key = "xaxis" if i == 0 else f"xaxis{i + 1}"
        start = i * (width + gap)
        layout[key] = {
            "domain": [start, start + width],
            "range": [0, 100],
            "ticksuffix": "%",
            "anchor": "y",
            "fixedrange": True,
        }
        layout["annotations"].append(
            {
                "text": _panel_title(panel.title),
                "font": {"size": 12},
                "xref": "paper",
                "yref": "paper",
                "x": start + width / 2,
                "y": 1.0,
                "yanchor": "bottom",
                "showarrow": False,
            }
        )
        data.extend(_bar_traces(panel, axis, i == 0, compact=True))
    return {"data": data, "layout": layout}


def _radar(spec: RadarSpec) -> dict[str, Any]:
    geometry = radar_geometry(spec)
    data = []
    for i, s in enumerate(spec.series):
        closed_r = [*list(s.values), s.values[0] if s.values else None]
        closed_t = [*list(spec.axes), spec.axes[0] if spec.axes else ""]
        data.append(
            {
                "type": "scatterpolar",
                "name": s.name,
                "r": closed_r,
                "theta": closed_t,
                "text": [*list(s.texts), s.texts[0] if s.texts else ""],
                "fill": "toself" if i == 0 else "none",
                "mode": "lines+markers",
                "connectgaps": False,
                "line": {
                    "color": SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    "dash": "solid" if i == 0 else ("dash", "dot", "dashdot")[i % 3],
                },
                "hovertemplate": "%{theta}<br>" + s.name + ": %{text}<extra></extra>",
            }
        )
    layout = {
        "title": _title(spec),
        "font": _FONT,
        "height": 480,
        "margin": {"l": 80, "r": 80, "t": 90, "b": 40},
        "polar": {
            "angularaxis": {
                "rotation": geometry.plotly_rotation,
                "direction": geometry.plotly_direction,
            },
            "radialaxis": {
                "range": [0, spec.range_max],
                "angle": geometry.plotly_tick_angle,
                "tickvals": list(range(1, spec.range_max + 1)),
                "ticktext": list(spec.phase_labels),
            },
        },
        "legend": {"orientation": "h", "y": -0.1},
    }
    return {"data": data, "layout": layout}


def _heatmap(spec: HeatmapSpec) -> dict[str, Any]:
    colourscale = [
        [0.0, COLOUR_NO],
        [0.25, COLOUR_NO],
        [0.25, COLOUR_DONT_KNOW],
        [0.75, COLOUR_DONT_KNOW],
        [0.75, COLOUR_YES],
        [1.0, COLOUR_YES],
    ]
    data = [
        {
            "type": "heatmap",
            "x": list(spec.x_labels),
            "y": list(spec.y_labels),
            "z": [list(row) for row in spec.z],
            "text": [list(row) for row in spec.text],
            "customdata": [list(row) for row in spec.hover],
            "texttemplate": "%{text}",
            "hovertemplate": "%{customdata}<extra></extra>",
            "zmin": 0,
            "zmax": 1,
            "colorscale": colourscale,
            "showscale": False,
            "xgap": 2,
            "ygap": 2,
            "hoverongaps": False,
        }
    ]
    layout = {
        "title": _title(spec),
        "font": _FONT,
        "height": 160 + 26 * max(len(spec.y_labels), 1),
        "margin": {"l": 10, "r": 10, "t": 80, "b": 60},
        "xaxis": {"title": {"text": spec.x_title}, "side": "top", "fixedrange": True},
        "yaxis": {
            "autorange": "reversed",
            "automargin": True,
            "fixedrange": True,
            "title": {"text": spec.y_title},
        },
        "plot_bgcolor": "#ffffff",
    }
    return {"data": data, "layout": layout}


def _trend(spec: TrendSpec) -> dict[str, Any]:
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers+text",
            "x": [p.cycle for p in spec.points],
            "y": [p.yes_pct for p in spec.points],
            "text": [p.text for p in spec.points],
            "textposition": "top center",
            "line": {"color": COLOUR_YES},
            "connectgaps": False,
            "name": spec.y_title,
            "hovertemplate": "%{x}: %{text}<extra></extra>",
        }
    ]
    layout = {
        "title": _title(spec),
        "font": _FONT,
        "height": 420,
        "margin": {"l": 60, "r": 40, "t": 90, "b": 80},
        "xaxis": {
            "title": {"text": spec.x_title},
            "type": "category",
            "fixedrange": True,
            "automargin": True,
        },
        "yaxis": {
            "title": {"text": spec.y_title},
            "automargin": True,
            "range": [0, 110],
            "ticksuffix": "%",
            "fixedrange": True,
        },
        "showlegend": False,
    }
    return {"data": data, "layout": layout}


def to_plotly(spec: Spec) -> dict[str, Any]:
    """The Plotly figure (plain dict: data + layout) for a spec, for ``json_script``."""
    if isinstance(spec, StackedBarSpec):
        figure = _stacked_bar(spec)
    elif isinstance(spec, BreakdownSpec):
        figure = _breakdown(spec)
    elif isinstance(spec, RadarSpec):
        figure = _radar(spec)
    elif isinstance(spec, HeatmapSpec):
        figure = _heatmap(spec)
    elif isinstance(spec, TrendSpec):
        figure = _trend(spec)
    else:
        raise TypeError(f"No Plotly renderer for {type(spec).__name__}.")
    figure["layout"].setdefault("paper_bgcolor", "#ffffff")
    return figure
