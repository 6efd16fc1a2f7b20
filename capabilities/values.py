"""Canonical answer values, one text per answer, the same for web forms, imports and exports.

- yes/no: ``yes``, ``no`` or ``dont_know``
- maturity: ``1`` … ``4``
- single choice: the option code
- multiple choice: option codes joined by ``;`` in the question's option order
- number: a decimal without trailing zeros (``12``, ``3.5``)
- text: the text as typed (stripped)
- empty string: no answer

Bounds on every input live here too (``MAX_*`` constants, ``check_text``, ``check_evidence``), so
the web form, the JSON autosave, the importer and the offline spreadsheet refuse the same things
with the same messages. A number has at most ``NUMBER_MAX_CHARS`` characters, at most
``NUMBER_MAX_INTEGER_DIGITS`` digits before the decimal point and ``NUMBER_MAX_DECIMALS`` after it
(exponents are accepted, as spreadsheets write them, but the value must fit these bounds), and lies
within the question's own range (``min_value``/``max_value``) when it has one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from . import labels
from .models import Question, QuestionKind, YesNo

MULTI_SEPARATOR = ";"

# Bounds shared by every way in (web form, JSON save, imports, offline spreadsheet).
NUMBER_MAX_CHARS = 40
NUMBER_MAX_INTEGER_DIGITS = 15  # below 10^15: any count or budget a government reports
NUMBER_MAX_DECIMALS = 6
TEXT_MAX_CHARS = 20_000  # a text answer
COMMENT_MAX_CHARS = 10_000  # the comment on an answer
EVIDENCE_MAX_LINKS = 20
EVIDENCE_LINK_MAX_CHARS = 2_000

# Imported files (capabilities.importer; the offline spreadsheet's reader uses the same). The file
# size limit is settings.MRN_MAX_UPLOAD_BYTES. An XLSX is a ZIP: its unpacked size is bounded too,
# whatever its parts declare about their dimensions.
IMPORT_MAX_ROWS = 2_000  # respondents (there are under 250 countries and jurisdictions)
IMPORT_MAX_COLUMNS = 300  # the framework has 108 questions, plus respondent and group columns
IMPORT_MAX_CELL_CHARS = TEXT_MAX_CHARS
XLSX_MAX_UNPACKED_BYTES = 30 * 1024 * 1024
XLSX_MAX_PARTS = 500
# Respondent ids: letters A-Z (either case), digits, "-" and "_", starting with a letter or digit.
RESPONDENT_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}"

# Words accepted in imported files for yes/no questions, in English and French.
YES_NO_ALIASES = {
    "yes": YesNo.YES,
    "y": YesNo.YES,
    "oui": YesNo.YES,
    "true": YesNo.YES,
    "1": YesNo.YES,
    "no": YesNo.NO,
    "n": YesNo.NO,
    "non": YesNo.NO,
    "false": YesNo.NO,
    "0": YesNo.NO,
    "dont_know": YesNo.DONT_KNOW,
    "don't know": YesNo.DONT_KNOW,
    "dont know": YesNo.DONT_KNOW,
    "unknown": YesNo.DONT_KNOW,
    "ne sait pas": YesNo.DONT_KNOW,
    "nsp": YesNo.DONT_KNOW,
}


class InvalidValue(ValueError):
    """A value that does not fit the question; the message says what is accepted."""


def option_codes(question: Question) -> list[str]:
    """Codes of the question's options in order (uses prefetched ``options`` when present)."""
    return [option.code for option in question.options.all()]


def normalise(question: Question, raw: object) -> str:
    """Turns user or file input into the canonical value, or raises InvalidValue."""
    if raw is None:
        return ""
    if isinstance(raw, list | tuple | set):
        items = [str(item).strip() for item in raw if str(item).strip()]
        if question.kind != QuestionKind.MULTIPLE_CHOICE:
            if len(items) > 1:
                raise InvalidValue(_("Only one value is allowed."))
            raw = items[0] if items else ""
        else:
            return _normalise_multiple(question, items)
    text = str(raw).strip()
    if text == "":
        return ""
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        value = YES_NO_ALIASES.get(text.lower())
        if value is None:
            raise InvalidValue(
                _("Expected yes, no or don't know, not “%(value)s”.") % {"value": _short(text)}
            )
        return str(value)
    if kind == QuestionKind.MATURITY:
        # 1 to 4, also as spreadsheets write them (4.0); never converted through a number, so
        # 1e999999 costs nothing.
        match = re.fullmatch(r"([1-4])(?:[.,]0{0,6})?", text)
        if match is None:
            raise InvalidValue(
                _("Expected a maturity phase from 1 to 4, not “%(value)s”.")
                % {"value": _short(text)}
            )
        return match.group(1)
    if kind == QuestionKind.SINGLE_CHOICE:
        codes = option_codes(question)
        if text not in codes:
            raise InvalidValue(
                _("“%(value)s” is not one of the options (%(options)s).")
                % {"value": _short(text), "options": ", ".join(codes)}
            )
        return text
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return _normalise_multiple(question, [part.strip() for part in text.split(MULTI_SEPARATOR)])
    if kind == QuestionKind.NUMBER:
        return _normalise_number(question, text)
    return check_text(text, TEXT_MAX_CHARS)


def check_text(text: str, limit: int) -> str:
    """The text, or InvalidValue when it is longer than ``limit`` characters."""
    if len(text) > limit:
        raise InvalidValue(
            _("The text is %(length)s characters long; at most %(max)s are accepted.")
            % {"length": len(text), "max": limit}
        )
    return text


