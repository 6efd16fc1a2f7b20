"""Analysis pages: the capability matrix (Figure 1), country profiles, and for analysts the heat
map, country comparison and capability trend; the methodology page; the survey upload (admins).

Each view: authorise (capabilities.permissions), read through capabilities.scoring (a fixed number
of queries), build chart specs (reports.charts) and render. Charts reach the page as JSON
(``json_script``) and are drawn by static/js/charts.js: no inline script.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from capabilities import aggregates, labels, permissions, priorities, scoring
from capabilities.importer import ImportRefused, import_responses
from capabilities.models import (
    SCORED_STATUSES,
    Assessment,
    AssessmentQuerySet,
    Capability,
    Country,
    Cycle,
    Participation,
)
from capabilities.permissions import AuthenticatedRequest

from . import charts, cohorts, exports, page_cache, tables
from .forms import CompareForm, ImportForm, MatrixFilterForm, TrendForm
from .links import country_report_links, cycle_links
from .links import table_links as _table_links


def _lang() -> str:
    return labels.active_language()


def _pick_cycle(cycles: list[Cycle], code: str | None) -> Cycle | None:
    """The cycle asked for (404 if none has that code), else the newest with scored data, else
    the newest."""
    if code:
        found = next((c for c in cycles if c.code == code), None)
        if found is None:
            raise Http404("No such cycle.")
        return found
    scored = (c for c in cycles if c.scored)  # type: ignore[attr-defined]  # cohorts.cycles
    return next(scored, cycles[0] if cycles else None)


def _min_cell_for(request: HttpRequest) -> int | None:
    return permissions.aggregate_min_cell(request.user)


def _table_download(table: exports.Table, fmt: str, *stem: str | None) -> HttpResponse:
    if fmt == "csv":
        body, content_type = exports.to_csv(table), exports.CSV_CONTENT_TYPE
    else:
        body, content_type = exports.to_xlsx(table), exports.XLSX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(*stem, ext=fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _check_format(fmt: str) -> None:
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such format.")


# ---------------------------------------------------------------------------------------------
# Matrix


def _matrix_for(
    request: HttpRequest,
) -> tuple[MatrixFilterForm, Cycle | None, scoring.Matrix | None]:
    cycles = cohorts.cycles()
    form, cycle, by = _matrix_filters(request, cycles)
    if cycle is None:
        return form, None, None
    matrix = cohorts.capability_matrix(cycle, by=by, min_cell=_min_cell_for(request))
    return form, cycle, matrix


def _matrix_filters(
    request: HttpRequest, cycles: list[Cycle]
) -> tuple[MatrixFilterForm, Cycle | None, str]:
    """The filter form, the cycle shown and the breakdown (404 for an unknown one)."""
    form = MatrixFilterForm(request.GET or None, cycles=cycles)
    code = request.GET.get("cycle") or None
    by = request.GET.get("by") or ""
    if by and by not in scoring.GROUP_FIELDS:
        raise Http404("No such breakdown.")
    cycle = _pick_cycle(cycles, code)
    if cycle is not None and not request.GET:
        form = MatrixFilterForm(initial={"cycle": cycle.code, "by": ""}, cycles=cycles)
    return form, cycle, by


def _filters_query(request: HttpRequest, *names: str) -> str:
    """The page's filters as a query string, only the known ones (for the download links)."""
    return urlencode([(n, request.GET[n]) for n in names if request.GET.get(n)])


def matrix_table_rows(matrix: scoring.Matrix, lang: str) -> list[dict[str, Any]]:
    """The page's data table: the rows of ``tables.matrix_rows`` (every column of the download,
    same values), each with its "n of N" text for display."""
    return [
        dict(row.as_dict(), n_of_n=charts.n_of_n(row)) for row in tables.matrix_rows(matrix, lang)
    ]


