"""Importing past or offline surveys in the wide format of mnr_2021_baseline.csv, all or nothing.

File format (CSV or text: UTF-8 with or without BOM, UTF-16 with BOM or Windows-1252, comma,
semicolon or tab separated, detected and reported, never guessed; or XLSX, first sheet), within the
bounds of capabilities.values (file size, rows, columns, cell length; an XLSX's declared dimension is
never trusted):
one header row, then one row per respondent. Columns: ``respondent`` (required), optional
``income_group``, ``region``, ``survey``, and one column per question code of the cycle's framework
(e.g. ``C01.in_place``). Values: yes / no / don't know (English or French) or empty for yes/no
questions, and the question's own values otherwise (capabilities.values.normalise).

Respondents: ids are letters, digits, "-" and "_" (values.RESPONDENT_ID_PATTERN); a respondent whose id is a country code (``GHA``) is that country. Any other id is an
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

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import services, values
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
from .values import RESPONDENT_ID_PATTERN, InvalidValue, normalise

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
    read_as: str = ""  # how the file was read (encoding and separator, or workbook)

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

    def _read_as(self) -> list[str]:
        return [_("Read as %(how)s.") % {"how": self.read_as}] if self.read_as else []

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
            return [head, *self._read_as(), *(f"  {p}" for p in self.problems)]
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
        head = " ".join([head, *self._read_as()])
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
    description: str = ""  # how the file was read ("Windows-1252 text separated by semicolons")


# ---------------------------------------------------------------------------------------------
# Reading


ACCEPTED_EXTENSIONS = ("csv", "txt", "xlsx")
SEPARATORS = {
    ",": gettext_lazy("commas"),
    ";": gettext_lazy("semicolons"),
    "\t": gettext_lazy("tabs"),
}
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SAVE_AS = gettext_lazy(
    "Save the sheet from your spreadsheet program as “CSV UTF-8”, “CSV”, “Unicode text” or "
    "“Excel workbook (.xlsx)”, and upload that file."
)


class TableError(ValueError):
    """The file cannot be read as a table; ``row`` and ``column`` say where (row 1 = header)."""

    def __init__(self, message: str, *, row: int = 1, column: str = "") -> None:
        super().__init__(message)
        self.row = row
        self.column = column


def sniff_kind(data: bytes, file_name: str) -> str:
    """ "xlsx" or "csv" from the content, checked against the extension; TableError otherwise."""
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if ext not in ACCEPTED_EXTENSIONS:
        raise TableError(
            _("Only .csv, .txt and .xlsx files are accepted. %(save_as)s") % {"save_as": SAVE_AS}
        )
    is_zip = data[:4] == b"PK\x03\x04"
    if ext == "xlsx":
        if not is_zip:
            raise TableError(
                _("The file is named .xlsx but is not an Excel workbook. %(save_as)s")
                % {"save_as": SAVE_AS}
            )
        return "xlsx"
    if is_zip:
        raise TableError(
            _("The file is named .%(ext)s but is a workbook or an archive, not text. %(save_as)s")
            % {"ext": ext, "save_as": SAVE_AS}
        )
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV or text file, detected, never guessed.

    UTF-8 and UTF-16 with their byte order mark; without one, UTF-8 when the bytes are valid
    UTF-8, else Windows-1252 (what Excel writes for "CSV" on Windows) when every byte is defined
    there. Anything else, or text with control characters, is refused with what to do.
    """
    if data.startswith(codecs.BOM_UTF8):
        encoding, name, body = "utf-8", "UTF-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, name, body = "utf-16", "UTF-16", data
    else:
        encoding, name, body = "utf-8", "UTF-8", data
        if b"\x00" in data:
            raise TableError(
                _("The file is not a text file (it holds binary data). %(save_as)s")
                % {"save_as": SAVE_AS}
            )
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            encoding, name = "cp1252", "Windows-1252"
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise TableError(
            _(
                "The file is not text in UTF-8, UTF-16 or Windows-1252 (byte %(position)s cannot "
                "be read). %(save_as)s"
            )
            % {"position": exc.start + 1, "save_as": SAVE_AS}
        ) from exc
    if encoding == "utf-16" and text.startswith("\ufeff"):
        text = text[1:]
    bad = CONTROL_CHARACTERS.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise TableError(
            _("The file is not plain text: line %(line)s holds a control character. %(save_as)s")
            % {"line": line, "save_as": SAVE_AS},
            row=line,
        )
    return text, name


