"""The questionnaire's questions as HTML, fast (issue 11).

``templates/capabilities/_question.html`` is the reference: every question of a domain page or of
the one-page questionnaire could be an include of it, but 108 includes with their forms and
widgets cost most of the page. Most of a question's HTML depends only on the framework version
and the language (its text, help, options, maturity hints, labels, ids), so it is rendered once
per process, framework generation and language (capabilities/caching.py ``local``), *with
sentinels* in place of what each request changes, and cut into a *skeleton*: static pieces and
holes. A request then fills the holes with plain string work:

- text holes: the assessment id (save and history links), the answer's version, its value (the
  number's ``value`` attribute, the text box's contents), which options are ``checked``, the
  comment and the evidence links, who saved it and when;
- optional pieces: the "pre-filled" badge, the ``open`` of the comment and evidence box, the
  "Last saved by" line (only with an answer), and the secretariat's review comments (rendered
  with their own small template, ``_review_comments.html``, when there are any).

Where a sentinel or an optional piece cannot be placed unambiguously the question has no
skeleton and is rendered with the template, as are, always, the read-only questions and the
rare items shown after a refused POST (errors, conflicts, "Saved.", changed meanwhile).
tests/capabilities/test_question_html.py checks that the skeleton's HTML is byte for byte the
template's, for every question, in English and French, with and without answers, comments,
evidence, pre-filled marks and review comments, and with hostile text.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from django import forms
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import caching, values
from .forms import CHOICE_WIDGETS, AnswerForm
from .models import Answer, MaturityPhase, Question, QuestionKind, ReviewComment

TEMPLATE = "capabilities/_question.html"
COMMENTS_TEMPLATE = "capabilities/_review_comments.html"
SENTINEL_PK = 918273645  # an assessment id in the links of the sentinel render
_HOLE = re.compile("\x00(\\w+)\x00")


def _mark(name: str) -> str:
    return f"\x00{name}\x00"


# ---------------------------------------------------------------------------------------------
# What the template shows for one question


@dataclass
class QuestionItem:
    """One question on a page: its form (None when read-only) and what is shown beside it."""

    question: Question
    answer: Answer | None
    form: AnswerForm | None
    display: str
    comments: list[ReviewComment]
    choices: list[tuple[object, str, str]] = field(default_factory=list)
    conflict: dict[str, object] | None = None
    saved: bool = False
    updated_meanwhile: str = ""
    prefilled: bool = False  # the answer was copied from the last cycle and not checked yet
    saved_by: str = ""  # who saved the answer last ("someone" when unknown)
    saved_when: str = ""  # when, in the short date format
    extras_open: bool = False  # the comment and evidence box starts open
    html: SafeString | None = None  # the whole question, when built from its skeleton

    @property
    def anchor(self) -> str:
        return f"q-{self.question.code}"


def maturity_hints(
    question: Question, phases: dict[int, MaturityPhase]
) -> dict[str, tuple[str, str]]:
    """Phase number → (name, what this phase looks like for this capability)."""
    # phase_list: Prefetch(to_attr=) in questionnaire.questions_of, unknown to the model's type.
    phase_list = question.capability.phase_list  # type: ignore[attr-defined]
    specific = {p.number: p.tr("description") for p in phase_list}
    hints: dict[str, tuple[str, str]] = {}
    for number in (1, 2, 3, 4):
        generic = phases.get(number)
        name = generic.name if generic else ""
        hints[str(number)] = (
            name,
            specific.get(number) or (generic.tr("description") if generic else ""),
        )
    return hints


def saved_by(answer: Answer) -> str:
    """As the template's ``get_full_name|default:get_username|default:_("someone")``."""
    user = answer.updated_by
    return (user.get_full_name() or user.get_username() if user else "") or _("someone")


