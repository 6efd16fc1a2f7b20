"""Printed reports: print templates rendered to PDF by WeasyPrint.

- ``render_pdf(html)``: A4, the print stylesheet, fonts embedded (subsets of DejaVu), a tagged PDF
  (PDF/UA-1 variant: structure tags, title and language in the metadata).
- ``country_report_pdf(assessment, lang=...)``: cover, contents, a one-page executive summary,
  the country beside aggregated cohorts (all countries, its income group, its region; never a
  named country), priorities for action (``capabilities.priorities``), one section per domain
  (status, maturity phase and its description, answers, comments, evidence), and an annex with
  the method and the questionnaire version. Comment threads of the review print only while they
  are unresolved, in their own section (what is still to settle). Every heading is a PDF bookmark (print.css ``bookmark-level``).
- ``matrix_report_pdf(cycle, lang=..., min_cell=...)``: the Figure 1 chart and table, then the
  breakdowns by income group and region; the tables are the rows of ``reports.tables`` (as in
  every matrix download), ``min_cell`` from ``permissions.aggregate_min_cell(user)``.

Callers check access first (``capabilities.permissions``); these functions print what they get.
Running headers, "page X of Y", the generation date and the illustrative-data mark are page
margin boxes, so they appear on every page.
"""

from __future__ import annotations

import base64
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from capabilities import priorities, values
from capabilities.labels import status_label
from capabilities.models import (
    Answer,
    Assessment,
    AssessmentQuerySet,
    Capability,
    CapabilityPhase,
    Cycle,
    Domain,
    MaturityPhase,
    Participation,
    Question,
    QuestionKind,
    ReviewComment,
    YesNo,
)
from capabilities.priorities import Priority
from capabilities.scoring import DomainMaturity

from .tables import MatrixRow, matrix_rows

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"
PDF_VARIANT = "pdf/ua-1"


# ---------------------------------------------------------------------------------------------
# The pipeline


@cache
def _stylesheet():  # -> weasyprint.CSS, parsed once per process
    from weasyprint import CSS

    return CSS(filename=str(PRINT_CSS), url_fetcher=url_fetcher())


@cache
def _font_config():  # -> weasyprint.text.fonts.FontConfiguration, shared per process
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _static_roots() -> tuple[Path, ...]:
    roots = [Path(settings.BASE_DIR) / "static", Path(settings.STATIC_ROOT)]
    roots += [Path(d if isinstance(d, str | Path) else d[1]) for d in settings.STATICFILES_DIRS]
    return tuple(r.resolve() for r in roots)


def allowed_url(url: str) -> bool:
    """Whether a PDF may load ``url``: ``data:`` URLs (the charts are embedded as data URIs) and
    ``file:`` URLs of the project's own static files. Nothing else: no http(s), no other file."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return True
    if scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    try:
        path = Path(unquote(parts.path)).resolve()
    except (OSError, ValueError):
        return False
    return any(path.is_relative_to(root) for root in _static_roots()) and path.is_file()


def url_fetcher():  # -> weasyprint.urls.URLFetcher refusing every URL but allowed_url ones
    from weasyprint.urls import URLFetcher

    class ProjectFilesOnly(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            if not allowed_url(url):
                raise ValueError(f"PDF resources come from the project's static files only: {url}")
            return super().fetch(url, headers)

    return ProjectFilesOnly(allowed_protocols=("data", "file"), allow_redirects=False)


_gc_lock = threading.Lock()
_gc_renders = 0  # renders under way in this process (threads of one worker)
_gc_thresholds = gc.get_threshold()
RENDER_GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def _rare_cyclic_gc() -> Iterator[None]:
    """Python's cycle collector runs rarely while WeasyPrint lays out a document (thresholds
    ``RENDER_GC_THRESHOLDS`` instead of the default 700, 10, 10), and as before once the last
    render of the process ends.

    A render allocates hundreds of thousands of short-lived objects; at the default thresholds
    the collector ran again and again, and each full collection walks the whole heap (Django,
    WeasyPrint, caches: some 270,000 objects). Measured on a 15-page country report, CPU, median
    of 8 renders interleaved with 8 at the default thresholds: 1.66 → 1.33 s (20% less; a busy
    hour of the machine). The collector is slowed, not switched off (which saved about as much:
    0.98 → 0.86 s in a quieter hour), so that renders of two threads of a worker that keep
    overlapping cannot leave it off; the count restores the thresholds when the last one ends.
    What is left to collect after a render is about the same either way (+5.7 MB of resident
    memory with the collector off, +5.4 MB with it on)."""
    global _gc_renders, _gc_thresholds
    with _gc_lock:
        if _gc_renders == 0:
            _gc_thresholds = gc.get_threshold()
            gc.set_threshold(*RENDER_GC_THRESHOLDS)
        _gc_renders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_renders -= 1
            if _gc_renders == 0:
                gc.set_threshold(*_gc_thresholds)


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """A tagged A4 PDF of ``html`` with the print stylesheet; title and language from the HTML.

    Resources load through ``url_fetcher()``: the project's static files and data URIs only."""
    from weasyprint import HTML

    with _rare_cyclic_gc():
        document = HTML(
            string=html, base_url=base_url or str(settings.BASE_DIR), url_fetcher=url_fetcher()
        )
        return document.write_pdf(
            stylesheets=[_stylesheet()],
            font_config=_font_config(),
            pdf_variant=PDF_VARIANT,
            uncompressed_pdf=False,
        )