@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    """The Figure 1 matrix of a cycle, optionally broken down by group. Every role (aggregates).

    2 queries: the cycles with their stamps, then (when the body is not cached) the matrix,
    itself cached per stamp (reports.cohorts). The body is cached per cycle stamp, breakdown,
    disclosure threshold and language (reports.page_cache)."""
    cycles = cohorts.cycles()
    form, cycle, by = _matrix_filters(request, cycles)
    min_cell = _min_cell_for(request)
    query = _filters_query(request, "cycle", "by")
    parts = (
        tuple((c.pk, c.code, c.name_en, c.name_fr, c.is_illustrative, c.scored) for c in cycles),  # type: ignore[attr-defined]
        cycle.pk if cycle else None,
        cohorts.stamp_of(cycle) if cycle else None,
        by,
        bool(request.GET),
        query,
        min_cell,
    )

    def render_body() -> tuple[str, bool]:
        context = _matrix_context(request, form, cycle, by, min_cell, query)
        html = render_to_string("reports/matrix.html#content", context, request)
        return html, bool(context.get("figure"))

    body, has_figure = page_cache.body("matrix", parts, render_body)
    context = {
        "body": body,
        "cycle": cycle,
        "figure": has_figure,
        "illustrative": bool(cycle and cycle.is_illustrative),
    }
    return render(request, "reports/matrix.html", context)


def _matrix_context(
    request: HttpRequest,
    form: MatrixFilterForm,
    cycle: Cycle | None,
    by: str,
    min_cell: int | None,
    query: str,
) -> dict[str, Any]:
    result = cohorts.capability_matrix(cycle, by=by, min_cell=min_cell) if cycle else None
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
            query=query,
            min_cell=settings.MRN_MIN_CELL,
            by_label=charts.by_label(result.by),
            downloads=_table_links("reports:matrix_download", query) + cycle_links(cycle),
            breakdown_note=_breakdown_note(result),
        )
    return context


def _breakdown_note(result: scoring.Matrix) -> str:
    """Why a breakdown shows one bar only: no group recorded, or every country in one group."""
    if not result.by:
        return ""
    named = len(result.groups) - 1  # groups[0] is "" (all countries)
    what = charts.by_label(result.by).lower()
    if named == 0:
        return _(
            "No country counted in this cycle has its %(what)s recorded, so the breakdown can "
            "only show all countries together. Administrators record it in each country's "
            "participation in the cycle."
        ) % {"what": what}
    if named == 1:
        return _(
            "Every country counted in this cycle is in the same %(what)s, so the breakdown shows "
            "the same figures as all countries together."
        ) % {"what": what}
    return ""


def _domains(result: scoring.Matrix) -> list[str]:
    seen: dict[str, str] = {}
    for cap in result.capabilities:
        seen.setdefault(cap.domain_code, f"{cap.domain_code} {cap.domain_label(_lang())}")
    return list(seen.values())


@require_GET
def matrix_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """Exactly the table under the chart, as CSV or XLSX (same filters, same suppression)."""
    _check_format(fmt)
    _form, cycle, result = _matrix_for(request)
    if cycle is None or result is None:
        raise Http404("No cycle.")
    table = tables.matrix_table(result, _lang())
    stem = ["matrix", cycle.code, result.by or None]
    if cycle.is_illustrative:
        stem.append("illustrative")
    return _table_download(table, fmt, *stem)


# ---------------------------------------------------------------------------------------------
# Country profile