def saved_when(moment: datetime | None) -> str:
    """As the template's ``|date:"SHORT_DATETIME_FORMAT"`` (in the current time zone).

    The format shows minutes, not seconds (mrn_assess/formats), so the text depends only on the
    language, the time zone and the minute: each is formatted once per process (a page of 108
    answers formatted its dates in a quarter of its time)."""
    if not moment:
        return ""
    minute = moment.replace(second=0, microsecond=0)
    return _formatted_minute(get_language() or "", timezone.get_current_timezone_name(), minute)


@functools.lru_cache(maxsize=8192)
def _formatted_minute(_language: str, _zone: str, minute: datetime) -> str:
    return date_format(timezone.localtime(minute), "SHORT_DATETIME_FORMAT")


def item(
    question: Question,
    answer: Answer | None,
    form: AnswerForm | None,
    comments: dict[int, list[ReviewComment]],
    phases: dict[int, MaturityPhase],
) -> QuestionItem:
    """The item the template renders (``form`` None: read-only)."""
    found = QuestionItem(
        question=question,
        answer=answer,
        form=form,
        display=values.display(question, answer.value) if answer else "",
        comments=comments.get(question.pk, []),
    )
    if answer is not None:
        found.prefilled = bool(answer.prefilled_from_id)
        found.saved_by = saved_by(answer)
        found.saved_when = saved_when(answer.updated_at)
    if form is not None:
        comment, evidence = form["comment"], form["evidence"]
        found.extras_open = bool(
            comment.value() or evidence.value() or comment.errors or evidence.errors
        ) or bool(found.comments)
        if isinstance(form["value"].field.widget, CHOICE_WIDGETS):
            maturity = question.kind == QuestionKind.MATURITY
            hints = maturity_hints(question, phases) if maturity else {}
            for widget in form["value"].subwidgets:
                code = str(widget.data["value"])
                title, hint = hints.get(code, (widget.choice_label, ""))
                if maturity:
                    title = _("Phase %(number)s – %(name)s") % {"number": code, "name": title}
                found.choices.append((widget, title, hint))
    return found


# ---------------------------------------------------------------------------------------------
# Skeletons


@dataclass(frozen=True)
class Skeleton:
    """A question's HTML cut into pieces: ``str`` (static), ``(hole,)`` (text filled in per
    request), or ``(flag, pieces)`` (pieces shown when the flag is set)."""

    pieces: tuple[Any, ...]
    kind: str
    codes: tuple[str, ...]  # the options' values, in the order of their CHECK holes


class NoSkeleton(Exception):
    """The sentinel renders could not be cut unambiguously (the template is used instead)."""


def _sentinel_render(
    question: Question,
    phases: dict[int, MaturityPhase],
    *,
    prefilled: bool = False,
    opened: bool = False,
    answered: bool = False,
    comments: list[Any] | None = None,
) -> tuple[str, tuple[str, ...]]:
    form = AnswerForm(question=question)
    field = form.fields["value"]
    widget = field.widget
    codes: tuple[str, ...] = ()
    if isinstance(widget, CHOICE_WIDGETS):
        assert isinstance(field, forms.ChoiceField)
        # Every option "checked", with a sentinel for the attribute: each marks its place.
        choices = cast("list[tuple[object, object]]", field.choices)  # set as a list in forms.py
        codes = tuple(str(code) for code, _label in choices)
        widget.allow_multiple_selected = True
        widget.checked_attribute = {_mark("CHECK"): True}
        value: object = list(codes)
    else:
        value = _mark("VALUE")
    form.initial = {
        "value": value,
        "comment": _mark("COMMENT"),
        "evidence": _mark("EVIDENCE"),
        "version": _mark("VERSION"),
    }
    shown = item(question, None, form, {}, phases)
    shown.prefilled, shown.extras_open = prefilled, opened
    shown.answer = SimpleNamespace() if answered else None  # type: ignore[assignment]
    shown.saved_by, shown.saved_when = _mark("WHO"), _mark("WHEN")
    shown.comments = comments or []
    context = {"item": shown, "assessment": SimpleNamespace(pk=SENTINEL_PK)}
    text = get_template(TEMPLATE).render(context)
    return text.replace(str(SENTINEL_PK), _mark("A")), codes


