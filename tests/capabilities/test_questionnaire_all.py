"""The one-page questionnaire (capabilities:questionnaire_all): every domain's questions, one form,
one save; and the lean validation of saving (forms.lean_content) against AnswerForm."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capabilities import services
from capabilities.demo import demo_value
from capabilities.forms import AnswerForm, lean_content
from capabilities.models import Answer, AnswerChange, QuestionKind, Status
from tests._workflow import force_submit


def _url(assessment) -> str:
    return reverse("capabilities:questionnaire_all", args=[assessment.pk])


def _posted(questions, seed=5, version=0) -> dict[str, object]:
    rng = random.Random(seed)
    data: dict[str, object] = {}
    for q in questions:
        value: object = demo_value(q, rng)
        if q.kind == QuestionKind.MULTIPLE_CHOICE:
            value = value.split(";")
        data.update(
            {
                f"q{q.pk}-value": value,
                f"q{q.pk}-version": str(version),
                f"q{q.pk}-comment": "",
                f"q{q.pk}-evidence": "",
            }
        )
    return data


def test_the_page_shows_every_domain_and_question_with_a_jump_list(client, focal_a, assessment_a,
                                                                   questions):  # fmt: skip
    client.force_login(focal_a)
    body = client.get(_url(assessment_a)).content.decode()
    for code in ("D1", "D2", "D3", "D4", "D5", "D6"):
        assert f'href="#domain-{code}"' in body and f'id="domain-{code}"' in body
    assert body.count('class="question card') == len(questions) == 108
    assert body.count("data-save-url=") == 108  # every question autosaves
    assert 'id="questionnaire"' in body and "js/questionnaire.js" in body
    assert 'id="questionnaire-strings"' in body


def test_the_dashboard_and_the_domain_pages_link_to_it(client, focal_a, assessment_a):
    client.force_login(focal_a)
    url = _url(assessment_a)
    assert (
        f'href="{url}"'
        in client.get(reverse("capabilities:dashboard", args=[assessment_a.pk])).content.decode()
    )
    domain = reverse("capabilities:domain", args=[assessment_a.pk, "D3"])
    assert f'href="{url}"' in client.get(domain).content.decode()


def test_one_post_saves_every_answer_with_its_history_in_a_handful_of_queries(
    client, focal_a, assessment_a, questions
):
    client.force_login(focal_a)
    client.get(_url(assessment_a))  # the framework's parts are then kept in the process
    with CaptureQueriesContext(connection) as saved:
        response = client.post(_url(assessment_a), _posted(questions))
    assert response.status_code == 302 and response["Location"] == _url(assessment_a)
    assert Answer.objects.filter(assessment=assessment_a).count() == 108
    changes = AnswerChange.objects.filter(answer__assessment=assessment_a)
    assert changes.count() == 108 and set(changes.values_list("version", flat=True)) == {1}
    assessment_a.refresh_from_db()
    assert assessment_a.status == Status.DRAFT
    # session, the user with their profile; assessment, answers; savepoint, lock, answers again
    # (for update), insert answers, insert history, status change row, assessment update, release
    assert len(saved) == 12
    follow = client.get(response["Location"]).content.decode()
    assert "108 answers saved." in follow


def test_a_stale_answer_is_refused_and_the_others_are_saved(
    client, focal_a, assessment_a, questions
):
    client.force_login(focal_a)
    question = next(q for q in questions if q.kind == QuestionKind.YES_NO)
    other = next(q for q in questions if q.kind == QuestionKind.YES_NO and q.pk != question.pk)
    services.answer_save(
        assessment=assessment_a, question=question, value="yes", user=focal_a, base_version=0
    )
    services.answer_save(  # someone else saves version 2 after the page was loaded at version 1
        assessment=assessment_a, question=question, value="no", user=focal_a, base_version=1
    )
    data = {
        f"q{question.pk}-value": "dont_know",
        f"q{question.pk}-version": "1",
        f"q{other.pk}-value": "yes",
        f"q{other.pk}-version": "0",
    }
    response = client.post(_url(assessment_a), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Keep mine" in body and f'name="q{question.pk}-theirs_version" value="2"' in body
    stale = Answer.objects.get(assessment=assessment_a, question=question)
    assert (stale.value, stale.version) == ("no", 2)
    saved = Answer.objects.get(assessment=assessment_a, question=other)
    assert saved.value == "yes"
    assert AnswerChange.objects.filter(answer=saved, version=1, new_value="yes").exists()
    assert not AnswerChange.objects.filter(answer=stale, new_value="dont_know").exists()


def test_a_contributor_saves_only_their_domains_and_reads_the_others(
    client, contributor_a, assessment_a, questions
):
    client.force_login(contributor_a)  # may answer D2 only
    body = client.get(_url(assessment_a)).content.decode()
    d2 = [q for q in questions if q.capability.domain.code == "D2"]
    assert body.count("data-save-url=") == len(d2)
    assert "You can read the answers of this domain but not change them." in body
    response = client.post(_url(assessment_a), _posted(questions))
    assert response.status_code == 302
    saved = set(
        Answer.objects.filter(assessment=assessment_a).values_list("question_id", flat=True)
    )
    assert saved == {q.pk for q in d2}  # answers of other domains are not saved


def test_readers_get_it_read_only_and_may_not_post(client, analyst, focal_a, assessment_a,
                                                   questions):  # fmt: skip
    services.answer_save(
        assessment=assessment_a, question=questions[0], value="yes", user=focal_a, base_version=0
    )
    force_submit(assessment_a, focal_a)
    client.force_login(analyst)
    response = client.get(_url(assessment_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-save-url" not in body and 'id="questionnaire"' not in body
    assert client.post(_url(assessment_a), _posted(questions)).status_code == 403
    client.force_login(focal_a)  # submitted: read-only for the country too
    assert client.post(_url(assessment_a), _posted(questions)).status_code == 403


def test_invalid_answers_are_listed_and_the_valid_ones_saved(client, focal_a, assessment_a,
                                                             questions):  # fmt: skip
    client.force_login(focal_a)
    number = next(q for q in questions if q.kind == QuestionKind.NUMBER)
    yes_no = next(q for q in questions if q.kind == QuestionKind.YES_NO)
    data = {
        f"q{number.pk}-value": "many",
        f"q{number.pk}-version": "0",
        f"q{yes_no.pk}-value": "yes",
        f"q{yes_no.pk}-version": "0",
        f"q{yes_no.pk}-evidence": "not a link",
    }
    response = client.post(_url(assessment_a), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Not a web address: not a link" in body
    assert not Answer.objects.filter(assessment=assessment_a).exists()


# --- the lean path gives what the form gives ----------------------------------------------------

INPUTS = {
    "value": ["", "yes", "no", "dont_know", "1", "4", "5", "4.0", " 12 ", "12,5", "1e999", "abc",
              "x" * 6000, "a\x00b", "<b>", "Yes"],
    "comment": ["", "  note  ", "x" * 6000, "nul\x00", "<script>"],
    "evidence": ["", "https://example.org", " https://a.org/x \n\n http://b.org ", "ftp://x",
                 "not a link", "https://x.org/\x00"],
    "version": ["0", "3", "", "-1", "1.0", " 2", "x", "٣"],
    "theirs_version": [None, "", "0", "2", "a"],
}  # fmt: skip


def _cases(question, rng):
    codes = [o.code for o in question.options.all()]
    for _ in range(150):
        data = QueryDict(mutable=True)
        prefix = f"q{question.pk}-"
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            picked = rng.sample([*codes, "nope"], k=rng.randint(0, min(3, len(codes) + 1)))
            data.setlist(prefix + "value", picked)
        else:
            data[prefix + "value"] = rng.choice(INPUTS["value"] + codes)
        for name in ("comment", "evidence", "version", "theirs_version"):
            choice = rng.choice(INPUTS[name])
            if choice is not None:
                data[prefix + name] = choice
        yield data


@pytest.mark.parametrize("kind", QuestionKind.values)
def test_lean_validation_accepts_only_what_the_form_accepts_with_the_same_content(questions, kind):
    rng = random.Random(kind)
    lean_used = 0
    for question in [q for q in questions if q.kind == kind][:3]:
        for data in _cases(question, rng):
            lean = lean_content(question, data)
            form = AnswerForm(data, question=question)
            if lean is None:
                continue  # the view builds the form: its own answer, errors included
            lean_used += 1
            assert form.is_valid(), (dict(data), form.errors)
            assert lean == (
                form.content(),
                form.cleaned_data["version"],
                form.cleaned_data.get("theirs_version"),
            ), dict(data)
    assert lean_used >= 3  # the lean path does serve plainly valid input


def test_lean_validation_serves_every_ordinary_answer(questions):
    data = QueryDict(mutable=True)
    for key, value in _posted(questions).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    assert all(lean_content(q, data) is not None for q in questions)