CSS_UNSAFE = frozenset("\\\"'<>&")


def css_string(text: str) -> str:
    """``text`` as a CSS string literal, safe inside a <style> element: quotes, backslashes,
    ``<`` ``>`` ``&`` and every control or invisible character (``\\r``, ``\\n``, ``\\f``, NUL,
    line separators…) become CSS hex escapes, so no text can end the string or the rule."""
    out = []
    for ch in text:
        if ch in CSS_UNSAFE or not ch.isprintable():
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def page_css(*, header: str, generated: str, illustrative: bool) -> SafeString:
    """The @page rules whose text depends on the report and the language."""
    page_label = _("page %(page)s of %(pages)s")
    confidential = _("Confidential")  # outside the f-string, so makemessages finds it
    marker_page, marker_pages = "\x00PAGE\x00", "\x00PAGES\x00"
    counter = css_string(page_label % {"page": marker_page, "pages": marker_pages})
    counter = counter.replace(css_string(marker_page)[1:-1], '" counter(page) "').replace(
        css_string(marker_pages)[1:-1], '" counter(pages) "'
    )
    rules = [
        "@page {",
        f"  @top-left {{ content: {css_string(header)}; }}",
        f"  @top-right {{ content: {css_string(confidential)}; }}",
        f"  @bottom-left {{ content: {css_string(generated)}; }}",
        f"  @bottom-right {{ content: {counter}; }}",
    ]
    if illustrative:
        mark = _("Illustrative data")
        rules.append(f"  @bottom-center {{ content: {css_string(mark)}; }}")
    rules.append("}")
    return mark_safe("\n".join(rules))  # noqa: S308 - every text part went through css_string


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _generated_label(now: datetime) -> str:
    return _("Generated on %(date)s") % {"date": date_format(timezone.localtime(now), "j F Y")}


# ---------------------------------------------------------------------------------------------
# Country report


@dataclass(frozen=True)
class AnswerRow:
    code: str
    text: str
    value: str
    comment: str
    evidence: tuple[str, ...]
    review_comments: tuple[ReviewComment, ...]
    summary: bool = False  # headline or maturity question: shown in the capability's status line


@dataclass(frozen=True)
class CapabilityRow:
    capability: Capability
    code: str
    name: str
    status: str  # yes, no, dont_know or "" (no answer)
    status_label: str
    maturity: int | None
    maturity_label: str
    change: str  # scoring.Change.kind, "" without a previous cycle
    change_label: str
    previous_label: str
    answers: tuple[AnswerRow, ...]
    phase_name: str = ""
    phase_description: str = ""  # what the answered phase means for this capability

    @property
    def changed(self) -> bool:
        return self.change in ("gained", "lost")

    @property
    def details(self) -> tuple[AnswerRow, ...]:
        """The answers other than the headline and maturity questions."""
        return tuple(a for a in self.answers if not a.summary)

    @property
    def summary_notes(self) -> tuple[AnswerRow, ...]:
        """Headline and maturity answers that carry a comment or evidence."""
        return tuple(a for a in self.answers if a.summary and (a.comment or a.evidence))


