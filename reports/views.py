"""Analysis pages: the capability matrix (Figure 1), country profiles, and for analysts the heat
map, country comparison and capability trend; the methodology page; the survey upload (admins).

Each view: authorise (capabilities.permissions), read through capabilities.scoring (a fixed number
of queries), build chart specs (reports.charts) and render. Charts reach the page as JSON
(``json_script``) and are drawn by static/js/charts.js: no inline script.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from capabilities import permissions, scoring
from capabilities.importer import ImportRefused, import_responses
from capabilities.models import (
    Capability,
    Country,
    Cycle,
    Participation,
    Status,
)

from . import charts, cohorts, exports
from .forms import CompareForm, ImportForm, MatrixFilterForm, TrendForm

SCORED = [Status.SUBMITTED, Status.VALIDATED]


def _lang() -> str:
    return "fr" if (get_language() or "en").startswith("fr") else "en"


def _cycles_with_data() -> list[Cycle]:
    """Every cycle, those with scored assessments first (newest first). 1 query."""
    cycles = list(
        Cycle.objects.select_related("framework").annotate(
            scored=Count("assessments", filter=Q(assessments__status__in=SCORED))
        )
    )
    return sorted(cycles, key=lambda c: c.scored == 0)


def _pick_cycle(cycles: list[Cycle], code: str | None) -> Cycle | None:
    if code:
        found = next((c for c in cycles if c.code == code), None)
        if found is None:
            raise Http404("No such cycle.")
        return found
    return cycles[0] if cycles else None


def _min_cell_for(request: HttpRequest) -> int | None:
    return permissions.aggregate_min_cell(request.user)


# ---------------------------------------------------------------------------------------------
# Matrix


def _matrix_for(
    request: HttpRequest,
) -> tuple[MatrixFilterForm, Cycle | None, scoring.Matrix | None]:
    cycles = _cycles_with_data()
    form = MatrixFilterForm(request.GET or None, cycles=cycles)
    code = request.GET.get("cycle") or None
    by = request.GET.get("by") or ""
    if by and by not in scoring.GROUP_FIELDS:
        raise Http404("No such breakdown.")
    cycle = _pick_cycle(cycles, code)
    if cycle is None:
        return form, None, None
    if not request.GET:
        form = MatrixFilterForm(initial={"cycle": cycle.code, "by": ""}, cycles=cycles)
    matrix = cohorts.capability_matrix(cycle, by=by, min_cell=_min_cell_for(request))
    return form, cycle, matrix


def matrix_table_rows(matrix: scoring.Matrix, lang: str) -> list[dict[str, Any]]:
    """What the page's data table shows (and the downloads contain), group by group."""
    rows = []
    for group in matrix.groups:
        for cap, cell in matrix.rows(group):
            rows.append(
                {
                    "capability": cap.code,
                    "label": cap.label(lang),
                    "domain": f"{cap.domain_code} {cap.domain_label(lang)}",
                    "group": group,
                    "group_label": charts.group_label(matrix.by, group),
                    "population": cell.population,
                    "yes": cell.yes,
                    "no": cell.no,
                    "no_answer": cell.no_answer,
                    "answered": cell.answered,
                    "yes_pct": cell.yes_pct,
                    "suppressed": cell.suppressed,
                    "reason": charts.reason_text(cell, matrix.min_cell),
                    "n_of_n": charts.n_of_n(cell),
                }
            )
    return rows


@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    """The Figure 1 matrix of a cycle, optionally broken down by group. Every role (aggregates)."""
    form, cycle, result = _matrix_for(request)
    context: dict[str, Any] = {"form": form, "cycle": cycle, "matrix": result}
    if cycle is not None and result is not None:
        lang = _lang()
        name = cycle.tr("name")
        if result.by:
            spec: charts.Spec = charts.breakdown_spec(
                result, cycle_name=name, illustrative=cycle.is_illustrative
            )
        else:
            spec = charts.stacked_bar_spec(
                result, cycle_name=name, illustrative=cycle.is_illustrative
            )
        context.update(
            figure=charts.to_plotly(spec),
            spec=spec,
            rows=matrix_table_rows(result, lang),
            domains=_domains(result),
            illustrative=cycle.is_illustrative,
            query=request.GET.urlencode(),
            min_cell=settings.MRN_MIN_CELL,
            by_label=charts.by_label(result.by),
        )
    return render(request, "reports/matrix.html", context)