@require_GET
def country_profile(request: HttpRequest, code: str) -> HttpResponse:
    """A country's status, maturity radar, change since its previous cycle, beside cohorts
    (all countries, its income group) — never beside other named countries.

    3 queries when the body is cached (reports.page_cache): the country, the assessments of it
    the user may see, the cycle's stamp. The key holds all three, the user's role, disclosure
    threshold and right to the country's answers."""
    country = get_object_or_404(Country, code=code)
    permissions.require_country_profile(request.user, country)
    visible = permissions.profile_assessments(request.user, country)
    assessments = list(  # sorted below: not in the model's order (joins for its ordering)
        visible.filter(country=country).select_related("cycle__framework", "country").order_by()
    )
    assessments.sort(key=lambda a: aggregates.cycle_sort_key(a.cycle), reverse=True)
    wanted = request.GET.get("cycle")
    assessment = (
        next((a for a in assessments if a.cycle.code == wanted), None)
        if wanted
        else (assessments[0] if assessments else None)
    )
    if wanted and assessment is None:
        raise Http404("No such assessment.")
    min_cell = _min_cell_for(request)
    answers_links = permissions.can_read_country_answers(request.user, country)
    parts = (
        (country.pk, country.code, country.name_en, country.name_fr),
        tuple(
            (
                a.pk,
                a.cycle_id,
                a.cycle.code,
                a.cycle.name_en,
                a.cycle.name_fr,
                a.status,
                a.updated_at.isoformat(),
            )
            for a in assessments
        ),
        assessment.pk if assessment else None,
        cohorts.stamp_of(assessment.cycle) if assessment else None,
        permissions.role_of(request.user),
        min_cell,
        answers_links,
    )

    def render_body() -> tuple[str, bool]:
        context = _profile_context(request, country, assessments, assessment, visible)
        html = render_to_string("reports/country_profile.html#content", context, request)
        return html, bool(context.get("radar"))

    body, has_radar = page_cache.body("profile", parts, render_body)
    context = {
        "body": body,
        "country": country,
        "radar": has_radar,
        "illustrative": bool(assessment and assessment.cycle.is_illustrative),
    }
    return render(request, "reports/country_profile.html", context)


def _profile_context(
    request: HttpRequest,
    country: Country,
    assessments: list[Assessment],
    assessment: Assessment | None,
    visible: AssessmentQuerySet,
) -> dict[str, Any]:
    context: dict[str, Any] = {"country": country, "assessments": assessments}
    if assessment is None:
        return context
    cycle = assessment.cycle
    lang = _lang()
    k = settings.MRN_MIN_CELL
    profile = aggregates.country_profile(assessment, assessments=visible)
    participation = Participation.objects.filter(cycle=cycle, country=country).first()
    income = participation.income_group if participation else ""
    by_income = cohorts.capability_matrix(
        cycle, by="income_group" if income else "", min_cell=_min_cell_for(request)
    )
    # A cohort counts at least K countries other than the one it is compared with.
    compared = assessment if assessment.status in SCORED_STATUSES else None
    all_domains = cohorts.cohort_domain_maturity(
        cycle, min_cell=_min_cell_for(request) or None, compared=compared
    )
    series = [(country.tr("name"), profile.domains), (_("All countries"), all_domains)]
    if income:
        series.append(
            (
                charts.group_label("income_group", income),
                cohorts.cohort_domain_maturity(
                    cycle, by="income_group", group=income, min_cell=k, compared=compared
                ),
            )
        )
    radar = charts.radar_spec(series, subtitle=cycle.tr("name"), illustrative=cycle.is_illustrative)
    changes = {c.code: c for c in profile.changes}
    rows = []
    for cap in profile.capabilities:
        status = profile.status(cap.code)
        own = status if compared is not None else scoring.CapabilityStatus(cap.code)
        all_cell = scoring.cohort_cell(by_income.cell(cap.code, ""), own, by_income.min_cell)
        group_cell = (
            scoring.cohort_cell(by_income.cell(cap.code, income), own, k) if income else None
        )
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
        priorities=priorities.action_plan(assessment, lang=lang, statuses=profile.statuses),
        target_phase=priorities.TARGET_PHASE,
        rows=rows,
        income_label=charts.group_label("income_group", income) if income else "",
        radar=charts.to_plotly(radar),
        radar_spec=radar,
        radar_rows=[
            (axis, [s.texts[i] for s in radar.series]) for i, axis in enumerate(radar.axes)
        ],
        illustrative=cycle.is_illustrative,
        previous_name=profile.previous_cycle_label(lang),
        downloads=(
            country_report_links(cycle, country)
            if permissions.can_read_country_answers(request.user, country)
            else []
        )
        + cycle_links(cycle),
    )
    return context


