"""CSV and XLSX exports: answers (long and wide) and the capability matrix.

Every export is built as a ``Table`` (header and rows of plain values) from the assessments the
caller passes in, which must come from ``capabilities.permissions.visible_assessments(user)``; the
writers then neutralise spreadsheet formulas: a text cell starting with ``= + - @``, a tab or a
carriage return gets a leading apostrophe, so a spreadsheet shows it as text and never runs it.

- long: one row per country and question, with value, display value, comment, evidence, who, when.
- wide: the import format of ``manage.py import_responses`` (one row per country, one column per
  question code, canonical values), so exporting a cycle and importing the file into an empty
  database gives the same matrix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from capabilities import values
from capabilities.models import Answer, Assessment, Cycle, Participation, Question
from capabilities.priorities import Priority
from capabilities.scoring import Matrix

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
WIDE_FIXED_COLUMNS = ("respondent", "income_group", "region", "survey")
# The long format is read by people: its header is translated (the English header keeps these
# codes). The wide format is the import format: its header stays as codes in every language.
LONG_COLUMNS = (
    "cycle",
    "country_code",
    "country",
    "status",
    "domain",
    "capability_code",
    "capability",
    "question_code",
    "question",
    "value",
    "display_value",
    "comment",
    "evidence",
    "updated_by",
    "updated_at",
)


def _long_column_labels() -> tuple[str, ...]:
    """The long format's header in the active language (makemessages reads these literals)."""
    return (
        pgettext("long export column", "cycle"),
        pgettext("long export column", "country_code"),
        pgettext("long export column", "country"),
        pgettext("long export column", "status"),
        pgettext("long export column", "domain"),
        pgettext("long export column", "capability_code"),
        pgettext("long export column", "capability"),
        pgettext("long export column", "question_code"),
        pgettext("long export column", "question"),
        pgettext("long export column", "value"),
        pgettext("long export column", "display_value"),
        pgettext("long export column", "comment"),
        pgettext("long export column", "evidence"),
        pgettext("long export column", "updated_by"),
        pgettext("long export column", "updated_at"),
    )


CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """A sheet: a title (XLSX sheet name), a header and rows of plain cell values."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)


def neutralise(value: Cell) -> Cell:
    """A cell value that no spreadsheet will run as a formula.

    Text starting with = + - @, a tab or a carriage return is prefixed with an apostrophe; plain
    numbers (``-3``, ``+2.5``) are left alone since they cannot hold a formula. Text already
    starting with an apostrophe gets one more, so the importer (which removes one leading
    apostrophe) reads back exactly what was exported.
    """
    if not isinstance(value, str) or value == "":
        return value
    if value.startswith("'") or (
        value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def to_csv(table: Table, *, bom: bool = True) -> bytes:
    """UTF-8 CSV (with a byte order mark by default, so spreadsheets read accents correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in table.header])
    for row in table.rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    text = buffer.getvalue()
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def to_xlsx(tables: Table | Sequence[Table]) -> bytes:
    """An XLSX workbook with one sheet per table. Text cells are neutralised first, so none
    starts with "=" and openpyxl stores every one as text, never as a formula; characters XML
    cannot hold are dropped."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(value: Cell) -> Cell:
        value = neutralise(value)
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    if isinstance(tables, Table):
        tables = [tables]
    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=_sheet_title(table.title))
        sheet.append([clean(cell) for cell in table.header])
        for row in table.rows:
            sheet.append([clean(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet"
    return cleaned[:31]


# ---------------------------------------------------------------------------------------------
# Reading what may be exported: three queries for any number of assessments.


@dataclass(frozen=True)
class AnswerData:
    """Questions of the cycle's framework, the assessments and their answers, ready to export."""

    cycle: Cycle
    questions: list[Question]
    assessments: list[Assessment]
    answers: dict[tuple[int, int], Answer]  # (assessment id, question id) → answer
    participations: dict[int, Participation]  # country id → participation in the cycle


def load_answer_data(cycle: Cycle, assessments: QuerySet[Assessment]) -> AnswerData:
    """Loads everything the answer exports need: 5 queries however many countries.

    ``assessments`` must already be limited to what the user may see (``visible_assessments``).
    """
    questions = list(Question.objects.for_framework(cycle.framework_id).with_structure())
    rows = list(assessments.filter(cycle=cycle).select_related("country").order_by("country__code"))
    ids = [a.pk for a in rows]
    answers = {
        (answer.assessment_id, answer.question_id): answer
        for answer in Answer.objects.filter(assessment_id__in=ids).select_related("updated_by")
    }
    participations = {
        p.country_id: p
        for p in Participation.objects.filter(
            cycle=cycle, country_id__in=[a.country_id for a in rows]
        )
    }
    return AnswerData(cycle, questions, rows, answers, participations)


