"""Canonical answer values, one text per answer, the same for web forms, imports and exports.

- yes/no: ``yes``, ``no`` or ``dont_know``
- maturity: ``1`` … ``4``
- single choice: the option code
- multiple choice: option codes joined by ``;`` in the question's option order
- number: a decimal without trailing zeros (``12``, ``3.5``)
- text: the text as typed (stripped)
- empty string: no answer
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import PHASE_NUMBERS, Question, QuestionKind, YesNo

MULTI_SEPARATOR = ";"

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
                _("Expected yes, no or don't know, not “%(value)s”.") % {"value": text}
            )
        return str(value)
    if kind == QuestionKind.MATURITY:
        try:
            number = int(Decimal(text))
        except (InvalidOperation, ValueError):
            number = 0
        if number not in PHASE_NUMBERS or Decimal(text) != number:
            raise InvalidValue(
                _("Expected a maturity phase from 1 to 4, not “%(value)s”.") % {"value": text}
            )
        return str(number)
    if kind == QuestionKind.SINGLE_CHOICE:
        codes = option_codes(question)
        if text not in codes:
            raise InvalidValue(
                _("“%(value)s” is not one of the options (%(options)s).")
                % {"value": text, "options": ", ".join(codes)}
            )
        return text
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return _normalise_multiple(question, [part.strip() for part in text.split(MULTI_SEPARATOR)])
    if kind == QuestionKind.NUMBER:
        return _normalise_number(question, text)
    return text


def _normalise_multiple(question: Question, items: Iterable[str]) -> str:
    codes = option_codes(question)
    chosen = {item for item in items if item}
    unknown = sorted(chosen - set(codes))
    if unknown:
        raise InvalidValue(
            _("“%(value)s” is not one of the options (%(options)s).")
            % {"value": ", ".join(unknown), "options": ", ".join(codes)}
        )
    if len(chosen) > 1:
        for option in question.options.all():
            if option.exclusive and option.code in chosen:
                raise InvalidValue(
                    _("“%(option)s” cannot be ticked together with other options.")
                    % {"option": option.tr("label")}
                )
    return MULTI_SEPARATOR.join(code for code in codes if code in chosen)


def _normalise_number(question: Question, text: str) -> str:
    try:
        number = Decimal(text.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation as exc:
        raise InvalidValue(_("Expected a number, not “%(value)s”.") % {"value": text}) from exc
    if not number.is_finite():
        raise InvalidValue(_("Expected a number, not “%(value)s”.") % {"value": text})
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
        return ""
    if question.kind == QuestionKind.YES_NO:
        labels = {
            YesNo.YES: _("Yes"),
            YesNo.NO: _("No"),
            YesNo.DONT_KNOW: _("Don't know"),
        }
        return str(labels.get(value, value))
    if question.kind == QuestionKind.MATURITY:
        return _("Phase %(number)s") % {"number": value}
    if question.has_options:
        labels = {option.code: option.tr("label", lang) for option in question.options.all()}
        return "; ".join(labels.get(code, code) for code in split_multiple(value))
    if question.kind == QuestionKind.NUMBER and question.unit:
        return f"{value} {question.tr('unit', lang)}"
    return value


def required_missing(questions: Sequence[Question], values: dict[int, str]) -> list[Question]:
    """Required questions with no answer (``values`` maps question id to value)."""
    return [q for q in questions if q.required and not values.get(q.pk)]
