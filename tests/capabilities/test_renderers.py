"""The lean form renderer writes exactly what Django's widget templates write."""

from __future__ import annotations

import pytest
from django.forms.renderers import DjangoTemplates
from django.utils import translation

from capabilities.forms import AnswerForm, initial_for
from capabilities.models import Answer
from capabilities.renderers import FAST, LeanFormRenderer


def _html(form: AnswerForm) -> list[str]:
    parts = []
    for name in form.fields:
        bound = form[name]
        parts.append(str(bound))
        parts.extend(str(w.tag()) for w in bound.subwidgets if name == "value")
        parts.extend(str(w) for w in bound.subwidgets if name == "value")
    return parts


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_question_forms_of_every_kind_render_as_with_django_templates(
    questions, assessment_a, lang
):
    tricky = 'Tom & "Jerry" <b>bold</b>'
    per_kind: dict[str, list] = {}
    for question in questions:  # two questions of each kind (radio, checkbox, text, number…)
        per_kind.setdefault(question.kind, [])
        if len(per_kind[question.kind]) < 2:
            per_kind[question.kind].append(question)
    with translation.override(lang):
        for question in (q for group in per_kind.values() for q in group):
            answer = Answer(
                assessment=assessment_a,
                question=question,
                value={"yes_no": "yes", "maturity": "2", "number": "12.5"}.get(question.kind)
                or (question.options.all()[0].code if question.options.all() else tricky),
                comment=tricky,
                evidence=["https://example.org/?a=1&b=2"],
                version=3,
            )
            for data in (None, {f"q{question.pk}-value": tricky, f"q{question.pk}-version": "x"}):
                lean = AnswerForm(
                    data, question=question, initial=initial_for(question, answer),
                    renderer=LeanFormRenderer(),
                )  # fmt: skip
                stock = AnswerForm(
                    data, question=question, initial=initial_for(question, answer),
                    renderer=DjangoTemplates(),
                )  # fmt: skip
                assert _html(lean) == _html(stock), question.code


def test_the_site_uses_the_lean_renderer_for_the_plain_widgets(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), LeanFormRenderer)
    assert "django/forms/widgets/textarea.html" in FAST
    assert "django/forms/widgets/select.html" not in FAST  # anything else: Django's templates