def detect_separator(text: str) -> str:
    """The separator of the header line: the one that makes ``respondent`` a column; else the
    one that splits the header into the most columns (comma when the header has one column)."""
    first_line = text.split("\n", 1)[0]
    splits = {sep: next(csv.reader([first_line], delimiter=sep), []) for sep in SEPARATORS}
    with_respondent = [
        sep for sep, cells in splits.items() if RESPONDENT in (c.strip() for c in cells)
    ]
    candidates = with_respondent or list(SEPARATORS)
    return max(candidates, key=lambda sep: (len(splits[sep]), sep == ","))


def _check_row(number: int, cells: list[str]) -> list[str]:
    """The row's cells (trailing empty ones dropped) within the column and cell bounds."""
    while cells and cells[-1] == "":
        cells.pop()
    if len(cells) > values.IMPORT_MAX_COLUMNS:
        raise TableError(
            _("the row has %(count)s columns; at most %(max)s are accepted.")
            % {"count": len(cells), "max": values.IMPORT_MAX_COLUMNS},
            row=number,
        )
    for column, cell in enumerate(cells, start=1):
        if len(cell) > values.IMPORT_MAX_CELL_CHARS:
            raise TableError(
                _("column %(column)s holds %(length)s characters; at most %(max)s are accepted.")
                % {"column": column, "length": len(cell), "max": values.IMPORT_MAX_CELL_CHARS},
                row=number,
            )
    return cells


def _too_many_rows(number: int) -> TableError:
    return TableError(
        _("the file has more than %(max)s respondent rows; split it into several files.")
        % {"max": values.IMPORT_MAX_ROWS},
        row=number,
    )