def _domains(result: scoring.Matrix) -> list[str]:
    seen: dict[str, str] = {}
    for cap in result.capabilities:
        seen.setdefault(cap.domain_code, f"{cap.domain_code} {cap.domain_label(_lang())}")
    return list(seen.values())


DOWNLOAD_COLUMNS = (
    "capability",
    "label",
    "domain",
    "group",
    "group_label",
    "population",
    "yes",
    "no",
    "no_answer",
    "answered",
    "yes_pct",
    "suppressed",
    "reason",
)


@require_GET
def matrix_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """Exactly the table under the chart, as CSV or XLSX (same filters, same suppression)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such format.")
    _form, cycle, result = _matrix_for(request)
    if cycle is None or result is None:
        raise Http404("No cycle.")
    rows = matrix_table_rows(result, _lang())
    table = exports.Table(
        title=_("Matrix"),
        header=DOWNLOAD_COLUMNS,
        rows=[
            tuple(
                ("true" if r[c] else "false") if c == "suppressed" else r[c]
                for c in DOWNLOAD_COLUMNS
            )
            for r in rows
        ],
    )
    stem = ["matrix", cycle.code, result.by or None]
    if cycle.is_illustrative:
        stem.append("illustrative")
    if fmt == "csv":
        body, content_type = exports.to_csv(table), exports.CSV_CONTENT_TYPE
    else:
        body, content_type = exports.to_xlsx(table), exports.XLSX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(*stem, ext=fmt)}"'
    return response


# ---------------------------------------------------------------------------------------------
# Country profile


@require_GET
def country_profile(request: HttpRequest, code: str) -> HttpResponse:
    """A country's status, maturity radar, change since its previous cycle, beside cohorts
    (all countries, its income group) — never beside other named countries."""
    country = get_object_or_404(Country, code=code)
    permissions.require_country_profile(request.user, country)
    visible = permissions.profile_assessments(request.user, country)
    assessments = list(
        visible.filter(country=country).select_related("cycle__framework", "country")
    )
    assessments.sort(key=lambda a: scoring.cycle_sort_key(a.cycle), reverse=True)
    wanted = request.GET.get("cycle")
    assessment = (
        next((a for a in assessments if a.cycle.code == wanted), None)
        if wanted
        else (assessments[0] if assessments else None)
    )
    if wanted and assessment is None:
        raise Http404("No such assessment.")
    context: dict[str, Any] = {"country": country, "assessments": assessments}
    if assessment is None:
        return render(request, "reports/country_profile.html", context)
    cycle = assessment.cycle
    lang = _lang()
    k = settings.MRN_MIN_CELL
    profile = scoring.country_profile(assessment, assessments=visible)
    participation = Participation.objects.filter(cycle=cycle, country=country).first()
    income = participation.income_group if participation else ""
    by_income = cohorts.capability_matrix(
        cycle, by="income_group" if income else "", min_cell=_min_cell_for(request)
    )
    all_domains = cohorts.cohort_domain_maturity(cycle, min_cell=_min_cell_for(request) or None)
    series = [(country.tr("name"), profile.domains), (_("All countries"), all_domains)]
    if income:
        series.append(
            (
                charts.group_label("income_group", income),
                cohorts.cohort_domain_maturity(cycle, by="income_group", group=income, min_cell=k),
            )
        )
    radar = charts.radar_spec(series, subtitle=cycle.tr("name"), illustrative=cycle.is_illustrative)
    changes = {c.code: c for c in profile.changes}
    rows = []
    for cap in profile.capabilities:
        status = profile.status(cap.code)
        all_cell = by_income.cell(cap.code, "")
        group_cell = by_income.cell(cap.code, income) if income else None
        rows.append(
            {
                "cap": cap,
                "label": cap.label(lang),
                "domain": f"{cap.domain_code} {cap.domain_label(lang)}",
                "status": status.in_place,
                "status_label": charts.status_label(status.in_place),
                "maturity": status.maturity,
                "change": changes.get(cap.code),
                "all": all_cell,
                "all_text": _cohort_text(all_cell, by_income.min_cell),
                "group": group_cell,
                "group_text": _cohort_text(group_cell, k) if group_cell else "",
            }
        )
    context.update(
        assessment=assessment,
        cycle=cycle,
        profile=profile,
        rows=rows,
        income_label=charts.group_label("income_group", income) if income else "",
        radar=charts.to_plotly(radar),
        radar_spec=radar,
        radar_rows=[
            (axis, [s.texts[i] for s in radar.series]) for i, axis in enumerate(radar.axes)
        ],
        illustrative=cycle.is_illustrative,
        previous_name=(profile.previous_cycle_name_fr if lang == "fr" else "")
        or profile.previous_cycle_name_en,
    )
    return render(request, "reports/country_profile.html", context)


def _cohort_text(cell: scoring.Cell | None, min_cell: int | None) -> str:
    if cell is None:
        return ""
    if cell.shown:
        return f"{cell.yes_pct}% ({charts.n_of_n(cell)})"
    return charts.reason_text(cell, min_cell)


# ---------------------------------------------------------------------------------------------
# Analysts only: heat map, comparison, trend


@require_GET
def heatmap(request: HttpRequest) -> HttpResponse:
    permissions.require_analyst(request.user)
    cycles = _cycles_with_data()
    form = MatrixFilterForm(request.GET or None, cycles=cycles)
    cycle = _pick_cycle(cycles, request.GET.get("cycle"))
    context: dict[str, Any] = {"form": form, "cycle": cycle}
    if cycle is not None:
        data = scoring.heatmap(cycle, assessments=permissions.visible_assessments(request.user))
        spec = charts.heatmap_spec(
            data, cycle_name=cycle.tr("name"), illustrative=cycle.is_illustrative
        )
        context.update(
            figure=charts.to_plotly(spec),
            spec=spec,
            table=list(zip(spec.y_labels, spec.text, strict=True)),
            columns=list(zip(spec.x_labels, spec.x_titles, strict=True)),
            illustrative=cycle.is_illustrative,
        )
    return render(request, "reports/heatmap.html", context)


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Side by side, up to five countries of one cycle (analysts only)."""
    permissions.require_analyst(request.user)
    cycles = _cycles_with_data()
    cycle = _pick_cycle(cycles, request.GET.get("cycle"))
    visible = permissions.visible_assessments(request.user)
    options: list[tuple[str, str]] = []
    if cycle is not None:
        options = [
            (c, en if _lang() == "en" else (fr or en))
            for c, en, fr in visible.scored()
            .filter(cycle=cycle)
            .order_by("country__name_en")
            .values_list("country__code", "country__name_en", "country__name_fr")
        ]
    form = CompareForm(request.GET or None, cycles=cycles, countries=options)
    context: dict[str, Any] = {"form": form, "cycle": cycle}
    if cycle is not None and form.is_valid() and form.cleaned_data["countries"]:
        chosen = form.cleaned_data["countries"]
        data = scoring.heatmap(cycle, assessments=visible.filter(country__code__in=chosen))
        lang = _lang()
        countries = data.countries
        rows = []
        for cap in data.capabilities:
            cells = []
            for c in countries:
                value = data.value(c.code, cap.code)
                cells.append(
                    {"value": value, "label": charts.status_label(value),
                     "phase": data.phase(c.code, cap.code)}
                )  # fmt: skip
            rows.append({"cap": cap, "label": cap.label(lang), "cells": cells})
        series = []
        for c in countries:
            statuses = [
                scoring.CapabilityStatus(cap.code, data.value(c.code, cap.code),
                                         data.phase(c.code, cap.code))
                for cap in data.capabilities
            ]  # fmt: skip
            series.append((c.label(lang), scoring.domain_maturity(data.capabilities, statuses)))
        radar = charts.radar_spec(
            series, subtitle=cycle.tr("name"), illustrative=cycle.is_illustrative
        )
        context.update(
            countries=[c.label(lang) for c in countries],
            rows=rows,
            radar=charts.to_plotly(radar),
            illustrative=cycle.is_illustrative,
        )
    elif cycle is not None:
        context["illustrative"] = cycle.is_illustrative
    return render(request, "reports/compare.html", context)