def _cohort_text(cell: scoring.Cell | None, min_cell: int | None) -> str:
    if cell is None:
        return ""
    if cell.shown:
        return charts.share_text(cell)
    return charts.reason_text(cell, min_cell)


# ---------------------------------------------------------------------------------------------
# Analysts only: heat map, comparison, trend


def _heatmap_context(request: HttpRequest) -> dict[str, Any]:
    permissions.require_analyst(request.user)
    cycles = cohorts.cycles()
    cycle = _pick_cycle(cycles, request.GET.get("cycle"))
    # Unbound, the filter shows the cycle on the page (not merely the first one offered).
    initial = {"cycle": cycle.code} if cycle is not None else {}
    form = MatrixFilterForm(request.GET or None, initial=initial, cycles=cycles)
    context: dict[str, Any] = {"form": form, "cycle": cycle}
    if cycle is not None:
        data = aggregates.heatmap(cycle, assessments=permissions.visible_assessments(request.user))
        spec = charts.heatmap_spec(
            data, cycle_name=cycle.tr("name"), illustrative=cycle.is_illustrative
        )
        lang = _lang()
        context.update(
            figure=charts.to_plotly(spec),
            spec=spec,
            table=[
                (country, label, cells)
                for country, label, cells in zip(
                    data.countries, spec.y_labels, spec.text, strict=True
                )
            ],
            columns=list(zip(spec.x_labels, spec.x_titles, strict=True)),
            illustrative=cycle.is_illustrative,
            lang=lang,
            downloads=_table_links("reports:heatmap_download", request.GET.urlencode())
            + cycle_links(cycle),
        )
    return context


@require_GET
def heatmap(request: HttpRequest) -> HttpResponse:
    """Every country of a cycle by capability (analysts only)."""
    return render(request, "reports/heatmap.html", _heatmap_context(request))


@require_GET
def heatmap_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """Exactly the heat map's table, as CSV or Excel."""
    _check_format(fmt)
    context = _heatmap_context(request)
    cycle = context["cycle"]
    if cycle is None or "table" not in context:
        raise Http404("No cycle.")
    table = exports.Table(
        title=_("Heat map"),
        header=(_("Country"), *(code for code, _name in context["columns"])),
        rows=[(label, *cells) for _country, label, cells in context["table"]],
    )
    return _table_download(table, fmt, "heatmap", cycle.code)