def _csv_rows(data: bytes) -> tuple[Iterator[tuple[int, list[str]]], str]:
    text, encoding = decode_text(data)
    separator = detect_separator(text)
    description = _("%(encoding)s text separated by %(separator)s") % {
        "encoding": encoding,
        "separator": SEPARATORS[separator],
    }

    def rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False)
        number = 0
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise TableError(
                    _('a cell is longer than %(max)s characters, or a quote (") is not closed.')
                    % {"max": values.IMPORT_MAX_CELL_CHARS},
                    row=number,
                ) from exc
            yield number, [c.strip() for c in cells]

    return rows(), description


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _column_number(ref: str) -> int:
    """``"C7"`` → 3 (0 when there are no letters)."""
    number = 0
    for char in ref:
        if not char.isalpha():
            break
        number = number * 26 + (ord(char.upper()) - 64)
        if number > 16_384:  # Excel's last column, XFD
            break
    return number


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The part name of the workbook's first sheet (xl/workbook.xml and its relationships)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if sheet is None:
        raise KeyError("sheet")
    rel_id = sheet.get(f"{_DOC_REL}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(rel_id)


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    with archive.open("xl/sharedStrings.xml") as source:
        for _event, element in ElementTree.iterparse(source):
            if element.tag == f"{_MAIN}si":
                strings.append(_inline_text(element))
                element.clear()
    return strings


def _inline_text(element: Element) -> str:
    """The text of a string item: its runs, without phonetic hints."""
    parts = []
    for child in element:
        if child.tag == f"{_MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{_MAIN}r":
            parts.extend(t.text or "" for t in child.iter(f"{_MAIN}t"))
    return "".join(parts)


def _xlsx_cell(element: Element, strings: list[str]) -> str:
    kind = element.get("t", "n")
    if kind == "inlineStr":
        inline = element.find(f"{_MAIN}is")
        return "" if inline is None else _inline_text(inline).strip()
    raw = element.findtext(f"{_MAIN}v") or ""
    if kind == "s":
        try:
            return strings[int(raw)].strip()
        except (ValueError, IndexError):
            return ""
    if kind == "b":
        return {"1": "yes", "0": "no"}.get(raw, raw)
    return raw.strip()


def _xlsx_rows(data: bytes) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """The first sheet's rows, read by streaming its XML: memory and time depend on the limits
    in capabilities.values, never on what the file declares (dimension, row or column numbers)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise TableError(_("The workbook cannot be read (%(error)s).") % {"error": exc}) from exc
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > values.XLSX_MAX_PARTS or unpacked > values.XLSX_MAX_UNPACKED_BYTES:
        raise TableError(
            _(
                "The workbook unpacks to %(size)s MB; at most %(max)s MB are accepted. Save the "
                "sheet alone as CSV or in a new workbook."
            )
            % {
                "size": unpacked // (1024 * 1024),
                "max": values.XLSX_MAX_UNPACKED_BYTES // (1024 * 1024),
            }
        )
    try:
        sheet_path = _first_sheet_path(archive)
        strings = _shared_strings(archive)
        archive.getinfo(sheet_path)
    except (KeyError, ParseError, zipfile.BadZipFile, ValueError) as exc:
        raise TableError(
            _("The workbook cannot be read (%(error)s). %(save_as)s")
            % {"error": exc, "save_as": SAVE_AS}
        ) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 0
        cells: dict[int, str] = {}
        row_element = None
        try:
            with archive.open(sheet_path) as source:
                for event, element in ElementTree.iterparse(source, events=("start", "end")):
                    tag = element.tag
                    if event == "start":
                        if tag == f"{_MAIN}row":
                            row_element = element
                            declared = element.get("r", "")
                            number = int(declared) if declared.isdigit() else number + 1
                            cells = {}
                        continue
                    if tag == f"{_MAIN}c":
                        text = _xlsx_cell(element, strings)
                        if text:
                            column = _column_number(element.get("r", "")) or len(cells) + 1
                            if column > values.IMPORT_MAX_COLUMNS:
                                raise TableError(
                                    _(
                                        "the row has a value in column %(column)s; at most "
                                        "%(max)s columns are accepted."
                                    )
                                    % {"column": column, "max": values.IMPORT_MAX_COLUMNS},
                                    row=number,
                                )
                            cells[column] = text
                        if row_element is not None:
                            row_element.remove(element)
                    elif tag == f"{_MAIN}row":
                        if cells:
                            if number > values.IMPORT_MAX_ROWS + 1:
                                raise _too_many_rows(number)
                            width = max(cells)
                            yield number, [cells.get(i, "") for i in range(1, width + 1)]
                        element.clear()
                        row_element = None
                    elif tag == f"{_MAIN}sheetData":
                        break
        except TableError:
            raise
        except (ParseError, ValueError, zipfile.BadZipFile) as exc:
            # ValueError: defusedxml refuses entity declarations (billion laughs)
            raise TableError(
                _("The workbook cannot be read (%(error)s).") % {"error": exc}, row=number
            ) from exc
        finally:
            archive.close()

    return rows(), _("Excel workbook, first sheet")


def _unquote(text: str) -> str:
    """Removes the apostrophe that the exports put before a value a spreadsheet could run as a
    formula (reports.exports.neutralise: "=", "+", "-", "@" and any value starting with "'"), so
    an export imported again is identical. A leading apostrophe marks text in spreadsheets anyway.
    """
    return text[1:] if text.startswith("'") else text


def read_table(data: bytes, file_name: str) -> Table:
    """Reads the header and rows of a CSV, text or XLSX file within fixed bounds of size, rows,
    columns and cell length (TableError with the row, and a reason, otherwise)."""
    if len(data) > settings.MRN_MAX_UPLOAD_BYTES:
        raise TableError(
            _("The file is %(size)s MB; at most %(max)s MB are accepted.")
            % {
                "size": round(len(data) / (1024 * 1024), 1),
                "max": round(settings.MRN_MAX_UPLOAD_BYTES / (1024 * 1024), 1),
            }
        )
    kind = sniff_kind(data, file_name)
    source, description = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in source:
        cells = _check_row(number, cells)
        if header is None:
            header = [h.strip() for h in cells]
            continue
        if not any(cells):
            continue
        if number > values.IMPORT_MAX_ROWS + 1:
            raise _too_many_rows(number)
        rows.append((number, [_unquote(c) for c in cells]))
    if not header:
        raise TableError(_("The file is empty."))
    return Table(header=header, rows=rows, description=description)


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
        if not re.fullmatch(RESPONDENT_ID_PATTERN, respondent):
            problems.append(
                ImportProblem(
                    number,
                    RESPONDENT,
                    _(
                        "“%(respondent)s” is not a respondent id: use at most 20 letters, digits, "
                        "“-” or “_”, starting with a letter or digit."
                    )
                    % {"respondent": respondent[:40]},
                )
            )
            continue
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
    user: User | None = None,
) -> ImportReport:
    """Imports one file into a cycle, all or nothing; raises ImportRefused listing every problem.

    Creates the cycle if missing (with ``framework_code`` or the latest framework; illustrative
    when asked). Returns what changed (or would change, with ``dry_run``).
    """
    report = ImportReport(file_name=file_name, cycle_code=cycle_code, dry_run=dry_run)
    try:
        table = read_table(data, file_name)
    except TableError as exc:
        report.problems.append(ImportProblem(exc.row, exc.column, str(exc)))
        raise ImportRefused(report) from exc
    report.rows = len(table.rows)
    report.read_as = table.description
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
    user: User | None,
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