def check_comment(text: str) -> str:
    return check_text(text, COMMENT_MAX_CHARS)


def check_evidence(links: Sequence[str]) -> list[str]:
    """Evidence links within bounds (count and length; the form also checks they are http(s))."""
    if len(links) > EVIDENCE_MAX_LINKS:
        raise InvalidValue(_("Give at most %(max)s links.") % {"max": EVIDENCE_MAX_LINKS})
    for link in links:
        if len(link) > EVIDENCE_LINK_MAX_CHARS:
            raise InvalidValue(
                _("A web address is %(length)s characters long; at most %(max)s are accepted.")
                % {"length": len(link), "max": EVIDENCE_LINK_MAX_CHARS}
            )
    return list(links)


def _short(text: str) -> str:
    """The start of a long value, for messages."""
    return text if len(text) <= 30 else f"{text[:27]}…"


def _normalise_multiple(question: Question, items: Iterable[str]) -> str:
    codes = option_codes(question)
    chosen = {item for item in items if item}
    unknown = sorted(chosen - set(codes))
    if unknown:
        raise InvalidValue(
            _("“%(value)s” is not one of the options (%(options)s).")
            % {"value": _short(", ".join(unknown)), "options": ", ".join(codes)}
        )
    if len(chosen) > 1:
        for option in question.options.all():
            if option.exclusive and option.code in chosen:
                raise InvalidValue(
                    _("“%(option)s” cannot be ticked together with other options.")
                    % {"option": option.tr("label")}
                )
    return MULTI_SEPARATOR.join(code for code in codes if code in chosen)


def parse_number(text: str) -> Decimal:
    """A number typed by a person or read from a file, within the global bounds; else
    InvalidValue. Accepts a decimal comma and spaces between thousands."""
    if len(text) > NUMBER_MAX_CHARS:
        raise InvalidValue(
            _("Expected a number of at most %(max)s characters, not “%(value)s”.")
            % {"max": NUMBER_MAX_CHARS, "value": _short(text)}
        )
    try:
        number = Decimal(text.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation as exc:
        raise InvalidValue(_("Expected a number, not “%(value)s”.") % {"value": text}) from exc
    if not number.is_finite():
        raise InvalidValue(_("Expected a number, not “%(value)s”.") % {"value": text})
    # adjusted() and as_tuple() read the digits without arithmetic: no Overflow whatever the
    # exponent, and no million-digit value is ever built.
    if not number.is_zero() and number.adjusted() >= NUMBER_MAX_INTEGER_DIGITS:
        raise InvalidValue(
            _(
                "“%(value)s” is too large: a number has at most %(digits)s digits before the "
                "decimal point."
            )
            % {"value": text, "digits": NUMBER_MAX_INTEGER_DIGITS}
        )
    if number.is_zero():
        return Decimal(0)
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if -exponent - trailing_zeros > NUMBER_MAX_DECIMALS:
        raise InvalidValue(
            _("“%(value)s” has too many decimals: at most %(decimals)s are accepted.")
            % {"value": text, "decimals": NUMBER_MAX_DECIMALS}
        )
    return number


def _normalise_number(question: Question, text: str) -> str:
    number = parse_number(text)
    if question.min_value is not None and number < question.min_value:
        raise InvalidValue(
            _("The number must be at least %(min)s.") % {"min": format_number(question.min_value)}
        )
    if question.max_value is not None and number > question.max_value:
        raise InvalidValue(
            _("The number must be at most %(max)s.") % {"max": format_number(question.max_value)}
        )
    return format_number(number)


def format_number(number: Decimal) -> str:
    """``Decimal('12.50')`` → ``'12.5'``, ``Decimal('3E+1')`` → ``'30'``."""
    text = f"{number.normalize():f}"
    return text


def split_multiple(value: str) -> list[str]:
    return [part for part in value.split(MULTI_SEPARATOR) if part]


def display(question: Question, value: str, lang: str | None = None) -> str:
    """A value as a person reads it, in the active (or given) language."""
    if value == "":
        return ""  # before displayer(): an unanswered question needs none of its options
    return displayer(question, lang)(value)


def displayer(question: Question, lang: str | None = None) -> Callable[[str], str]:
    """``display`` for one question: what depends only on the question (its options' labels,
    its unit, the phase wording) is looked up once, for exports that show many values of it.
    An empty value reads as nothing, whatever the kind."""
    show = _show_answered(question, lang)
    return lambda value: show(value) if value else ""


def _show_answered(question: Question, lang: str | None) -> Callable[[str], str]:
    if question.kind == QuestionKind.YES_NO:
        return labels.answer_label
    if question.kind == QuestionKind.MATURITY:
        phase = _("Phase %(number)s")
        return lambda value: phase % {"number": value}
    if question.has_options:
        names = {option.code: option.tr("label", lang) for option in question.options.all()}
        return lambda value: "; ".join(names.get(code, code) for code in split_multiple(value))
    if question.kind == QuestionKind.NUMBER and question.unit:
        unit = question.tr("unit", lang)
        return lambda value: f"{value} {unit}"
    return str


def required_missing(questions: Sequence[Question], values: dict[int, str]) -> list[Question]:
    """Required questions with no answer (``values`` maps question id to value)."""
    return [q for q in questions if q.required and not values.get(q.pk)]
