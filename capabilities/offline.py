"""The offline questionnaire (issue 15): the country's questionnaire as an XLSX workbook, and the
reading of a filled workbook into a preview of what it would change.

- ``build_workbook(assessment, user=..., lang=...)``: an instructions sheet, one sheet per domain
  the user may edit (question code in column A, text, help, accepted answers, the answer cell with
  data validation, comment and evidence cells, current answers pre-filled), a hidden list sheet
  for the drop-downs, and a hidden, protected metadata sheet (assessment, country, cycle, file
  date, each answer's version and content at download).
- ``read_workbook(data, questions=...)``: the rows of a filled workbook, each value normalised
  (capabilities.values), and the cells that cannot be read, with sheet, row, column and reason.
- ``build_preview(assessment, user=..., parsed=...)``: new, changed and cleared answers per
  domain, conflicts (changed online since the download, with both values, who and when), rows
  refused (outside the user's domains) and invalid cells. Reads only; the caller applies the
  preview through ``services.answers_save_offline``.

Text written to the workbook is stored as text, never as a formula (formula injection); formulas
in an uploaded file are refused cell by cell.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import labels, permissions, values
from .forms import EvidenceField
from .models import Answer, Assessment, Domain, Question, QuestionKind, YesNo
from .services import AnswerEntry

if TYPE_CHECKING:  # openpyxl is imported where it is used (import time)
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

# Input bounds of an uploaded questionnaire, in one place (to be unified with the hostile-input
# bounds of capabilities/values.py).
MAX_FILE_BYTES = settings.MRN_MAX_UPLOAD_BYTES
MAX_ROWS_PER_SHEET = 500
MAX_SHEETS = 20
MAX_CELL_CHARS = 10_000
NUMBER_LIMIT = Decimal("999999999999")  # Question.min_value/max_value hold 14 digits, 2 decimals

FORMAT_VERSION = "mrn-offline-1"
META_SHEET = "_meta"
LISTS_SHEET = "_lists"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Columns of a domain sheet (1-based).
COL_CODE, COL_TEXT, COL_HELP, COL_ACCEPTED, COL_ANSWER, COL_COMMENT, COL_EVIDENCE = range(1, 8)
FIRST_ROW = 2


def column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


# ---------------------------------------------------------------------------------------------
# Values as written in the file, and back


def _yes_no_labels() -> dict[str, str]:
    return {code: labels.answer_label(code) for code in YesNo.values}


def cell_value(question: Question, value: str) -> object:
    """The canonical value as the file shows it in the active language."""
    if value == "":
        return None
    if question.kind == QuestionKind.YES_NO:
        return str(_yes_no_labels().get(value, value))
    if question.kind == QuestionKind.MATURITY:
        return int(value)
    if question.kind == QuestionKind.NUMBER:
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    if question.has_options:
        names = {option.code: option.tr("label") for option in question.options.all()}
        return "; ".join(names.get(code, code) for code in values.split_multiple(value))
    return value


def _option_lookup(question: Question) -> dict[str, str]:
    """Option label (either language) or code, lower-cased → option code."""
    lookup: dict[str, str] = {}
    for option in question.options.all():
        for text in (option.code, option.label_en, option.label_fr):
            lookup[text.strip().lower()] = option.code
    return lookup


def parse_cell(question: Question, raw: object) -> str:
    """A cell of the answer column → the canonical value, or values.InvalidValue."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        raw = "yes" if raw else "no"
    if isinstance(raw, datetime):
        raise values.InvalidValue(_("Expected an answer, not a date."))
    if isinstance(raw, float):
        raw = format(Decimal(repr(raw)), "f") if raw.is_integer() is False else str(int(raw))
    text = str(raw).strip()
    if text == "":
        return ""
    if question.kind == QuestionKind.YES_NO:
        for code in YesNo.values:
            with translation.override("en"):
                english = str(_yes_no_labels()[code])
            with translation.override("fr"):
                french = str(_yes_no_labels()[code])
            if text.lower() in (english.lower(), french.lower()):
                return code
    if question.kind == QuestionKind.NUMBER:
        try:
            number = Decimal(text.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
        except InvalidOperation:
            number = None
        if number is not None and number.is_finite() and abs(number) > NUMBER_LIMIT:
            raise values.InvalidValue(_("The number is too large."))
    if question.has_options:
        lookup = _option_lookup(question)
        parts = [part.strip() for part in text.replace("\n", ";").split(values.MULTI_SEPARATOR)]
        codes = [lookup.get(part.lower(), part) for part in parts if part]
        return values.normalise(question, codes)
    return values.normalise(question, text)


def accepted_answers(question: Question) -> str:
    """What the answer cell accepts, in the active language."""
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        return " / ".join(str(label) for label in _yes_no_labels().values())
    if kind == QuestionKind.MATURITY:
        return _("A maturity phase from 1 to 4.")
    if kind == QuestionKind.SINGLE_CHOICE:
        options = "\n".join(f"• {option.tr('label')}" for option in question.options.all())
        return _("One of:") + "\n" + options
    if kind == QuestionKind.MULTIPLE_CHOICE:
        options = "\n".join(f"• {option.tr('label')}" for option in question.options.all())
        return _("One or more of these, separated by semicolons (;):") + "\n" + options
    if kind == QuestionKind.NUMBER:
        parts = [_("A number")]
        if question.min_value is not None:
            parts.append(_("at least %(min)s") % {"min": values.format_number(question.min_value)})
        if question.max_value is not None:
            parts.append(_("at most %(max)s") % {"max": values.format_number(question.max_value)})
        text = ", ".join(str(p) for p in parts) + "."
        if question.unit:
            text += " " + _("Unit: %(unit)s.") % {"unit": question.unit}
        return text
    return _("Free text, at most %(max)s characters.") % {"max": MAX_CELL_CHARS}


# ---------------------------------------------------------------------------------------------
# Download


def _text_cell(cell: object, value: object) -> None:
    """Writes ``value``; text is stored as text, never as a formula (quote prefix as in Excel)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value  # type: ignore[attr-defined]
        cell.data_type = "s"  # type: ignore[attr-defined]
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # type: ignore[attr-defined]
    else:
        cell.value = value  # type: ignore[attr-defined]


def editable_domains(user: User, assessment: Assessment) -> list[Domain]:
    """The domains whose questions the user's file carries: all for a focal point, a
    contributor's own domains. One query."""
    codes = permissions.offline_file_domain_codes(user, assessment)
    domains = Domain.objects.filter(framework=assessment.cycle.framework).order_by("order")
    if codes is None:
        return list(domains)
    return [domain for domain in domains if domain.code in codes]


def _questions(assessment: Assessment) -> list[Question]:
    return list(Question.objects.for_framework(assessment.cycle.framework).with_structure())


def _answers(assessment: Assessment) -> dict[int, Answer]:
    return {
        a.question_id: a
        for a in Answer.objects.filter(assessment=assessment).select_related("updated_by")
    }


def build_workbook(assessment: Assessment, *, user: User | None, lang: str) -> bytes:
    """The questionnaire of ``assessment`` as XLSX in ``lang``: the domains ``user`` may edit
    (all when ``user`` is None: the management command). Callers check access first."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    with translation.override(lang):
        if user is None:
            domains = list(
                Domain.objects.filter(framework=assessment.cycle.framework).order_by("order")
            )
        else:
            domains = editable_domains(user, assessment)
        domain_codes = {d.code for d in domains}
        questions = [q for q in _questions(assessment) if q.capability.domain.code in domain_codes]
        answers = _answers(assessment)
        now = timezone.now()

        workbook = Workbook()
        intro = workbook.active
        assert isinstance(intro, Worksheet)
        intro.title = _sheet_title(_("Instructions"))
        bold = Font(bold=True)
        lines = [
            (_("MRN Assess: offline questionnaire"), True),
            ("", False),
            (_("Country"), True),
            (assessment.country.name, False),
            (_("Cycle"), True),
            (assessment.cycle.name, False),
            (_("File created"), True),
            (date_format(timezone.localtime(now), "DATETIME_FORMAT"), False),
            ("", False),
            (_("How to fill in this file"), True),
            (_("1. Each domain has its own sheet, one question per row."), False),
            (
                _(
                    "2. Type or choose your answer in the “Answer” column; add a comment and "
                    "evidence links (one web address per line) if you wish."
                ),
                False,
            ),
            (
                _(
                    "3. Do not change the question codes in the first column, the sheet names or "
                    "the hidden sheets: they tell the application which answer is which."
                ),
                False,
            ),
            (
                _(
                    "4. Upload the file from the assessment page. You will see what it changes "
                    "before anything is saved. Answers changed online since this file was "
                    "created are shown to you as conflicts; the online answer is kept unless you "
                    "choose the file's."
                ),
                False,
            ),
            (_("5. Type values, not formulas: formulas are refused."), False),
        ]
        for number, (text, is_bold) in enumerate(lines, start=1):
            cell = intro.cell(row=number, column=1)
            _text_cell(cell, str(text))
            if is_bold:
                cell.font = bold
        intro.column_dimensions["A"].width = 110
        intro.protection.sheet = True

        lists = Workbook().active  # moved into the workbook after the domain sheets
        assert isinstance(lists, Worksheet)
        lists_column = 0
        headers = [
            _("Code"),
            _("Question"),
            _("Help"),
            _("Accepted answers"),
            _("Answer"),
            _("Comment"),
            _("Evidence links (one per line)"),
        ]
        widths = [18, 60, 50, 40, 30, 40, 40]
        unlocked = Protection(locked=False)
        fill = PatternFill("solid", fgColor="FFF6D5")
        wrap = Alignment(wrap_text=True, vertical="top")
        for domain in domains:
            sheet = workbook.create_sheet(_sheet_title(f"{domain.code} {domain.name}"))
            for col, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
                cell = sheet.cell(row=1, column=col)
                _text_cell(cell, str(header))
                cell.font = bold
                sheet.column_dimensions[column_letter(col)].width = width
            sheet.freeze_panes = "B2"
            row = FIRST_ROW
            for question in questions:
                if question.capability.domain_id != domain.pk:
                    continue
                answer = answers.get(question.pk)
                _text_cell(sheet.cell(row=row, column=COL_CODE), question.code)
                text = question.text + (" *" if question.required else "")
                _text_cell(sheet.cell(row=row, column=COL_TEXT), text)
                _text_cell(sheet.cell(row=row, column=COL_HELP), question.help)
                _text_cell(sheet.cell(row=row, column=COL_ACCEPTED), accepted_answers(question))
                answer_cell = sheet.cell(row=row, column=COL_ANSWER)
                _text_cell(answer_cell, cell_value(question, answer.value if answer else ""))
                _text_cell(
                    sheet.cell(row=row, column=COL_COMMENT), answer.comment if answer else None
                )
                _text_cell(
                    sheet.cell(row=row, column=COL_EVIDENCE),
                    "\n".join(answer.evidence) if answer and answer.evidence else None,
                )
                for col in range(1, 8):
                    sheet.cell(row=row, column=col).alignment = wrap
                for col in (COL_ANSWER, COL_COMMENT, COL_EVIDENCE):
                    sheet.cell(row=row, column=col).protection = unlocked
                    sheet.cell(row=row, column=col).fill = fill
                validation = _validation(question, DataValidation)
                if validation is None and question.kind == QuestionKind.SINGLE_CHOICE:
                    lists_column += 1
                    letter = column_letter(lists_column)
                    for number, option in enumerate(question.options.all(), start=1):
                        _text_cell(lists.cell(row=number, column=lists_column), option.tr("label"))
                    count = len(question.options.all())
                    validation = DataValidation(
                        type="list",
                        formula1=f"'{LISTS_SHEET}'!${letter}$1:${letter}${count}",
                        allow_blank=True,
                    )
                if validation is not None:
                    validation.error = _("This answer is not accepted here: see column D.")
                    validation.errorTitle = _("Answer not accepted")
                    validation.showErrorMessage = True
                    sheet.add_data_validation(validation)
                    validation.add(answer_cell.coordinate)
                row += 1
            sheet.protection.sheet = True
            sheet.protection.formatColumns = False
            sheet.protection.formatRows = False
        appended = _append_sheet(workbook, lists, LISTS_SHEET)
        appended.sheet_state = "hidden"
        appended.protection.sheet = True

        meta = workbook.create_sheet(META_SHEET)
        header_rows = [
            ("format", FORMAT_VERSION),
            ("assessment", str(assessment.pk)),
            ("country", assessment.country.code),
            ("cycle", assessment.cycle.code),
            ("framework", assessment.cycle.framework.code),
            ("created", now.isoformat()),
            ("language", lang),
            ("user", user.get_username() if user is not None else ""),
            ("domains", ";".join(sorted(domain_codes))),
        ]
        for number, (key, value) in enumerate(header_rows, start=1):
            _text_cell(meta.cell(row=number, column=1), key)
            _text_cell(meta.cell(row=number, column=2), value)
        start = len(header_rows) + 2
        for col, key in enumerate(("question", "version", "content"), start=1):
            _text_cell(meta.cell(row=start, column=col), key)
        for number, question in enumerate(questions, start=start + 1):
            answer = answers.get(question.pk)
            _text_cell(meta.cell(row=number, column=1), question.code)
            meta.cell(row=number, column=2).value = answer.version if answer else 0
            content = (
                [answer.value, answer.comment, list(answer.evidence)] if answer else ["", "", []]
            )
            _text_cell(meta.cell(row=number, column=3), json.dumps(content, ensure_ascii=False))
        meta.sheet_state = "hidden"
        meta.protection.sheet = True
        workbook.active = 0

        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def _append_sheet(workbook: Workbook, source: Worksheet, title: str) -> Worksheet:
    """Copies the values of ``source`` into a new last sheet of ``workbook``."""
    sheet = workbook.create_sheet(title)
    for row in source.iter_rows():
        for cell in row:
            if cell.value is not None:
                _text_cell(sheet.cell(row=cell.row, column=cell.column), cell.value)
    return sheet


def _validation(question: Question, data_validation: type[DataValidation]) -> DataValidation | None:
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        choices = ",".join(str(label) for label in _yes_no_labels().values())
        return data_validation(type="list", formula1=f'"{choices}"', allow_blank=True)
    if kind == QuestionKind.MATURITY:
        return data_validation(
            type="whole", operator="between", formula1="1", formula2="4", allow_blank=True
        )
    if kind == QuestionKind.NUMBER:
        low = question.min_value if question.min_value is not None else -NUMBER_LIMIT
        high = question.max_value if question.max_value is not None else NUMBER_LIMIT
        return data_validation(
            type="decimal",
            operator="between",
            formula1=values.format_number(low),
            formula2=values.format_number(high),
            allow_blank=True,
        )
    if kind in (QuestionKind.TEXT, QuestionKind.MULTIPLE_CHOICE):
        return data_validation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(MAX_CELL_CHARS),
            allow_blank=True,
        )
    return None


def _sheet_title(title: str) -> str:
    import re

    cleaned = re.sub(r"[\[\]:*?/\\']", " ", title).strip() or "Sheet"
    return cleaned[:31].strip()


def filename(assessment: Assessment, lang: str) -> str:
    return f"questionnaire-{assessment.country.code}-{assessment.cycle.code}-{lang}.xlsx"


# ---------------------------------------------------------------------------------------------
# Upload: reading the file


class OfflineFileError(ValueError):
    """The file as a whole cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class InvalidCell:
    sheet: str
    row: int
    column: str
    reason: str
    code: str = ""


@dataclass(frozen=True)
class FileRow:
    """One question's row of the file, normalised, with what the file had at download."""

    code: str
    sheet: str
    row: int
    value: str
    comment: str
    evidence: list[str]
    base_version: int
    original: list  # [value, comment, evidence] when the file was created

    @property
    def content(self) -> tuple[str, str, list[str]]:
        return (self.value, self.comment, list(self.evidence))


@dataclass(frozen=True)
class ParsedFile:
    assessment_id: int
    country: str
    cycle: str
    created: str
    rows: list[FileRow]
    invalid: list[InvalidCell]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ParsedFile:
        data = json.loads(text)
        return cls(
            assessment_id=data["assessment_id"],
            country=data["country"],
            cycle=data["cycle"],
            created=data["created"],
            rows=[FileRow(**row) for row in data["rows"]],
            invalid=[InvalidCell(**cell) for cell in data["invalid"]],
        )


def _is_formula(cell: object) -> bool:
    value = getattr(cell, "value", None)
    return getattr(cell, "data_type", "") == "f" or (
        isinstance(value, str) and value.startswith("=") and getattr(cell, "data_type", "") == "f"
    )


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def read_workbook(data: bytes, *, questions: dict[str, Question]) -> ParsedFile:
    """Reads a filled questionnaire. Raises OfflineFileError when the file as a whole cannot be
    used (not a workbook of this application, too large); cells that cannot be read are listed
    in ``invalid`` with sheet, row, column and reason."""
    from openpyxl import load_workbook

    if len(data) > MAX_FILE_BYTES:
        raise OfflineFileError(
            _("The file is larger than %(max)s MB.") % {"max": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if data[:4] != b"PK\x03\x04":
        raise OfflineFileError(
            _("This is not an Excel workbook (.xlsx). Upload the file downloaded from this site.")
        )
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as exc:  # openpyxl raises many kinds of errors for broken files
        raise OfflineFileError(
            _("The workbook cannot be read (%(error)s).") % {"error": exc}
        ) from exc
    if META_SHEET not in workbook.sheetnames:
        raise OfflineFileError(
            _(
                "This workbook is not a questionnaire downloaded from this site (its hidden "
                "information sheet is missing). Download the questionnaire again and copy your "
                "answers into it."
            )
        )
    if len(workbook.sheetnames) > MAX_SHEETS:
        raise OfflineFileError(_("The workbook has too many sheets."))
    meta_sheet = workbook[META_SHEET]
    meta: dict[str, str] = {}
    versions: dict[str, tuple[int, list]] = {}
    in_table = False
    for key, second, third, *_rest in meta_sheet.iter_rows(
        min_col=1, max_col=3, values_only=True, max_row=MAX_ROWS_PER_SHEET * MAX_SHEETS
    ):
        key = _text(key)
        if key == "question":
            in_table = True
            continue
        if not key:
            continue
        if in_table:
            try:
                content = json.loads(_text(third)) if third else ["", "", []]
                versions[key] = (int(Decimal(_text(second) or "0")), content)
            except (ValueError, InvalidOperation, json.JSONDecodeError) as exc:
                raise OfflineFileError(
                    _("The hidden information sheet of this workbook was changed.")
                ) from exc
        else:
            meta[key] = _text(second)
    if meta.get("format") != FORMAT_VERSION or not meta.get("assessment", "").isdigit():
        raise OfflineFileError(_("The hidden information sheet of this workbook was changed."))

    rows: list[FileRow] = []
    invalid: list[InvalidCell] = []
    seen: set[str] = set()
    for sheet in workbook.worksheets:
        if sheet.title in (META_SHEET, LISTS_SHEET) or sheet.max_column < COL_ANSWER:
            continue
        if sheet.max_row > MAX_ROWS_PER_SHEET:
            raise OfflineFileError(
                _("The sheet “%(sheet)s” has more than %(max)s rows.")
                % {"sheet": sheet.title, "max": MAX_ROWS_PER_SHEET}
            )
        for cells in sheet.iter_rows(min_row=FIRST_ROW, max_col=COL_EVIDENCE):
            row_number = cells[0].row
            assert row_number is not None  # only a detached MergedCell has no row
            code = _text(cells[COL_CODE - 1].value)
            if not code:
                if any(c.value not in (None, "") for c in cells[COL_ANSWER - 1 :]):
                    invalid.append(
                        InvalidCell(
                            sheet.title,
                            row_number,
                            "A",
                            _("This row has an answer but no question code."),
                        )
                    )
                continue

            def bad(
                column: int,
                reason: str,
                *,
                code: str = code,
                row: int = row_number,
                title: str = sheet.title,
            ) -> None:
                invalid.append(InvalidCell(title, row, column_letter(column), reason, code))

            question = questions.get(code)
            if question is None or code not in versions:
                bad(COL_CODE, _("“%(code)s” is not a question of this file.") % {"code": code})
                continue
            if code in seen:
                bad(COL_CODE, _("The question %(code)s appears twice.") % {"code": code})
                continue
            seen.add(code)
            ok = True
            for column in (COL_ANSWER, COL_COMMENT, COL_EVIDENCE):
                cell = cells[column - 1]
                if _is_formula(cell):
                    bad(column, _("Formulas are not accepted: type the value itself."))
                    ok = False
                elif isinstance(cell.value, str) and len(cell.value) > MAX_CELL_CHARS:
                    bad(
                        column,
                        _("The text is longer than %(max)s characters.") % {"max": MAX_CELL_CHARS},
                    )
                    ok = False
            if not ok:
                continue
            try:
                value = parse_cell(question, cells[COL_ANSWER - 1].value)
            except values.InvalidValue as exc:
                bad(COL_ANSWER, str(exc))
                continue
            try:
                comment = values.check_comment(_text(cells[COL_COMMENT - 1].value))
            except values.InvalidValue as exc:
                bad(COL_COMMENT, str(exc))
                continue
            evidence_field = EvidenceField(required=False)
            try:
                evidence = evidence_field.clean(_text(cells[COL_EVIDENCE - 1].value))
            except ValidationError as exc:
                bad(COL_EVIDENCE, " ".join(str(m) for m in exc.messages))
                continue
            base_version, original = versions[code]
            rows.append(
                FileRow(
                    code=code,
                    sheet=sheet.title,
                    row=row_number,
                    value=value,
                    comment=comment,
                    evidence=evidence,
                    base_version=base_version,
                    original=original,
                )
            )
    workbook.close()
    return ParsedFile(
        assessment_id=int(meta["assessment"]),
        country=meta.get("country", ""),
        cycle=meta.get("cycle", ""),
        created=meta.get("created", ""),
        rows=rows,
        invalid=invalid,
    )


def check_file_matches(parsed: ParsedFile, assessment: Assessment) -> None:
    """Refuses a file of another country, cycle or assessment (OfflineFileError)."""
    if parsed.country != assessment.country.code or parsed.assessment_id != assessment.pk:
        raise OfflineFileError(
            _(
                "This file is the questionnaire of another country (%(file)s), not of "
                "%(country)s. Nothing was changed."
            )
            % {"file": parsed.country or "?", "country": assessment.country.name}
        )
    if parsed.cycle != assessment.cycle.code:
        raise OfflineFileError(
            _(
                "This file belongs to another cycle (%(file)s), not to %(cycle)s. Download this "
                "cycle's questionnaire and copy your answers into it. Nothing was changed."
            )
            % {"file": parsed.cycle or "?", "cycle": assessment.cycle.name}
        )


# ---------------------------------------------------------------------------------------------
# Upload: the preview


NEW, CHANGED, CLEARED = "new", "changed", "cleared"


@dataclass(frozen=True)
class PreviewChange:
    question: Question
    kind: str  # NEW, CHANGED or CLEARED
    sheet: str
    row: int
    old: str  # as a person reads it
    new: str
    entry: AnswerEntry


@dataclass(frozen=True)
class PreviewConflict:
    """Changed online since the file was created, and the file changes it too."""

    question: Question
    sheet: str
    row: int
    online: str
    file: str
    who: str
    when: datetime | None
    entry: AnswerEntry  # the file's content, based on the online version


@dataclass
class DomainPreview:
    domain: Domain
    changes: list[PreviewChange] = field(default_factory=list)
    conflicts: list[PreviewConflict] = field(default_factory=list)
    refused: list[InvalidCell] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    domains: list[DomainPreview]
    invalid: list[InvalidCell]

    @property
    def changes(self) -> list[PreviewChange]:
        return [c for d in self.domains for c in d.changes]

    @property
    def conflicts(self) -> list[PreviewConflict]:
        return [c for d in self.domains for c in d.conflicts]

    @property
    def refused(self) -> list[InvalidCell]:
        return [c for d in self.domains for c in d.refused]

    @property
    def has_anything(self) -> bool:
        return bool(self.changes or self.conflicts)

    @property
    def can_apply(self) -> bool:
        return self.has_anything and not self.invalid

    def fingerprint(self) -> str:
        """Identifies what the person saw, so that a confirm can tell whether anything moved."""
        import hashlib

        parts = sorted(
            f"{c.question.code}:{c.entry.base_version}:{c.kind}" for c in self.changes
        ) + sorted(f"{c.question.code}:{c.entry.base_version}:conflict" for c in self.conflicts)
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]

    def entries(self, take_file: set[str]) -> list[AnswerEntry]:
        """What confirming applies: every change, and the conflicts the person chose the file
        for (codes in ``take_file``); the other conflicts keep the online answer."""
        chosen = [c.entry for c in self.conflicts if c.question.code in take_file]
        return [c.entry for c in self.changes] + chosen


def _display(question: Question, content: tuple[str, str, list[str]]) -> str:
    value, comment, evidence = content
    parts = [values.display(question, value)] if value else [_("(no answer)")]
    if comment:
        parts.append(_("comment: %(comment)s") % {"comment": comment})
    if evidence:
        parts.append(_("evidence: %(links)s") % {"links": ", ".join(evidence)})
    return " · ".join(str(p) for p in parts)


def build_preview(assessment: Assessment, *, user: User, parsed: ParsedFile) -> Preview:
    """What applying ``parsed`` would change, per domain. Reads only: 4 queries."""
    check_file_matches(parsed, assessment)
    questions = {q.code: q for q in _questions(assessment)}
    answers = _answers(assessment)
    domains = Domain.objects.filter(framework=assessment.cycle.framework).order_by("order")
    by_domain = {d.pk: DomainPreview(domain=d) for d in domains}
    editable = permissions.editable_domain_codes(user, assessment)
    for row in parsed.rows:
        question = questions[row.code]
        domain = question.capability.domain
        target = by_domain[domain.pk]
        answer = answers.get(question.pk)
        current = (answer.value, answer.comment, list(answer.evidence)) if answer else ("", "", [])
        current_version = answer.version if answer else 0
        original = (row.original[0], row.original[1], list(row.original[2]))
        mine = row.content
        if mine in (original, current):
            continue  # untouched in the file, or already the online answer
        if editable is not None and domain.code not in editable:
            target.refused.append(
                InvalidCell(
                    row.sheet,
                    row.row,
                    column_letter(COL_ANSWER),
                    _("You may only change the answers of your domains (%(codes)s).")
                    % {"codes": ", ".join(sorted(editable)) or "–"},
                    row.code,
                )
            )
            continue
        entry = AnswerEntry(
            question=question,
            value=row.value,
            comment=row.comment,
            evidence=list(row.evidence),
            base_version=current_version,
        )
        if current_version != row.base_version:
            target.conflicts.append(
                PreviewConflict(
                    question=question,
                    sheet=row.sheet,
                    row=row.row,
                    online=_display(question, current),
                    file=_display(question, mine),
                    who=_who(answer),
                    when=answer.updated_at if answer else None,
                    entry=entry,
                )
            )
            continue
        if current == ("", "", []):
            kind = NEW
        elif mine == ("", "", []) or (row.value == "" and current[0] != ""):
            kind = CLEARED
        else:
            kind = CHANGED
        target.changes.append(
            PreviewChange(
                question=question,
                kind=kind,
                sheet=row.sheet,
                row=row.row,
                old=_display(question, current) if current != ("", "", []) else "",
                new=_display(question, mine),
                entry=entry,
            )
        )
    return Preview(
        domains=[d for d in by_domain.values() if d.changes or d.conflicts or d.refused],
        invalid=list(parsed.invalid),
    )


def _who(answer: Answer | None) -> str:
    if answer is None or answer.updated_by is None:
        return str(_("someone"))
    return answer.updated_by.get_full_name() or answer.updated_by.get_username()


def questions_by_code(assessment: Assessment) -> dict[str, Question]:
    return {q.code: q for q in _questions(assessment)}