@require_GET
def trend(request: HttpRequest) -> HttpResponse:
    """One capability's share in place across every cycle, by capability code (analysts only)."""
    permissions.require_analyst(request.user)
    lang = _lang()
    names: dict[str, str] = {}
    for code, en, fr in Capability.objects.order_by("code", "-framework__created_at").values_list(
        "code", "name_en", "name_fr"
    ):
        names.setdefault(code, (fr if lang == "fr" else "") or en)
    choices = [(code, f"{code} {name}") for code, name in sorted(names.items())]
    form = TrendForm(request.GET or None, capabilities=choices)
    code = request.GET.get("capability") or (choices[0][0] if choices else "")
    if code and code not in names:
        raise Http404("No such capability.")
    if not request.GET and choices:
        form = TrendForm(initial={"capability": code}, capabilities=choices)
    context: dict[str, Any] = {"form": form}
    if code:
        cycles = [c for c in _cycles_with_data() if c.scored]  # type: ignore[attr-defined]
        points = scoring.capability_trend(code, cycles=cycles)
        spec = charts.trend_spec(points, capability_label=f"{code} {names[code]}")
        context.update(
            figure=charts.to_plotly(spec),
            spec=spec,
            points=points,
            rows=[
                {"point": p, "label": p.label(lang), "text": charts.n_of_n(p.cell)} for p in points
            ],
            illustrative=spec.illustrative,
        )
    return render(request, "reports/trend.html", context)


