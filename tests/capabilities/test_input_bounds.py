"""Bounds on every input: numbers, texts, comments, evidence links; the same for the web form,
the JSON autosave and imports (capabilities.values holds them), and no value gives a 500."""

import time

import pytest
from django.urls import reverse

from capabilities import values
from capabilities.forms import AnswerForm
from capabilities.models import Answer, Question
from tests.conftest import login

HOSTILE_NUMBERS = ["1e999999", "1e1000000", "-1e1000000", "1e-999999", "9" * 41, "NaN", "Infinity"]


def question(framework, code: str) -> Question:
    return Question.objects.prefetch_related("options").get(framework=framework, code=code)


@pytest.mark.parametrize("raw", HOSTILE_NUMBERS)
def test_hostile_numbers_are_refused_with_a_message_and_quickly(framework, raw):
    q = question(framework, "C04.officers")
    started = time.perf_counter()
    with pytest.raises(values.InvalidValue) as caught:
        values.normalise(q, raw)
    assert time.perf_counter() - started < 1
    assert str(caught.value)
    assert len(str(caught.value)) < 200  # the value is never echoed in full


def test_number_bounds_say_what_is_accepted(framework):
    q = question(framework, "C04.officers")
    assert "at most 15 digits" in str(_error(q, "1e15"))
    assert values.normalise(q, "999999999999999") == "999999999999999"
    assert "too many decimals" in str(_error(q, "1.1234567"))
    assert values.normalise(q, "1.123456") == "1.123456"
    assert values.normalise(q, "2.5000000000") == "2.5"  # trailing zeros are not decimals
    assert values.normalise(q, "1.5E+3") == "1500"  # as spreadsheets write it
    assert values.normalise(q, "0e999999") == "0"
    assert "at least 0" in str(_error(q, "-1"))


def test_the_question_range_is_applied_with_a_clear_message(framework):
    q = question(framework, "C01.strategy_year")
    assert str(_error(q, "2031")) == "The number must be at most 2030."
    assert str(_error(q, "1949")) == "The number must be at least 1950."
    assert values.normalise(q, "2030") == "2030"


def test_a_maturity_like_1e999999_is_refused_without_building_the_number(framework):
    q = question(framework, "C01.maturity")
    for raw in ("1e999999", "1e1000000", "5", "0", "2.5"):
        with pytest.raises(values.InvalidValue):
            values.normalise(q, raw)
    assert values.normalise(q, "4.0") == "4"


def test_text_answers_comments_and_links_have_bounds(framework):
    q = question(framework, "C14.policy_change")
    assert values.normalise(q, "x" * values.TEXT_MAX_CHARS) == "x" * values.TEXT_MAX_CHARS
    assert "at most 20000" in str(_error(q, "x" * (values.TEXT_MAX_CHARS + 1)))
    with pytest.raises(values.InvalidValue):
        values.check_comment("x" * (values.COMMENT_MAX_CHARS + 1))
    with pytest.raises(values.InvalidValue):
        values.check_evidence(["https://example.org/"] * (values.EVIDENCE_MAX_LINKS + 1))
    with pytest.raises(values.InvalidValue):
        values.check_evidence(["https://example.org/" + "a" * values.EVIDENCE_LINK_MAX_CHARS])


def _error(q: Question, raw: str) -> values.InvalidValue:
    with pytest.raises(values.InvalidValue) as caught:
        values.normalise(q, raw)
    return caught.value


def _post(q: Question, **fields: str) -> dict[str, str]:
    data = {f"q{q.pk}-version": "0", f"q{q.pk}-comment": "", f"q{q.pk}-evidence": ""}
    data.update({f"q{q.pk}-{name}": value for name, value in fields.items()})
    return data


def test_the_web_form_applies_the_same_bounds(framework):
    q = question(framework, "C04.officers")
    form = AnswerForm(_post(q, value="1e999999"), question=q)
    assert not form.is_valid() and "too large" in form.errors["value"][0]
    form = AnswerForm(_post(q, value="3", comment="x" * (values.COMMENT_MAX_CHARS + 1)), question=q)
    assert not form.is_valid() and "at most 10000" in form.errors["comment"][0]
    links = "\n".join(["https://example.org/a"] * (values.EVIDENCE_MAX_LINKS + 1))
    form = AnswerForm(_post(q, value="3", evidence=links), question=q)
    assert not form.is_valid() and "at most 20 links" in form.errors["evidence"][0]


@pytest.mark.parametrize("raw", ["1e999999", "1e1000000", "1" * 200_000])
def test_the_json_save_refuses_hostile_numbers_with_400_and_writes_nothing(
    client, framework, focal_a, assessment_a, raw
):
    q = question(framework, "C04.officers")
    login(client, focal_a)
    url = reverse("capabilities:answer_save", args=[assessment_a.pk, q.pk])
    response = client.post(url, _post(q, value=raw))
    assert response.status_code == 400
    assert response.json()["status"] == "invalid"
    assert not Answer.objects.filter(assessment=assessment_a).exists()


def test_the_json_save_refuses_a_huge_comment_with_400(client, framework, focal_a, assessment_a):
    q = question(framework, "C04.officers")
    login(client, focal_a)
    url = reverse("capabilities:answer_save", args=[assessment_a.pk, q.pk])
    response = client.post(url, _post(q, value="3", comment="x" * 100_000))
    assert response.status_code == 400
    assert "comment" in response.json()["errors"]
    assert not Answer.objects.filter(assessment=assessment_a).exists()
