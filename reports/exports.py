"""CSV and XLSX exports: answers (long and wide), the action plan, and the writers of every
table (the capability matrix's rows come from ``reports.tables``).

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
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, NamedTuple

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from capabilities import values
from capabilities.models import Answer, Assessment, Cycle, Participation, Question
from capabilities.priorities import Priority

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_RISKY_FIRST = frozenset((*FORMULA_STARTS, "'"))
CHUNK_COUNTRIES = 50  # countries whose answers a streamed export reads per query
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
    """A sheet: a title (XLSX sheet name), a header and rows of plain cell values (a list, or an
    iterator for a streamed download, read once)."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]] | Iterator[tuple[Cell, ...]] = field(default_factory=list)


def neutralise(value: Cell) -> Cell:
    """A cell value that no spreadsheet will run as a formula.

    Text starting with = + - @, a tab or a carriage return is prefixed with an apostrophe; plain
    numbers (``-3``, ``+2.5``) are left alone since they cannot hold a formula. Text already
    starting with an apostrophe gets one more, so the importer (which removes one leading
    apostrophe) reads back exactly what was exported.
    """
    # the common case first, in one test: most cells start with none of the risky characters
    if not isinstance(value, str) or value == "" or value[0] not in _RISKY_FIRST:
        return value
    if value[0] == "'" or not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, bom: bool = True, every: int = 500
) -> Iterator[bytes]:
    """UTF-8 CSV as a stream of byte chunks (``every`` rows each), for StreamingHttpResponse:
    a large cycle is never held in memory as one file. A byte order mark first by default, so
    spreadsheets read accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow([neutralise(cell) for cell in header])
    for number, row in enumerate(rows, start=1):
        writer.writerow([neutralise(cell) for cell in row])  # (the csv module writes None as "")
        if number % every == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(table: Table, *, bom: bool = True) -> bytes:
    """UTF-8 CSV in one piece (with a byte order mark by default)."""
    return b"".join(csv_chunks(table.header, table.rows, bom=bom))


def xlsx_file(tables: Table | Sequence[Table]) -> IO[bytes]:
    """An XLSX workbook with one sheet per table, written row by row (openpyxl's write-only
    mode) into a temporary file, returned open at its start (for FileResponse). ``Table.rows``
    may be an iterator. Text cells are neutralised first, so none starts with "=" and openpyxl
    stores every one as text, never as a formula; characters XML cannot hold are dropped."""
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
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse or the caller)
    workbook.save(output)
    output.seek(0)
    return output


def to_xlsx(tables: Table | Sequence[Table]) -> bytes:
    """The workbook of ``xlsx_file`` as bytes."""
    with xlsx_file(tables) as output:
        return output.read()


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
    answers: dict[tuple[int, int], Answer] | dict[tuple[int, int], AnswerRow]
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


class AnswerRow(NamedTuple):
    """What the exports read of one answer, fetched as plain values (no model instance): the
    streamed downloads build one per answer, so this keeps them under 30 µs per answer cell."""

    value: str
    comment: str
    evidence: list[str]
    updated_at: datetime
    who: str


def _answer_rows(assessment_ids: list[int]) -> dict[tuple[int, int], AnswerRow]:
    # evidence read as its JSON text, decoded only when there is some (most answers have none)
    rows = Answer.objects.filter(assessment_id__in=assessment_ids).values_list(
        "assessment_id", "question_id", "value", "comment", Cast("evidence", TextField()),
        "updated_at", "updated_by__first_name", "updated_by__last_name", "updated_by__username",
    )  # fmt: skip
    result = {}
    for assessment_id, question_id, value, comment, evidence, at, first, last, username in rows:
        who = "" if username is None else (f"{first} {last}".strip() or username)
        links = json.loads(evidence) if evidence and evidence != "[]" else []
        result[(assessment_id, question_id)] = AnswerRow(value, comment, links, at, who)
    return result


def answer_data_chunks(
    cycle: Cycle, assessments: QuerySet[Assessment], *, size: int = CHUNK_COUNTRIES
) -> Iterator[AnswerData]:
    """``load_answer_data`` for ``size`` countries at a time, for streamed downloads: the
    answers of a large cycle are never all in memory. 4 queries (questions, their options,
    assessments, their participations: one small row per country), then 1 per chunk (its
    answers)."""
    questions = list(Question.objects.for_framework(cycle.framework_id).with_structure())
    rows = list(assessments.filter(cycle=cycle).select_related("country").order_by("country__code"))
    participations = {
        p.country_id: p
        for p in Participation.objects.filter(
            cycle=cycle, country_id__in=[a.country_id for a in rows]
        )
    }
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        answers = _answer_rows([a.pk for a in chunk])
        yield AnswerData(cycle, questions, chunk, answers, participations)
    if not rows:
        yield AnswerData(cycle, questions, [], {}, {})


def _who(answer: Answer | AnswerRow) -> str:
    if isinstance(answer, AnswerRow):
        return answer.who
    user = answer.updated_by
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def iter_answers_long(data: AnswerData, *, lang: str = "en") -> Iterator[tuple[Cell, ...]]:
    """The long format's rows, one per country and question (unanswered questions included,
    with empty values). What depends only on the question or the country is computed once, and
    each (question, value) is displayed once: about 2 µs per row rather than 100."""
    with translation.override(lang):
        per_question = [
            (
                question.pk,
                values.displayer(question, lang),
                (
                    question.capability.domain.code,
                    question.capability.code,
                    question.capability.tr("name", lang),
                    question.code,
                    question.tr("text", lang),
                ),
            )
            for question in data.questions
        ]
        shown: dict[tuple[int, str], str] = {}
        statuses: dict[str, str] = {}
        cycle_code = data.cycle.code
        for assessment in data.assessments:
            country = assessment.country
            status = statuses.get(assessment.status)
            if status is None:
                status = statuses[assessment.status] = str(assessment.get_status_display())
            fixed = (cycle_code, country.code, country.tr("name", lang), status)
            assessment_id = assessment.pk
            for question_id, show, about in per_question:
                answer = data.answers.get((assessment_id, question_id))
                if answer is None:
                    yield (*fixed, *about, "", "", "", "", "", "")
                    continue
                value = answer.value
                display = shown.get((question_id, value))
                if display is None:
                    display = shown[(question_id, value)] = show(value)
                yield (
                    *fixed,
                    *about,
                    value,
                    display,
                    answer.comment,
                    "\n".join(answer.evidence) if answer.evidence else "",
                    _who(answer),
                    answer.updated_at.isoformat(timespec="seconds"),
                )


def long_header(lang: str = "en") -> tuple[str, ...]:
    with translation.override(lang):
        return _long_column_labels()


def answers_long(data: AnswerData, *, lang: str = "en") -> Table:
    """One row per country and question (unanswered questions included, with empty values)."""
    with translation.override(lang):
        title = _("Answers")
    return Table(title, long_header(lang), list(iter_answers_long(data, lang=lang)))


def iter_answers_wide(data: AnswerData) -> Iterator[tuple[Cell, ...]]:
    """The wide format's rows (see ``answers_wide``)."""
    for assessment in data.assessments:
        participation = data.participations.get(assessment.country_id)
        fixed = (
            respondent_id(assessment.country.code),
            participation.income_group if participation else "",
            participation.region if participation else "",
            participation.survey if participation else "",
        )
        answers = data.answers
        pk = assessment.pk
        yield (
            *fixed,
            *(answers[(pk, q.pk)].value if (pk, q.pk) in answers else "" for q in data.questions),
        )


def wide_header(data: AnswerData) -> tuple[str, ...]:
    return (*WIDE_FIXED_COLUMNS, *(q.code for q in data.questions))


def answers_wide(data: AnswerData) -> Table:
    """The import format: respondent (country code), income group, region, survey, then one
    column per question code with its canonical value."""
    return Table("wide", wide_header(data), list(iter_answers_wide(data)))


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

    rows: list[tuple[Cell, ...]] = [
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