def _insertion(base: str, variant: str) -> tuple[int, str]:
    """(position, text) such that variant == base[:position] + text + base[position:]."""
    low, high = 0, min(len(base), len(variant))  # the longest common prefix, by halves
    while low < high:
        middle = (low + high + 1) // 2
        if base[:middle] == variant[:middle]:
            low = middle
        else:
            high = middle - 1
    at = low
    size = len(variant) - len(base)
    if size <= 0 or variant[at + size :] != base[at:]:
        raise NoSkeleton("not a single insertion")
    return at, variant[at : at + size]


def _fake_comment() -> SimpleNamespace:
    author = SimpleNamespace(get_full_name=lambda: "A", get_username=lambda: "a")
    return SimpleNamespace(
        pk=1,
        text="T",
        author=author,
        created_at=datetime(2000, 1, 1, tzinfo=UTC),
        resolved_at=None,
        reply_count=0,
    )


def _pieces(text: str) -> list[Any]:
    parts = _HOLE.split(text)
    found: list[Any] = []
    for index, part in enumerate(parts):
        if index % 2:
            found.append((part,))
        elif part:
            found.append(part)
    return found


def build(question: Question, phases: dict[int, MaturityPhase]) -> Skeleton:
    """The skeleton of an editable question, in the active language. Raises NoSkeleton."""
    base, codes = _sentinel_render(question, phases)
    kind = question.kind
    if codes:
        # The n-th " <CHECK>" is the n-th option's " checked".
        chunks = base.split(" " + _mark("CHECK"))
        if len(chunks) != len(codes) + 1:
            raise NoSkeleton("options and checked marks differ")
        base = "".join(
            chunk + (_mark(f"CHECK{index}") if index < len(codes) else "")
            for index, chunk in enumerate(chunks)
        )
    else:
        number_value = f' value="{_mark("VALUE")}"'
        if kind == QuestionKind.NUMBER:
            if base.count(number_value) != 1:
                raise NoSkeleton("number value not found once")
            base = base.replace(number_value, _mark("VALUEATTR"))
        elif base.count(_mark("VALUE")) != 1:
            raise NoSkeleton("text value not found once")
    for name in ("COMMENT", "EVIDENCE", "VERSION"):
        if base.count(_mark(name)) != 1:
            raise NoSkeleton(f"{name} not found once")
    optional: list[tuple[int, str, Any]] = []
    for flag in ("prefilled", "opened", "answered"):
        variant, _codes = _sentinel_render(
            question,
            phases,
            prefilled=flag == "prefilled",
            opened=flag == "opened",
            answered=flag == "answered",
        )
        if codes:
            variant = _with_checks(variant, len(codes))
        elif kind == QuestionKind.NUMBER:
            variant = variant.replace(f' value="{_mark("VALUE")}"', _mark("VALUEATTR"))
        at, text = _insertion(base, variant)
        optional.append((at, flag, text))
    fake = [_fake_comment()]
    variant, _codes = _sentinel_render(question, phases, comments=fake)
    if codes:
        variant = _with_checks(variant, len(codes))
    elif kind == QuestionKind.NUMBER:
        variant = variant.replace(f' value="{_mark("VALUE")}"', _mark("VALUEATTR"))
    block = get_template(COMMENTS_TEMPLATE).render(
        {
            "item": SimpleNamespace(comments=fake),
            "assessment": SimpleNamespace(pk=SENTINEL_PK),
            "q": question,
        }
    )
    block = block.replace(str(SENTINEL_PK), _mark("A"))
    # (the block is filled in with question-specific links: find it in the variant exactly)
    at = variant.find(block)
    while at != -1 and variant[:at] + variant[at + len(block) :] != base:
        at = variant.find(block, at + 1)
    if at == -1:
        raise NoSkeleton("review comments not found")
    optional.append((at, "comments", None))
    pieces: list[Any] = []
    last = 0
    for at, flag, text in sorted(optional, key=lambda o: o[0]):
        pieces += _pieces(base[last:at])
        pieces.append((flag, tuple(_pieces(text))) if text is not None else ("COMMENTS",))
        last = at
    pieces += _pieces(base[last:])
    return Skeleton(pieces=tuple(pieces), kind=kind, codes=codes)