# ---------------------------------------------------------------------------------------------
# Methodology and import


@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    """The arithmetic with a worked example computed by the scoring functions themselves."""
    k = settings.MRN_MIN_CELL
    example = scoring.score_cell(
        "C05", "", scoring.Counts(population=42, yes=36, no=5, dont_know=0), None
    )
    half = scoring.round_half_up_pct(1, 8)
    small = scoring.score_cell("C05", "low", scoring.Counts(population=1, yes=1), k)
    return render(
        request,
        "reports/methodology.html",
        {"example": example, "half": half, "small": small, "min_cell": k,
         "exact": number_format(100 * 36 / 41, 2)},  # 87.80 / 87,80 per language
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Administrators upload a survey file: the same import and report as import_responses."""
    permissions.require_admin(request.user)
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(settings.MRN_MAX_UPLOAD_BYTES + 1)
            try:
                report = import_responses(
                    data=data,
                    file_name=upload.name,
                    cycle_code=form.cleaned_data["cycle"],
                    framework_code=(
                        form.cleaned_data["framework"].code
                        if form.cleaned_data["framework"]
                        else None
                    ),
                    create_participants=form.cleaned_data["create_participants"],
                    dry_run=form.cleaned_data["dry_run"],
                    illustrative=form.cleaned_data["illustrative"],
                    user=request.user,
                )
            except ImportRefused as exc:
                report = exc.report
    else:
        form = ImportForm()
    status = 200 if report is None or report.ok else 422
    return render(request, "reports/import.html", {"form": form, "report": report}, status=status)
