"""Importing past or offline surveys in the wide format of mnr_2021_baseline.csv, all or nothing.

File format (CSV, UTF-8 with or without BOM, comma/semicolon/tab separated; or XLSX, first sheet):
one header row, then one row per respondent. Columns: ``respondent`` (required), optional
``income_group``, ``region``, ``survey``, and one column per question code of the cycle's framework
(e.g. ``C01.in_place``). Values: yes / no / don't know (English or French) or empty for yes/no
questions, and the question's own values otherwise (capabilities.values.normalise).

Respondents: a respondent whose id is a country code (``GHA``) is that country. Any other id is an
anonymised participant whose code is ``<id>@<cycle code>`` (``R01@baseline-2021``), so two files
that both number their respondents R01… never mix; with ``create_participants`` unknown ones are
created (Country kind ANONYMISED, named "Respondent R01"), without it they are errors.

All or nothing: every problem (unknown column, unknown or duplicate respondent, invalid value,
invalid group) is collected with its row number (the header is row 1, as in a spreadsheet) and
column name, and nothing is written unless there is none. Imported answers go through
services.answers_save_page (source "import", so each change has a history row); an empty cell clears an
existing answer (comments and evidence are kept). Imported assessments are validated, with a
StatusChange whose reason is "Imported from <file>"; a country whose assessment in the cycle is a
draft or submitted is refused (an import never changes a live assessment's status silently).
Values that the exports prefixed with an apostrophe (formula neutralising) lose it again, so an
export imported back changes nothing. Importing the same file twice changes nothing
the second time. ``dry_run`` runs the whole import in a transaction that is rolled back, so the
report says exactly what would change.

Public API: import_responses(...) -> ImportReport; read_table(data, file_name) -> Table;
sniff_kind(data, file_name) -> "csv" | "xlsx"; ImportProblem, ImportReport, ImportRefused.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Answer,
    Assessment,
    Country,
    CountryKind,
    Cycle,
    FrameworkVersion,
    IncomeGroup,
    Participation,
    Question,
    Region,
    Status,
    StatusChange,
)
from .values import InvalidValue, normalise

GROUP_COLUMNS = ("income_group", "region", "survey")
RESPONDENT = "respondent"
ANONYMISED_SEPARATOR = "@"
COUNTRY_CODE_MAX = 20


@dataclass(frozen=True)
class ImportProblem:
    row: int  # 1 = header row
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportReport:
    file_name: str
    cycle_code: str
    dry_run: bool = False
    rows: int = 0
    cycle_created: bool = False
    participants_created: int = 0
    participations_changed: int = 0
    assessments_created: int = 0
    assessments_validated: int = 0
    answers_created: int = 0
    answers_changed: int = 0
    answers_cleared: int = 0
    answers_unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes(self) -> int:
        return (
            int(self.cycle_created)
            + self.participants_created
            + self.participations_changed
            + self.assessments_created
            + self.assessments_validated
            + self.answers_created
            + self.answers_changed
            + self.answers_cleared
        )

    def lines(self) -> list[str]:
        """The report for people, one line each (command output and upload page).

        In the active language: the upload page shows it in the administrator's language; the
        management command runs in LANGUAGE_CODE (English).
        """
        if self.problems:
            count = len(self.problems)
            head = ngettext(
                "%(file)s: refused, nothing was imported (%(count)s problem):",
                "%(file)s: refused, nothing was imported (%(count)s problems):",
                count,
            ) % {"file": self.file_name, "count": count}
            return [head, *(f"  {p}" for p in self.problems)]
        values = {"file": self.file_name, "count": self.rows, "cycle": self.cycle_code}
        if self.dry_run:
            head = ngettext(
                "%(file)s: %(count)s respondent for cycle %(cycle)s (dry run: nothing written).",
                "%(file)s: %(count)s respondents for cycle %(cycle)s (dry run: nothing written).",
                self.rows,
            )
        else:
            head = ngettext(
                "%(file)s: %(count)s respondent for cycle %(cycle)s.",
                "%(file)s: %(count)s respondents for cycle %(cycle)s.",
                self.rows,
            )
        head %= values
        if not self.changes:
            return [head, _("Nothing to change: the cycle already holds exactly this data.")]
        # (what a dry run would do, what the import did, how many)
        items = [
            (_("Would create the cycle"), _("Created the cycle"), int(self.cycle_created)),
            (
                _("Would create participants"),
                _("Created participants"),
                self.participants_created,
            ),
            (
                _("Would set group attributes of participants"),
                _("Set group attributes of participants"),
                self.participations_changed,
            ),
            (_("Would create assessments"), _("Created assessments"), self.assessments_created),
            (
                _("Would mark assessments validated"),
                _("Marked assessments validated"),
                self.assessments_validated,
            ),
            (_("Would add answers"), _("Added answers"), self.answers_created),
            (_("Would change answers"), _("Changed answers"), self.answers_changed),
            (_("Would clear answers"), _("Cleared answers"), self.answers_cleared),
        ]
        body = [
            _("  %(what)s: %(count)s") % {"what": would if self.dry_run else did, "count": n}
            for would, did, n in items
            if n
        ]
        unchanged = _("  Answers already as in the file: %(count)s") % {
            "count": self.answers_unchanged
        }
        return [head, *body, unchanged]


class ImportRefused(Exception):
    """The file has problems; ``report.problems`` lists every one. Nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("\n".join(report.lines()))
        self.report = report


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number, cells)


