"""The printable questionnaire (issue 15): the whole questionnaire blank, or with the country's
current answers, as PDF in English or French, from templates/reports/print/questionnaire_*.html.

Callers check access first (capabilities.permissions). Four queries for the whole questionnaire.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from capabilities import values
from capabilities.models import Answer, Assessment, Question, QuestionKind, YesNo

from .pdf import _generated_label, page_css, render_pdf


@dataclass(frozen=True)
class PrintQuestion:
    code: str
    text: str
    help: str
    required: bool
    choices: list[str]  # boxes to tick on paper (blank) or the accepted answers
    multiple: bool
    hint: str
    answer: str
    comment: str
    evidence: list[str]


@dataclass(frozen=True)
class PrintCapability:
    code: str
    name: str
    questions: list[PrintQuestion]


@dataclass(frozen=True)
class PrintDomain:
    code: str
    name: str
    capabilities: list[PrintCapability]


def _choices(question: Question) -> tuple[list[str], str]:
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        return [str(YesNo.YES.label), str(YesNo.NO.label), str(YesNo.DONT_KNOW.label)], ""
    if kind == QuestionKind.MATURITY:
        return [_("Phase %(number)s") % {"number": n} for n in (1, 2, 3, 4)], ""
    if question.has_options:
        hint = _("Tick all that apply.") if kind == QuestionKind.MULTIPLE_CHOICE else ""
        return [option.tr("label") for option in question.options.all()], hint
    if kind == QuestionKind.NUMBER:
        parts = []
        if question.min_value is not None:
            parts.append(_("at least %(min)s") % {"min": values.format_number(question.min_value)})
        if question.max_value is not None:
            parts.append(_("at most %(max)s") % {"max": values.format_number(question.max_value)})
        hint = _("A number") + (" (" + ", ".join(parts) + ")" if parts else "")
        if question.unit:
            hint += " – " + question.unit
        return [], hint
    return [], ""


def build(assessment: Assessment, *, blank: bool) -> list[PrintDomain]:
    """The questionnaire in the active language, with answers unless ``blank``."""
    questions = Question.objects.for_framework(assessment.cycle.framework).with_structure()
    answers: dict[int, Answer] = (
        {} if blank else {a.question_id: a for a in Answer.objects.filter(assessment=assessment)}
    )
    domains: list[PrintDomain] = []
    for question in questions:
        capability = question.capability
        domain = capability.domain
        if not domains or domains[-1].code != domain.code:
            domains.append(PrintDomain(domain.code, domain.tr("name"), []))
        caps = domains[-1].capabilities
        if not caps or caps[-1].code != capability.code:
            caps.append(PrintCapability(capability.code, capability.tr("name"), []))
        answer = answers.get(question.pk)
        choices, hint = _choices(question)
        caps[-1].questions.append(
            PrintQuestion(
                code=question.code,
                text=question.text,
                help=question.help,
                required=question.required,
                choices=choices,
                multiple=question.kind == QuestionKind.MULTIPLE_CHOICE,
                hint=hint,
                answer=values.display(question, answer.value) if answer else "",
                comment=answer.comment if answer else "",
                evidence=list(answer.evidence) if answer else [],
            )
        )
    return domains


def questionnaire_html(assessment: Assessment, *, lang: str, blank: bool) -> str:
    with translation.override(lang):
        now = timezone.now()
        if blank:
            title = _("MNR questionnaire: %(cycle)s") % {"cycle": assessment.cycle.tr("name")}
        else:
            title = _("Answers of %(country)s: %(cycle)s") % {
                "country": assessment.country.tr("name"),
                "cycle": assessment.cycle.tr("name"),
            }
        generated = _generated_label(now)
        context = {
            "lang": lang,
            "title": title,
            "description": title,
            "generated_at": now,
            "generated_label": generated,
            "illustrative": assessment.cycle.is_illustrative,
            "page_css": page_css(
                header=title, generated=generated, illustrative=assessment.cycle.is_illustrative
            ),
            "assessment": assessment,
            "country_name": assessment.country.tr("name"),
            "cycle_name": assessment.cycle.tr("name"),
            "blank": blank,
            "domains": build(assessment, blank=blank),
        }
        return render_to_string("reports/print/questionnaire_print.html", context)


def questionnaire_pdf(assessment: Assessment, *, lang: str, blank: bool) -> bytes:
    return render_pdf(questionnaire_html(assessment, lang=lang, blank=blank))


def filename(assessment: Assessment, lang: str, *, blank: bool) -> str:
    stem = "questionnaire-blank" if blank else f"answers-{assessment.country.code}"
    return f"{stem}-{assessment.cycle.code}-{lang}.pdf"