@dataclass(frozen=True)
class DomainSection:
    domain: Domain
    code: str
    name: str
    capabilities: tuple[CapabilityRow, ...]
    mean_maturity: Decimal | None = None

    @property
    def in_place(self) -> int:
        return sum(1 for c in self.capabilities if c.status == YesNo.YES)

    @property
    def total(self) -> int:
        return len(self.capabilities)


@dataclass(frozen=True)
class CohortColumn:
    """Mean maturity per domain of a group of countries (suppressed below the small-cell rule)."""

    name: str
    domains: tuple[DomainMaturity, ...]
    values: tuple[str, ...]  # one printed text per domain


@dataclass(frozen=True)
class CountryReport:
    assessment: Assessment
    lang: str
    title: str
    generated_at: datetime
    domains: tuple[DomainSection, ...]
    previous_cycle_name: str
    review_comments: tuple[ReviewComment, ...]
    phases: tuple[MaturityPhase, ...]
    min_cell: int
    domain_maturity: tuple[DomainMaturity, ...] = ()
    priorities: tuple[Priority, ...] = ()
    strongest: tuple[CapabilityRow, ...] = ()
    cohorts: tuple[CohortColumn, ...] = ()
    framework_name: str = ""
    framework_code: str = ""

    @property
    def changes(self) -> list[CapabilityRow]:
        """Capabilities gained or lost since the previous cycle."""
        return [c for d in self.domains for c in d.capabilities if c.changed]

    @property
    def in_place(self) -> int:
        return sum(d.in_place for d in self.domains)

    @property
    def total(self) -> int:
        return sum(d.total for d in self.domains)

    @property
    def weakest(self) -> tuple[Priority, ...]:
        """The three weakest capabilities: the first three priorities for action."""
        return self.priorities[:3]

    @property
    def capabilities(self) -> list[CapabilityRow]:
        return [c for d in self.domains for c in d.capabilities]

    @property
    def open_threads(self) -> list[tuple[ReviewComment, list[ReviewComment]]]:
        """The comment threads not resolved yet, each with its written replies, in the order
        they were opened: what the country and the secretariat still have to settle."""
        replies: dict[int, list[ReviewComment]] = {}
        for c in self.review_comments:
            if c.parent_id is not None and not c.action and c.text:
                replies.setdefault(c.parent_id, []).append(c)
        return [
            (c, replies.get(c.pk, []))
            for c in self.review_comments
            if c.parent_id is None and c.resolved_at is None
        ]


def strongest_capabilities(rows: list[CapabilityRow], count: int = 3) -> tuple[CapabilityRow, ...]:
    """The strongest capabilities: in place, highest maturity phase first, then framework order."""
    in_place = [(i, r) for i, r in enumerate(rows) if r.status == YesNo.YES]
    in_place.sort(key=lambda item: (-(item[1].maturity or 0), item[0]))
    return tuple(r for _i, r in in_place[:count])


def cohort_text(domain: DomainMaturity) -> str:
    if domain.suppressed:
        return _("not shown (fewer than %(k)s countries)") % {"k": settings.MRN_MIN_CELL}
    if domain.mean is None:
        return "–"
    return number_format(domain.mean, 1)


def _maturity(value: str) -> int | None:
    return int(value) if value in ("1", "2", "3", "4") else None


