"""The framework's questions are cached, and an edit of the framework shows at the next request."""

from __future__ import annotations

from django.urls import reverse

from capabilities.models import AnswerOption, Question


def test_domain_page_shows_an_edited_question_text_and_option_at_once(
    client, focal_a, assessment_a
):
    client.force_login(focal_a)
    url = reverse("capabilities:domain", args=[assessment_a.pk, "D1"])
    assert "Revised wording" not in client.get(url).content.decode()
    question = Question.objects.get(framework=assessment_a.cycle.framework, code="C01.strategy")
    question.text_en = "Revised wording of the strategy question"
    question.save()
    assert "Revised wording of the strategy question" in client.get(url).content.decode()
    option = AnswerOption.objects.filter(question__capability__domain__code="D1").first()
    option.label_en = "Newly labelled option"
    option.save()
    assert "Newly labelled option" in client.get(url).content.decode()
