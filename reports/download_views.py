"""Downloads: PDF reports, CSV/XLSX exports and bulk ZIPs of country reports.

Who gets what (access decided by capabilities.permissions, never here):
- country report PDF and that country's answers: the country's team, analysts, administrators;
  anyone else gets 404 (the country's existence is not revealed);
- matrix PDF and matrix CSV/XLSX: every signed-in user, with small cells suppressed below analyst;
- a whole cycle's answers and bulk ZIPs: analysts and administrators (403 for others).
"""

from __future__ import annotations

import itertools
from contextlib import AbstractContextManager

from django.conf import settings
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from capabilities import aggregates, labels, priorities, scoring, throttle
from capabilities.models import Assessment, Country, Cycle
from capabilities.permissions import (
    AuthenticatedRequest,
    aggregate_min_cell,
    is_analyst,
    require_analyst,
    require_country_profile,
    visible_assessments,
)

from . import exports, pdf, tables
from .models import BulkExport
from .tasks import request_bulk_export

LAYOUTS = ("long", "wide")
FORMATS = ("csv", "xlsx")


def _heavy(request: HttpRequest) -> AbstractContextManager[None]:
    """One of the person's MRN_HEAVY_PER_USER slots for a PDF built in the request (held in the
    database, so the limit holds across app servers); throttle.Busy when all are taken."""
    return throttle.slot(
        f"heavy:{request.user.pk}",
        limit=settings.MRN_HEAVY_PER_USER,
        timeout=settings.MRN_HEAVY_TIMEOUT,
    )


def _busy(request: HttpRequest) -> HttpResponse:
    response = render(request, "reports/busy.html", status=429)
    response["Retry-After"] = "10"
    return response


def _lang(request: HttpRequest) -> str:
    """The ``lang`` query parameter if it is a site language, else the active language."""
    return labels.language(request.GET.get("lang") or request.POST.get("lang") or get_language())


def _cycle(code: str) -> Cycle:
    return get_object_or_404(Cycle.objects.select_related("framework"), code=code)


def _country_assessment(request: HttpRequest, cycle: Cycle, country_code: str) -> Assessment:
    """The country's assessment in the cycle if the user may read it; 404 otherwise."""
    assessment = (
        visible_assessments(request.user)
        .select_related("country", "cycle__framework")
        .filter(cycle=cycle, country__code=country_code)
        .first()
    )
    if assessment is None:
        raise Http404("No such country report.")
    require_country_profile(request.user, assessment.country)
    return assessment