def _with_checks(text: str, count: int) -> str:
    chunks = text.split(" " + _mark("CHECK"))
    if len(chunks) != count + 1:
        raise NoSkeleton("options and checked marks differ")
    return "".join(
        chunk + (_mark(f"CHECK{index}") if index < count else "")
        for index, chunk in enumerate(chunks)
    )


def skeletons(
    questions: Iterable[Question],
    phases: dict[int, MaturityPhase],
    *,
    key: str,
    at: tuple[str, int] | None = None,
) -> dict[int, Skeleton | None]:
    """Question id → skeleton (None: render with the template), built once per process, framework
    generation and ``key`` (framework version, scope and language)."""
    wanted = list(questions)

    def make() -> dict[int, Skeleton | None]:
        made: dict[int, Skeleton | None] = {}
        for question in wanted:
            try:
                made[question.pk] = build(question, phases)
            except NoSkeleton:
                made[question.pk] = None
        return made

    return caching.local(f"skeletons:{key}", make, at)


# ---------------------------------------------------------------------------------------------
# Filling a skeleton


def _escape(text: str) -> str:
    return html.escape(text) if text else ""


def fill(
    skeleton: Skeleton,
    *,
    question: Question,
    assessment_pk: int,
    answer: Answer | None,
    comments: list[ReviewComment],
) -> SafeString:
    """The question's HTML for this answer and its review comments (the template's, byte for
    byte)."""
    holes: dict[str, str] = {"A": str(assessment_pk)}
    value = answer.value if answer is not None else ""
    comment = answer.comment if answer is not None else ""
    evidence = "\n".join(str(link) for link in answer.evidence) if answer is not None else ""
    holes["VERSION"] = str(answer.version) if answer is not None else "0"
    holes["COMMENT"] = _escape(comment)
    holes["EVIDENCE"] = _escape(evidence)
    if skeleton.codes:
        if skeleton.kind == QuestionKind.MULTIPLE_CHOICE:
            chosen = set(values.split_multiple(value))
        else:
            chosen = {value}
        for index, code in enumerate(skeleton.codes):
            holes[f"CHECK{index}"] = " checked" if code in chosen else ""
    elif skeleton.kind == QuestionKind.NUMBER:
        holes["VALUEATTR"] = f' value="{html.escape(value)}"' if value else ""
    else:
        holes["VALUE"] = _escape(value)
    flags = {
        "prefilled": answer is not None and bool(answer.prefilled_from_id),
        "opened": bool(comment or evidence or comments),
        "answered": answer is not None,
    }
    if answer is not None:
        holes["WHO"] = html.escape(saved_by(answer))
        holes["WHEN"] = html.escape(saved_when(answer.updated_at))
    out: list[str] = []
    for piece in skeleton.pieces:
        if type(piece) is str:
            out.append(piece)
        elif len(piece) == 1:
            name = piece[0]
            if name == "COMMENTS":
                if comments:
                    out.append(
                        get_template(COMMENTS_TEMPLATE).render(
                            {
                                "item": SimpleNamespace(comments=comments),
                                "assessment": SimpleNamespace(pk=assessment_pk),
                                "q": question,
                            }
                        )
                    )
            else:
                out.append(holes[name])
        elif flags[piece[0]]:
            for sub in piece[1]:
                out.append(sub if type(sub) is str else holes[sub[0]])
    return mark_safe("".join(out))  # noqa: S308 (escaped above, as the template escapes)