def build_country_report(
    assessment: Assessment, *, lang: str, assessments: AssessmentQuerySet | None = None
) -> CountryReport:
    """Everything the country report prints, in ``lang``: 20 queries whatever the data (with a
    previous cycle).

    Statuses, maturity by domain and the change since the previous cycle come from
    ``capabilities.aggregates.country_profile``; ``assessments`` is what the reader may see
    (``visible_assessments``), used to find the previous cycle (all assessments when None).
    """
    from capabilities import aggregates, scoring

    with translation.override(lang):
        cycle = assessment.cycle
        profile = aggregates.country_profile(
            assessment,
            assessments=assessments if assessments is not None else Assessment.objects.all(),
        )
        statuses = {s.code: s for s in profile.statuses}
        changes = {c.code: c for c in profile.changes}
        questions = list(Question.objects.for_framework(cycle.framework_id).with_structure())
        answers = {a.question_id: a for a in Answer.objects.filter(assessment=assessment)}
        comments = tuple(
            ReviewComment.objects.filter(assessment=assessment)
            .exclude(text="")  # a thread resolved or reopened without a note says nothing to print
            .select_related("question", "author")
            .order_by("created_at", "pk")
        )
        comments_by_question: dict[int, list[ReviewComment]] = {}
        for comment in comments:
            comments_by_question.setdefault(comment.question_id, []).append(comment)
        phases = tuple(MaturityPhase.objects.filter(framework_id=cycle.framework_id))
        phase_names = {p.number: p.tr("name", lang) for p in phases}
        phase_texts = {
            (p.capability_id, p.number): p.tr("description", lang)
            for p in CapabilityPhase.objects.filter(capability__framework_id=cycle.framework_id)
        }

        by_capability: dict[int, list[Question]] = {}
        capabilities: dict[int, Capability] = {}
        for question in questions:
            capabilities.setdefault(question.capability_id, question.capability)
            by_capability.setdefault(question.capability_id, []).append(question)

        has_previous = bool(profile.previous_cycle_code)
        domains: dict[int, tuple[Domain, list[CapabilityRow]]] = {}
        for capability_id, capability in capabilities.items():
            status = statuses.get(capability.code, scoring.CapabilityStatus(capability.code))
            change = changes.get(capability.code)
            before = change.before.in_place if change and change.before else ""
            rows = []
            for question in by_capability[capability_id]:
                answer = answers.get(question.pk)
                value = answer.value if answer else ""
                rows.append(
                    AnswerRow(
                        code=question.code,
                        text=question.tr("text", lang),
                        value=values.display(question, value, lang) if value else "",
                        comment=answer.comment if answer else "",
                        evidence=tuple(answer.evidence) if answer else (),
                        review_comments=tuple(comments_by_question.get(question.pk, ())),
                        summary=question.is_headline or question.kind == QuestionKind.MATURITY,
                    )
                )
            row = CapabilityRow(
                capability=capability,
                code=capability.code,
                name=capability.tr("name", lang),
                status=status.in_place,
                status_label=status_label(status.in_place),
                maturity=status.maturity,
                maturity_label=(
                    _("Phase %(number)s") % {"number": status.maturity}
                    if status.maturity
                    else _("No answer")
                ),
                change=change.kind if change else "",
                change_label=change_label(change.kind) if change else "",
                previous_label=status_label(before) if has_previous else "",
                answers=tuple(rows),
                phase_name=phase_names.get(status.maturity or 0, ""),
                phase_description=phase_texts.get((capability_id, status.maturity or 0), ""),
            )
            domain = capability.domain
            domains.setdefault(domain.pk, (domain, []))[1].append(row)

        maturity = {d.domain_code: d.mean for d in profile.domains}
        sections = tuple(
            DomainSection(
                domain, domain.code, domain.tr("name", lang), tuple(rows), maturity.get(domain.code)
            )
            for domain, rows in domains.values()
        )
        title = _("%(country)s – country report – %(cycle)s") % {
            "country": assessment.country.tr("name", lang),
            "cycle": cycle.tr("name", lang),
        }
        previous_name = profile.previous_cycle_label(lang)
        framework = cycle.framework
        return CountryReport(
            assessment=assessment,
            lang=lang,
            title=title,
            generated_at=timezone.now(),
            domains=sections,
            previous_cycle_name=previous_name,
            review_comments=comments,
            phases=phases,
            min_cell=settings.MRN_MIN_CELL,
            domain_maturity=profile.domains,
            priorities=priorities.action_plan(assessment, lang=lang, statuses=profile.statuses),
            strongest=strongest_capabilities([c for d in sections for c in d.capabilities]),
            cohorts=cohort_columns(assessment, lang=lang),
            framework_name=framework.tr("name", lang),
            framework_code=framework.code,
        )