def _who(answer: Answer) -> str:
    user = answer.updated_by
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def answers_long(data: AnswerData, *, lang: str = "en") -> Table:
    """One row per country and question (unanswered questions included, with empty values)."""
    with translation.override(lang):
        header = _long_column_labels()
        rows: list[tuple[Cell, ...]] = []
        for assessment in data.assessments:
            country = assessment.country
            for question in data.questions:
                answer = data.answers.get((assessment.pk, question.pk))
                value = answer.value if answer else ""
                rows.append(
                    (
                        data.cycle.code,
                        country.code,
                        country.tr("name", lang),
                        str(assessment.get_status_display()),
                        question.capability.domain.code,
                        question.capability.code,
                        question.capability.tr("name", lang),
                        question.code,
                        question.tr("text", lang),
                        value,
                        values.display(question, value, lang),
                        answer.comment if answer else "",
                        "\n".join(answer.evidence) if answer and answer.evidence else "",
                        _who(answer) if answer else "",
                        answer.updated_at.isoformat(timespec="seconds") if answer else "",
                    )
                )
        return Table(_("Answers"), header, rows)


def answers_wide(data: AnswerData) -> Table:
    """The import format: respondent (country code), income group, region, survey, then one
    column per question code with its canonical value."""
    header = (*WIDE_FIXED_COLUMNS, *(q.code for q in data.questions))
    rows: list[tuple[Cell, ...]] = []
    for assessment in data.assessments:
        participation = data.participations.get(assessment.country_id)
        fixed = (
            respondent_id(assessment.country.code),
            participation.income_group if participation else "",
            participation.region if participation else "",
            participation.survey if participation else "",
        )
        answer_values = tuple(
            (
                data.answers[(assessment.pk, q.pk)].value
                if (assessment.pk, q.pk) in data.answers
                else ""
            )
            for q in data.questions
        )
        rows.append((*fixed, *answer_values))
    return Table("wide", header, rows)


def respondent_id(country_code: str) -> str:
    """The respondent column: the country code, or for an anonymised participant of an import
    (``R01@baseline-2021``) its id in the file (``R01``), so re-importing it elsewhere works."""
    return country_code.split("@", 1)[0]


def filename(*parts: str | None, ext: str) -> str:
    """``mrn-<parts>.<ext>`` with only safe characters."""
    stem = "-".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", p) for p in parts if p)
    return f"mrn-{stem}.{ext}"


def rows_to_table(title: str, header: Iterable[str], rows: Iterable[Sequence[Cell]]) -> Table:
    return Table(title, tuple(header), [tuple(row) for row in rows])


def matrix_table(matrix: Matrix, *, lang: str = "en") -> Table:
    """The capability matrix (a ``capabilities.scoring.Matrix``), one row per capability and
    group, with exact counts; suppressed cells keep only N, answered and the reason."""
    from .charts import group_label, reason_text

    with translation.override(lang):
        header = (
            "cycle",
            "breakdown",
            "group",
            "group_label",
            "domain",
            "capability_code",
            "capability",
            "population_N",
            "answered_n",
            "yes",
            "no",
            "no_answer_or_dont_know",
            "yes_pct",
            "suppressed",
            "reason",
        )
        rows: list[tuple[Cell, ...]] = []
        for group in matrix.groups:
            for cap in matrix.capabilities:
                cell = matrix.cell(cap.code, group)
                if cell is None:
                    continue
                rows.append(
                    (
                        matrix.cycle_code,
                        matrix.by,
                        group,
                        group_label(matrix.by, group),
                        cap.domain_code,
                        cap.code,
                        cap.label(lang),
                        cell.population,
                        cell.answered,
                        cell.yes,
                        cell.no,
                        cell.no_answer,
                        cell.yes_pct,
                        "yes" if cell.suppressed else "no",
                        reason_text(cell, matrix.min_cell),
                    )
                )
        return Table(_("Matrix"), header, rows)


def action_plan_table(priorities: Iterable[Priority], *, title: str) -> Table:
    """A country's priorities for action (``capabilities.priorities``) as its action plan, in
    the rule's order, with the header in the active language."""
    header = (
        pgettext("action plan column", "rank"),
        pgettext("action plan column", "domain"),
        pgettext("action plan column", "capability_code"),
        pgettext("action plan column", "capability"),
        pgettext("action plan column", "in_place"),
        pgettext("action plan column", "current_phase"),
        pgettext("action plan column", "next_phase"),
        pgettext("action plan column", "next_phase_name"),
        pgettext("action plan column", "next_step"),
        pgettext("action plan column", "in_place_means"),
    )
    from .charts import status_label

    rows = [
        (
            p.rank,
            f"{p.domain_code} {p.domain_name}",
            p.code,
            p.name,
            str(status_label(p.in_place)),
            p.phase,
            p.next_phase,
            p.next_phase_name,
            p.next_phase_description,
            p.guidance,
        )
        for p in priorities
    ]
    return Table(title, header, rows)