# ---------------------------------------------------------------------------------------------
# Reading


def sniff_kind(data: bytes, file_name: str) -> str:
    """ "xlsx" or "csv" from the content, checked against the extension; ValueError otherwise."""
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if ext not in ("csv", "xlsx"):
        raise ValueError(_("Only .csv and .xlsx files are accepted."))
    is_zip = data[:4] == b"PK\x03\x04"
    if ext == "xlsx":
        if not is_zip:
            raise ValueError(_("The file is named .xlsx but is not an Excel workbook."))
        return "xlsx"
    if is_zip or b"\x00" in data[:4096]:
        raise ValueError(_("The file is named .csv but is not a text file."))
    return "csv"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def _unquote(text: str) -> str:
    """Removes the apostrophe that the exports put before a value a spreadsheet could run as a
    formula (reports.exports.neutralise: "=", "+", "-", "@" and any value starting with "'"), so
    an export imported again is identical. A leading apostrophe marks text in spreadsheets anyway.
    """
    return text[1:] if text.startswith("'") else text


def read_table(data: bytes, file_name: str) -> Table:
    """Reads the header and rows of a CSV or XLSX file (ValueError with a reason if unreadable)."""
    kind = sniff_kind(data, file_name)
    raw_rows: list[list[str]]
    if kind == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds of errors for broken files
            raise ValueError(
                _("The workbook cannot be read (%(error)s).") % {"error": exc}
            ) from exc
        sheet = workbook.worksheets[0]
        raw_rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(_("The CSV file is not UTF-8 text.")) from exc
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
            delimiter = dialect.delimiter
        except csv.Error:
            delimiter = ","
        raw_rows = [
            [c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    if not raw_rows:
        raise ValueError(_("The file is empty."))
    header = [h.strip() for h in raw_rows[0]]
    while header and header[-1] == "":
        header.pop()
    rows = []
    for number, cells in enumerate(raw_rows[1:], start=2):
        if not any(cells):
            continue
        rows.append((number, [_unquote(c) for c in cells]))
    return Table(header=header, rows=rows)


# ---------------------------------------------------------------------------------------------
# Validating


def _group_value(column: str, raw: str) -> str:
    """The canonical code of a group cell; ValueError when it is not one."""
    if raw == "":
        return ""
    if column == "survey":
        value = slugify(raw)
        if not value:
            raise ValueError(_("“%(value)s” is not a survey name.") % {"value": raw})
        return value
    key = re.sub(r"[\s\-]+", "_", raw.strip().lower())
    choices = IncomeGroup if column == "income_group" else Region
    if key in choices.values:
        return key
    by_label = {str(label).lower(): value for value, label in choices.choices}
    if raw.strip().lower() in by_label:
        return by_label[raw.strip().lower()]
    raise ValueError(
        _("“%(value)s” is not one of %(choices)s.")
        % {"value": raw, "choices": ", ".join(choices.values)}
    )


def anonymised_code(respondent: str, cycle_code: str) -> str:
    return f"{respondent}{ANONYMISED_SEPARATOR}{cycle_code}"


@dataclass(frozen=True)
class _Row:
    number: int
    respondent: str
    country: Country | None  # None: to be created
    code: str
    groups: dict[str, str]  # only the group columns present in the file
    values: dict[str, str]  # question code -> canonical value


def _latest_framework() -> FrameworkVersion | None:
    return FrameworkVersion.objects.order_by("-created_at", "-code").first()


def _validate(
    table: Table,
    *,
    framework: FrameworkVersion,
    cycle_code: str,
    create_participants: bool,
    report: ImportReport,
) -> list[_Row]:
    problems = report.problems
    questions = {
        q.code: q for q in Question.objects.for_framework(framework).prefetch_related("options")
    }
    header = table.header
    seen_columns: set[str] = set()
    for name in header:
        if name in seen_columns:
            problems.append(ImportProblem(1, name, _("this column appears twice.")))
        seen_columns.add(name)
        if name == "":
            problems.append(ImportProblem(1, "", _("a column has no name.")))
        elif name != RESPONDENT and name not in GROUP_COLUMNS and name not in questions:
            problems.append(
                ImportProblem(
                    1,
                    name,
                    _(
                        "unknown column: not a question of framework %(framework)s "
                        "nor one of respondent, %(groups)s."
                    )
                    % {"framework": framework.code, "groups": ", ".join(GROUP_COLUMNS)},
                )
            )
    if RESPONDENT not in header:
        problems.append(ImportProblem(1, RESPONDENT, _("the respondent column is missing.")))
        return []
    index = {name: i for i, name in enumerate(header) if name}
    ids = [
        (row[index[RESPONDENT]] if index[RESPONDENT] < len(row) else "").strip()
        for _n, row in table.rows
    ]
    wanted = set(ids) | {anonymised_code(r, cycle_code) for r in ids}
    countries = Country.objects.in_bulk([c for c in wanted if c], field_name="code")
    first_seen: dict[str, int] = {}
    out = []
    for (number, cells), respondent in zip(table.rows, ids, strict=True):
        if len(cells) > len(header) and any(cells[len(header) :]):
            problems.append(ImportProblem(number, "", _("the row has more cells than the header.")))
        if not respondent:
            problems.append(ImportProblem(number, RESPONDENT, _("the respondent is empty.")))
            continue
        if respondent in first_seen:
            problems.append(
                ImportProblem(
                    number,
                    RESPONDENT,
                    _("duplicate respondent %(respondent)s (already on row %(row)s).")
                    % {"respondent": respondent, "row": first_seen[respondent]},
                )
            )
            continue
        first_seen[respondent] = number
        country = countries.get(respondent) or countries.get(
            anonymised_code(respondent, cycle_code)
        )
        code = country.code if country else anonymised_code(respondent, cycle_code)
        if country is None and not create_participants:
            problems.append(
                ImportProblem(
                    number,
                    RESPONDENT,
                    _(
                        "unknown respondent %(respondent)s: no country has this code (use "
                        "--create-participants to create anonymised participants)."
                    )
                    % {"respondent": respondent},
                )
            )
        elif country is None and len(code) > COUNTRY_CODE_MAX:
            problems.append(
                ImportProblem(
                    number,
                    RESPONDENT,
                    _(
                        "respondent id %(respondent)s is too long to make the participant code "
                        "%(code)s (at most %(max)s characters)."
                    )
                    % {"respondent": respondent, "code": code, "max": COUNTRY_CODE_MAX},
                )
            )
        groups, values = {}, {}
        for name, i in index.items():
            raw = cells[i] if i < len(cells) else ""
            if name in GROUP_COLUMNS:
                try:
                    groups[name] = _group_value(name, raw)
                except ValueError as exc:
                    problems.append(ImportProblem(number, name, str(exc)))
            elif name in questions:
                try:
                    values[name] = normalise(questions[name], raw)
                except InvalidValue as exc:
                    problems.append(ImportProblem(number, name, str(exc)))
        out.append(_Row(number, respondent, country, code, groups, values))
    return out


# ---------------------------------------------------------------------------------------------
# Importing


def _cycle_names(code: str, illustrative: bool) -> tuple[str, str, date | None]:
    match = re.search(r"(19|20)\d\d", code)
    if not match:
        return f"Imported cycle {code}", f"Cycle importé {code}", None
    year = match.group(0)
    if illustrative:
        return (
            f"{year} review (illustrative reconstruction)",
            f"Examen {year} (reconstitution illustrative)",
            date(int(year), 1, 1),
        )
    return f"{year} review (imported)", f"Examen {year} (importé)", date(int(year), 1, 1)


def import_responses(
    *,
    data: bytes,
    file_name: str,
    cycle_code: str,
    framework_code: str | None = None,
    create_participants: bool = False,
    dry_run: bool = False,
    illustrative: bool = False,
    user: AbstractBaseUser | None = None,
) -> ImportReport:
    """Imports one file into a cycle, all or nothing; raises ImportRefused listing every problem.

    Creates the cycle if missing (with ``framework_code`` or the latest framework; illustrative
    when asked). Returns what changed (or would change, with ``dry_run``).
    """
    report = ImportReport(file_name=file_name, cycle_code=cycle_code, dry_run=dry_run)
    try:
        table = read_table(data, file_name)
    except ValueError as exc:
        report.problems.append(ImportProblem(1, "", str(exc)))
        raise ImportRefused(report) from exc
    report.rows = len(table.rows)
    cycle = Cycle.objects.select_related("framework").filter(code=cycle_code).first()
    if framework_code:
        framework = FrameworkVersion.objects.filter(code=framework_code).first()
        if framework is None:
            report.problems.append(
                ImportProblem(
                    1,
                    "",
                    _("no framework version has the code %(code)s.") % {"code": framework_code},
                )
            )
            raise ImportRefused(report)
        if cycle is not None and cycle.framework_id != framework.pk:
            report.problems.append(
                ImportProblem(
                    1,
                    "",
                    _("cycle %(cycle)s uses framework %(used)s, not %(asked)s.")
                    % {"cycle": cycle_code, "used": cycle.framework.code, "asked": framework_code},
                )
            )
            raise ImportRefused(report)
    else:
        framework = cycle.framework if cycle else _latest_framework()
        if framework is None:
            report.problems.append(ImportProblem(1, "", _("no framework version is loaded.")))
            raise ImportRefused(report)
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", cycle_code):
        report.problems.append(
            ImportProblem(
                1,
                "",
                _("“%(code)s” is not a valid cycle code (letters, digits, -).")
                % {"code": cycle_code},
            )
        )
    rows = _validate(
        table,
        framework=framework,
        cycle_code=cycle_code,
        create_participants=create_participants,
        report=report,
    )
    if cycle is not None and not report.problems:
        _refuse_live_assessments(rows, cycle, report)
    if report.problems:
        raise ImportRefused(report)
    with transaction.atomic():
        _write(
            rows,
            report=report,
            cycle=cycle,
            framework=framework,
            illustrative=illustrative,
            user=user,
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _refuse_live_assessments(rows: list[_Row], cycle: Cycle, report: ImportReport) -> None:
    """Imports never change a live assessment: a country whose assessment in the cycle is a draft
    or submitted (the country is working on it, or an analyst is reviewing it) is refused, with
    its row, rather than silently validated. Not started and validated ones are imported."""
    codes = {row.code: row.number for row in rows if row.country is not None}
    live = Assessment.objects.filter(
        cycle=cycle,
        country__code__in=list(codes),
        status__in=[Status.DRAFT, Status.SUBMITTED],
    ).values_list("country__code", "status")
    for code, status in sorted(live):
        report.problems.append(
            ImportProblem(
                codes[code],
                RESPONDENT,
                _(
                    "%(code)s has a %(status)s assessment in this cycle: an import would replace "
                    "its answers and validate it. Ask the country to finish it, or return and "
                    "then validate it, instead."
                )
                % {"code": code, "status": Status(status).label.lower()},
            )
        )


def _write(
    rows: list[_Row],
    *,
    report: ImportReport,
    cycle: Cycle | None,
    framework: FrameworkVersion,
    illustrative: bool,
    user: AbstractBaseUser | None,
) -> None:
    if cycle is None:
        name_en, name_fr, opens_on = _cycle_names(report.cycle_code, illustrative)
        cycle = Cycle.objects.create(
            code=report.cycle_code,
            name_en=name_en,
            name_fr=name_fr,
            framework=framework,
            opens_on=opens_on,
            is_illustrative=illustrative,
        )
        report.cycle_created = True
    questions = {q.code: q for q in Question.objects.for_framework(framework)}
    country_of: dict[int, Country] = {}  # row number -> country
    for row in rows:
        if row.country is None:
            country_of[row.number] = Country.objects.create(
                code=row.code,
                kind=CountryKind.ANONYMISED,
                name_en=f"Respondent {row.respondent}",
                name_fr=f"Répondant {row.respondent}",
            )
            report.participants_created += 1
        else:
            country_of[row.number] = row.country
    countries = list(country_of.values())
    participations = {
        p.country_id: p for p in Participation.objects.filter(cycle=cycle, country__in=countries)
    }
    assessments = {
        a.country_id: a for a in Assessment.objects.filter(cycle=cycle, country__in=countries)
    }
    answers = {
        (a.assessment_id, a.question_id): a
        for a in Answer.objects.filter(assessment__in=list(assessments.values()))
    }
    now = timezone.now()
    for row in rows:
        country = country_of[row.number]
        current = participations.get(country.pk)
        wanted = {
            key: row.groups.get(key, getattr(current, key, "") if current else "")
            for key in GROUP_COLUMNS
        }
        # No participation and no group in the file: nothing to record (an export of a country
        # without groups imported back must change nothing).
        if (current is None and any(wanted.values())) or (
            current is not None and any(getattr(current, k) != v for k, v in wanted.items())
        ):
            services.participation_set(cycle=cycle, country=country, **wanted)
            report.participations_changed += 1
        assessment = assessments.get(country.pk)
        if assessment is None:
            assessment = Assessment.objects.create(country=country, cycle=cycle)
            report.assessments_created += 1
        try:  # re-checked under the row lock: the country may have started it meanwhile
            services.lock_editable(assessment, source="import")
        except services.NotEditable as exc:
            report.problems.append(ImportProblem(row.number, RESPONDENT, str(exc)))
            raise ImportRefused(report) from exc
        if assessment.status != Status.VALIDATED:
            StatusChange.objects.create(
                assessment=assessment,
                from_status=assessment.status,
                to_status=Status.VALIDATED,
                reason=f"Imported from {report.file_name}",
                changed_by=user,
            )
            assessment.status = Status.VALIDATED
            assessment.validated_at = now
            assessment.submitted_at = assessment.submitted_at or now
            assessment.save(update_fields=["status", "validated_at", "submitted_at", "updated_at"])
            report.assessments_validated += 1
        entries = []
        for code, value in row.values.items():
            question = questions[code]
            existing = answers.get((assessment.pk, question.pk))
            if (existing.value if existing else "") == value:
                if value or existing:
                    report.answers_unchanged += 1
                continue
            entries.append(
                services.Entry(
                    question,
                    value,
                    existing.comment if existing else "",
                    tuple(existing.evidence) if existing else (),
                    None,
                )
            )
            if existing is None:
                report.answers_created += 1
            elif value == "":
                report.answers_cleared += 1
            else:
                report.answers_changed += 1
        if entries:
            # One locked write per assessment; it is validated (above), which imports may write.
            services.answers_save_page(
                assessment=assessment, user=user, entries=entries, source="import"
            )