def _compare_context(request: HttpRequest) -> dict[str, Any]:
    permissions.require_analyst(request.user)
    cycles = cohorts.cycles()
    cycle = _pick_cycle(cycles, request.GET.get("cycle"))
    visible = permissions.visible_assessments(request.user)
    options: list[tuple[str, str]] = []
    if cycle is not None:
        options = [
            (c, labels.pick(en, fr))
            for c, en, fr in visible.scored()
            .filter(cycle=cycle)
            .order_by("country__name_en")
            .values_list("country__code", "country__name_en", "country__name_fr")
        ]
    # Unbound, the filter shows the cycle whose countries are offered, so that submitting it
    # keeps them (the first cycle offered may be another one).
    initial = {"cycle": cycle.code} if cycle is not None else {}
    form = CompareForm(request.GET or None, initial=initial, cycles=cycles, countries=options)
    context: dict[str, Any] = {"form": form, "cycle": cycle}
    if cycle is not None and form.is_valid() and form.cleaned_data["countries"]:
        chosen = form.cleaned_data["countries"]
        data = aggregates.heatmap(cycle, assessments=visible.filter(country__code__in=chosen))
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
            country_columns=[(c.code, c.label(lang)) for c in countries],
            rows=rows,
            radar=charts.to_plotly(radar),
            illustrative=cycle.is_illustrative,
            downloads=_table_links("reports:compare_download", request.GET.urlencode())
            + cycle_links(cycle),
        )
    elif cycle is not None:
        context["illustrative"] = cycle.is_illustrative
    return context


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Side by side, up to five countries of one cycle (analysts only)."""
    return render(request, "reports/compare.html", _compare_context(request))


def compare_cell_text(cell: dict[str, Any]) -> str:
    """A compare table cell as the page shows it: status, and the phase when there is one."""
    if cell["phase"]:
        return f"{cell['label']} · " + _("phase %(n)s") % {"n": cell["phase"]}
    return str(cell["label"])


@require_GET
def compare_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """Exactly the comparison table, as CSV or Excel."""
    _check_format(fmt)
    context = _compare_context(request)
    if "rows" not in context:  # no countries chosen: nothing is shown, so nothing to download
        return HttpResponseBadRequest(_("Choose the countries to compare first."))
    table = exports.Table(
        title=_("Compare countries"),
        header=(_("Capability"), *context["countries"]),
        rows=[
            (f"{r['cap'].code} {r['label']}", *(compare_cell_text(c) for c in r["cells"]))
            for r in context["rows"]
        ],
    )
    return _table_download(table, fmt, "compare", context["cycle"].code)


def _trend_context(request: HttpRequest) -> dict[str, Any]:
    permissions.require_analyst(request.user)
    lang = _lang()
    names: dict[str, str] = {}
    for code, en, fr in Capability.objects.order_by("code", "-framework__created_at").values_list(
        "code", "name_en", "name_fr"
    ):
        names.setdefault(code, labels.pick(en, fr, lang))
    choices = [(code, f"{code} {name}") for code, name in sorted(names.items())]
    form = TrendForm(request.GET or None, capabilities=choices)
    code = request.GET.get("capability") or (choices[0][0] if choices else "")
    if code and code not in names:
        raise Http404("No such capability.")
    if not request.GET and choices:
        form = TrendForm(initial={"capability": code}, capabilities=choices)
    context: dict[str, Any] = {"form": form, "code": code}
    if code:
        cycles = [c for c in cohorts.cycles() if c.scored]  # type: ignore[attr-defined]
        points = aggregates.capability_trend(code, cycles=cycles)
        spec = charts.trend_spec(points, capability_label=f"{code} {names[code]}")
        populations = [p.cell.population for p in points]
        context.update(
            figure=charts.to_plotly(spec),
            spec=spec,
            points=points,
            rows=[
                {"point": p, "label": p.label(lang), "text": charts.n_of_n(p.cell)} for p in points
            ],
            illustrative=spec.illustrative,
            cohort_differs=len(set(populations)) > 1,
            smallest=min(populations, default=0),
            largest=max(populations, default=0),
            downloads=_table_links("reports:trend_download", urlencode({"capability": code})),
        )
    return context


@require_GET
def trend(request: HttpRequest) -> HttpResponse:
    """One capability's share in place across every cycle, by capability code (analysts only)."""
    return render(request, "reports/trend.html", _trend_context(request))


@require_GET
def trend_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """Exactly the trend table, as CSV or Excel."""
    _check_format(fmt)
    context = _trend_context(request)
    if "rows" not in context:
        raise Http404("No capability.")
    table = exports.Table(
        title=_("Trend"),
        header=(
            _("Cycle"),
            _("Share in place"),
            _("n of N"),
            _("No answer or don't know"),
            _("Countries"),
        ),
        rows=[
            (
                r["label"],
                r["point"].cell.yes_pct,
                r["text"],
                r["point"].cell.no_answer,
                r["point"].cell.population,
            )
            for r in context["rows"]
        ],
    )
    return _table_download(table, fmt, "trend", context["code"])


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
def import_upload(request: AuthenticatedRequest) -> HttpResponse:
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