def cohort_columns(assessment: Assessment, *, lang: str) -> tuple[CohortColumn, ...]:
    """All countries, the country's income group and its region in the cycle: mean maturity per
    domain from ``aggregates.cohort_domain_maturity`` with the small-cell rule always applied (a
    printed report travels). Never another named country. 7 queries."""
    from capabilities import aggregates

    from .charts import group_label

    cycle = assessment.cycle
    k = settings.MRN_MIN_CELL
    participation = Participation.objects.filter(cycle=cycle, country=assessment.country).first()
    wanted = [("", "")]
    for by in ("income_group", "region"):
        code = getattr(participation, by, "") if participation else ""
        if code:
            wanted.append((by, code))
    columns = []
    for by, code in wanted:
        domains = aggregates.cohort_domain_maturity(cycle, by=by, group=code, min_cell=k)
        columns.append(
            CohortColumn(
                name=group_label(by, code),
                domains=domains,
                values=tuple(cohort_text(d) for d in domains),
            )
        )
    return tuple(columns)


def change_label(kind: str) -> str:
    labels = {
        "gained": _("Now in place"),
        "lost": _("No longer in place"),
        "same": _("Unchanged"),
        "new": _("Not comparable (no answer before)"),
        "unknown": _("Not comparable (no answer now)"),
    }
    return str(labels.get(kind, kind))


def phase_rows(phases: tuple[MaturityPhase, ...], lang: str) -> list[tuple[int, str, str]]:
    return [(p.number, p.tr("name", lang), p.tr("description", lang)) for p in phases]


def country_report_html(report: CountryReport) -> str:
    """The print HTML of a country report (charts drawn here, in the report's language)."""
    from . import charts, svg

    lang = report.lang
    with translation.override(lang):
        cycle = report.assessment.cycle
        country_name = report.assessment.country.tr("name", lang)
        radar_svg = svg.radar_svg(
            charts.radar_spec(
                [(country_name, report.domain_maturity)]
                + [(c.name, c.domains) for c in report.cohorts],
                illustrative=cycle.is_illustrative,
                lang=lang,
            )
        )
        country_values = tuple(
            number_format(d.mean, 1) if d.mean is not None else "–" for d in report.domain_maturity
        )
        generated = _generated_label(report.generated_at)
        context = {
            "lang": lang,
            "title": report.title,
            "description": _("Model National Response – country report"),
            "generated_at": timezone.localtime(report.generated_at),
            "report": report,
            "assessment": report.assessment,
            "country_name": country_name,
            "cycle_name": cycle.tr("name", lang),
            "comparison_rows": [
                (
                    f"{d.domain_code} {d.label(lang)}",
                    country_values[i],
                    [c.values[i] for c in report.cohorts],
                )
                for i, d in enumerate(report.domain_maturity)
            ],
            "illustrative": cycle.is_illustrative,
            "radar_uri": svg_data_uri(radar_svg),
            "page_css": page_css(
                header=report.title, generated=generated, illustrative=cycle.is_illustrative
            ),
            "phases": phase_rows(report.phases, lang),
            "min_cell": report.min_cell,
            "target_phase": priorities.TARGET_PHASE,
        }
        return render_to_string("reports/print/country_report.html", context)


def country_report_pdf(
    assessment: Assessment, *, lang: str, assessments: AssessmentQuerySet | None = None
) -> bytes:
    """The country report of ``assessment`` as PDF bytes (access checked by the caller)."""
    report = build_country_report(assessment, lang=lang, assessments=assessments)
    return render_pdf(country_report_html(report))


def country_report_filename(assessment: Assessment, lang: str) -> str:
    return f"mrn-{assessment.cycle.code}-{assessment.country.code}-{lang}.pdf"


# ---------------------------------------------------------------------------------------------
# Matrix report

BREAKDOWNS = ("income_group", "region")


@dataclass(frozen=True)
class BreakdownSection:
    by: str
    title: str
    groups: tuple[tuple[str, str, int], ...]  # (code, label, N)
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (capability label, cell texts per group)
    charts: tuple[tuple[str, str], ...]  # (panel title, SVG data URI)
    note: str
    hidden: str = ""  # the sentence naming the groups none of whose figures may be shown


def hidden_sentence(groups: tuple[str, ...], min_cell: int | None) -> str:
    k = min_cell if min_cell is not None else settings.MRN_MIN_CELL
    return _(
        "Not shown, because fewer than %(k)s countries answered in each (or a hidden figure "
        "could otherwise be worked out): %(groups)s."
    ) % {"k": k, "groups": "; ".join(groups)}