def _attachment(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _table_response(tables: exports.Table, name: str, fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        return _attachment(exports.to_xlsx(tables), name, exports.XLSX_CONTENT_TYPE)
    return _attachment(exports.to_csv(tables), name, exports.CSV_CONTENT_TYPE)


def _answers_response(
    cycle: Cycle, assessments: QuerySet[Assessment], *, layout: str, fmt: str, lang: str, stem: str
) -> HttpResponseBase:
    """The answers, streamed: CSV written chunk by chunk as the countries' answers are read
    (50 countries at a time); XLSX written row by row to a temporary file, then sent from it."""
    if layout not in LAYOUTS or fmt not in FORMATS:
        raise Http404("Unknown export format.")
    chunks = exports.answer_data_chunks(cycle, assessments)
    first = next(chunks)  # the questions (and the header) even when there is no country
    everything = itertools.chain([first], chunks)
    if layout == "long":
        header = exports.long_header(lang)
        rows = (row for data in everything for row in exports.iter_answers_long(data, lang=lang))
    else:
        header = exports.wide_header(first)
        rows = (row for data in everything for row in exports.iter_answers_wide(data))
    name = exports.filename(cycle.code, stem, f"answers-{layout}", ext=fmt)
    if fmt == "xlsx":
        with translation.override(lang):
            title = _("Answers") if layout == "long" else "wide"
        output = exports.xlsx_file(exports.Table(title, header, rows))
        response: HttpResponseBase = FileResponse(
            output, content_type=exports.XLSX_CONTENT_TYPE, as_attachment=True, filename=name
        )
    else:
        # the wide layout is the import format: plain UTF-8, no byte order mark
        body = exports.csv_chunks(header, rows, bom=layout == "long")
        response = StreamingHttpResponse(body, content_type=exports.CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Pages


@require_GET
def downloads(request: HttpRequest, cycle_code: str) -> HttpResponse:
    """What the user may download for a cycle."""
    cycle = _cycle(cycle_code)
    countries = list(
        Country.objects.filter(
            pk__in=visible_assessments(request.user).filter(cycle=cycle).values("country_id")
        ).order_by("name_en")
    )
    context = {
        "cycle": cycle,
        "countries": countries,
        "analyst": is_analyst(request.user),
        "illustrative": cycle.is_illustrative,
        "lang": _lang(request),
    }
    return render(request, "reports/downloads.html", context)


# ---------------------------------------------------------------------------------------------
# PDF


@require_GET
def country_report(request: HttpRequest, cycle_code: str, country_code: str) -> HttpResponse:
    cycle = _cycle(cycle_code)
    assessment = _country_assessment(request, cycle, country_code)
    lang = _lang(request)
    try:
        with _heavy(request):
            data = pdf.country_report_pdf(
                assessment, lang=lang, assessments=visible_assessments(request.user)
            )
    except throttle.Busy:
        return _busy(request)
    return _attachment(data, pdf.country_report_filename(assessment, lang), "application/pdf")


@require_GET
def matrix_report(request: HttpRequest, cycle_code: str) -> HttpResponse:
    cycle = _cycle(cycle_code)
    lang = _lang(request)
    try:
        with _heavy(request):
            data = pdf.matrix_report_pdf(
                cycle, lang=lang, min_cell=aggregate_min_cell(request.user)
            )
    except throttle.Busy:
        return _busy(request)
    return _attachment(data, pdf.matrix_report_filename(cycle, lang), "application/pdf")


# ---------------------------------------------------------------------------------------------
# CSV / XLSX


@require_GET
def cycle_answers(request: HttpRequest, cycle_code: str, layout: str, fmt: str) -> HttpResponseBase:
    """Every answer of a cycle an analyst may read (submitted at least once)."""
    require_analyst(request.user)
    cycle = _cycle(cycle_code)
    return _answers_response(
        cycle,
        visible_assessments(request.user),
        layout=layout,
        fmt=fmt,
        lang=_lang(request),
        stem="all",
    )


@require_GET
def country_answers(
    request: HttpRequest, cycle_code: str, country_code: str, layout: str, fmt: str
) -> HttpResponseBase:
    """One country's answers: its team, analysts and administrators."""
    cycle = _cycle(cycle_code)
    assessment = _country_assessment(request, cycle, country_code)
    return _answers_response(
        cycle,
        visible_assessments(request.user).filter(pk=assessment.pk),
        layout=layout,
        fmt=fmt,
        lang=_lang(request),
        stem=assessment.country.code,
    )


@require_GET
def country_action_plan(
    request: HttpRequest, cycle_code: str, country_code: str, fmt: str
) -> HttpResponse:
    """One country's priorities for action (capabilities.priorities): its team and the
    secretariat."""
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    cycle = _cycle(cycle_code)
    assessment = _country_assessment(request, cycle, country_code)
    lang = _lang(request)
    with translation.override(lang):
        table = exports.action_plan_table(
            priorities.action_plan(assessment, lang=lang),
            title=_("Action plan"),
        )
    name = exports.filename(cycle.code, assessment.country.code, "action-plan", lang, ext=fmt)
    return _table_response(table, name, fmt)


@require_GET
def matrix_export(request: HttpRequest, cycle_code: str, fmt: str) -> HttpResponse:
    """The matrix overall and by income group, region and survey, suppressed as on the web."""
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    cycle = _cycle(cycle_code)
    lang = _lang(request)
    min_cell = aggregate_min_cell(request.user)
    sheets = [tables.matrix_table(aggregates.capability_matrix(cycle, min_cell=min_cell), lang)]
    for by in scoring.GROUP_FIELDS:
        grouped = aggregates.capability_matrix(cycle, by=by, min_cell=min_cell)
        # the all-countries rows are the first table's
        sheets.append(tables.matrix_table(grouped, lang, title=by, include_all=False))
    name = exports.filename(cycle.code, "matrix", ext=fmt)
    if fmt == "csv":
        merged = exports.Table(
            "matrix", sheets[0].header, [row for sheet in sheets for row in sheet.rows]
        )
        return _table_response(merged, name, fmt)
    return _attachment(exports.to_xlsx(sheets), name, exports.XLSX_CONTENT_TYPE)


# ---------------------------------------------------------------------------------------------
# Bulk ZIP of country reports


@require_http_methods(["GET", "POST"])
def bulk_exports(request: AuthenticatedRequest, cycle_code: str) -> HttpResponse:
    """Analysts ask for every country report of a cycle in one ZIP and follow its progress."""
    require_analyst(request.user)
    cycle = _cycle(cycle_code)
    if request.method == "POST":
        export = request_bulk_export(cycle=cycle, lang=_lang(request), user=request.user)
        return HttpResponseRedirect(
            reverse("reports:bulk_exports", args=[cycle.code]) + f"#export-{export.pk}"
        )
    exports_list = list(
        BulkExport.objects.for_user(request.user).filter(cycle=cycle).select_related("cycle")[:20]
    )
    context = {
        "cycle": cycle,
        "exports": exports_list,
        "illustrative": cycle.is_illustrative,
        "lang": _lang(request),
    }
    return render(request, "reports/bulk.html", context)


def _own_export(request: HttpRequest, pk: int) -> BulkExport:
    require_analyst(request.user)
    return get_object_or_404(
        BulkExport.objects.for_user(request.user).select_related("cycle"), pk=pk
    )


@require_GET
def bulk_export_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Progress of a bulk export, polled by static/js/bulk_progress.js."""
    export = _own_export(request, pk)
    return JsonResponse(
        {
            "id": export.pk,
            "status": export.status,
            "status_label": str(export.get_status_display()),
            "done": export.done,
            "total": export.total,
            "percent": export.percent,
            "finished": export.is_finished,
            "download_url": (
                reverse("reports:bulk_export_download", args=[export.pk]) if export.file else ""
            ),
        }
    )


@require_GET
def bulk_export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = _own_export(request, pk)
    if not export.file:
        raise Http404("This export is not ready.")
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"mrn-{export.cycle.code}-country-reports-{export.lang}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response