def cell_text(row: MatrixRow | None) -> str:
    """A breakdown cell: "71% (30 of 42)", or why it is not shown; "–" for no row."""
    from .charts import share_text

    if row is None:
        return "–"
    if row.shown:
        return share_text(row)
    return row.reason or _("No answers")


def matrix_report_html(
    cycle: Cycle, *, lang: str, min_cell: int | None, breakdowns: tuple[str, ...] = BREAKDOWNS
) -> str:
    """The print HTML of the matrix report: Figure 1 with its table, then each breakdown. The
    tables' figures are the rows of ``tables.matrix_rows``, as in every matrix download."""
    from capabilities import aggregates

    from . import charts, svg

    with translation.override(lang):
        cycle_name = cycle.tr("name", lang)
        matrix = aggregates.capability_matrix(cycle, min_cell=min_cell)
        rows = matrix_rows(matrix, lang)
        spec = charts.stacked_bar_spec(
            matrix, cycle_name=cycle_name, illustrative=cycle.is_illustrative, lang=lang
        )
        sections = []
        for by in breakdowns:
            grouped = aggregates.capability_matrix(cycle, by=by, min_cell=min_cell)
            breakdown = charts.breakdown_spec(
                grouped, illustrative=cycle.is_illustrative, include_all=False, lang=lang
            )
            all_groups = tuple(
                (g, charts.group_label(by, g), grouped.population(g)) for g in grouped.groups[1:]
            )
            cells = {(r.capability, r.group): r for r in matrix_rows(grouped, lang) if r.group}
            # A group none of whose cells may be shown gets a sentence, not a column of "not
            # shown" and a page of grey bars.
            shown = {r.group for r in cells.values() if r.shown}
            groups = tuple(item for item in all_groups if item[0] in shown)
            hidden = tuple(f"{label} (N = {n})" for g, label, n in all_groups if g not in shown)
            section_rows = tuple(
                (
                    f"{cap.code} {cap.label(lang)}",
                    tuple(cell_text(cells.get((cap.code, g))) for g, _l, _n in groups),
                )
                for cap in grouped.answered_capabilities()
            )
            sections.append(
                BreakdownSection(
                    by=by,
                    title=breakdown.title,
                    groups=groups,
                    rows=section_rows,
                    charts=tuple(
                        (panel.title, svg_data_uri(svg.stacked_bar_svg(panel, title="")))
                        for (g, _l, _n), panel in zip(all_groups, breakdown.panels, strict=True)
                        if g in shown
                    ),
                    note=breakdown.note,
                    hidden=hidden_sentence(hidden, min_cell) if hidden else "",
                )
            )
        generated_at = timezone.now()
        generated = _generated_label(generated_at)
        title = _("Capability matrix – %(cycle)s") % {"cycle": cycle_name}
        phases = MaturityPhase.objects.filter(framework_id=cycle.framework_id)
        context = {
            "lang": lang,
            "title": title,
            "description": _("Model National Response – capability matrix"),
            "generated_at": timezone.localtime(generated_at),
            "cycle_name": cycle_name,
            "illustrative": cycle.is_illustrative,
            "spec": spec,
            "rows": rows,
            "figure_uri": (
                svg_data_uri(svg.stacked_bar_svg(spec))
                if any(not r.suppressed and r.yes is not None for r in spec.rows)
                else ""
            ),
            "population": matrix.population(),
            "sections": sections,
            "page_css": page_css(
                header=title, generated=generated, illustrative=cycle.is_illustrative
            ),
            "phases": phase_rows(tuple(phases), lang),
            "min_cell": settings.MRN_MIN_CELL,
            "suppressed_overall": min_cell is not None,
        }
        return render_to_string("reports/print/matrix_report.html", context)


def matrix_report_pdf(cycle: Cycle, *, lang: str, min_cell: int | None) -> bytes:
    """The matrix report of a cycle as PDF bytes; ``min_cell`` from
    ``permissions.aggregate_min_cell(user)``."""
    return render_pdf(matrix_report_html(cycle, lang=lang, min_cell=min_cell))


def matrix_report_filename(cycle: Cycle, lang: str) -> str:
    return f"mrn-{cycle.code}-matrix-{lang}.pdf"
