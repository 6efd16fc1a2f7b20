"""The domain page: every question kind, help, comments and evidence; saving without JavaScript
(partial saves, error summary, the stale-save choice) and the autosave JSON endpoint."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from capabilities import services
from capabilities.models import Answer, AnswerChange, Question, QuestionKind
from tests._workflow import force_submit


def _q(questions: list[Question], code: str) -> Question:
    return next(q for q in questions if q.code == code)


def _data(question: Question, value: object, version: int, comment: str = "", evidence: str = ""):
    prefix = f"q{question.pk}"
    return {
        f"{prefix}-value": value,
        f"{prefix}-version": str(version),
        f"{prefix}-comment": comment,
        f"{prefix}-evidence": evidence,
    }


def _domain_url(assessment, code="D1") -> str:
    return reverse("capabilities:domain", args=[assessment.pk, code])


def _save_url(assessment, question) -> str:
    return reverse("capabilities:answer_save", args=[assessment.pk, question.pk])


def test_domain_page_shows_every_question_of_the_domain_as_a_fieldset_with_its_help(
    client, focal_a, assessment_a, questions
):
    client.force_login(focal_a)
    body = client.get(_domain_url(assessment_a)).content.decode()
    d1 = [q for q in questions if q.capability.domain.code == "D1"]
    assert body.count("<fieldset") == len(d1) == 17
    assert body.count("<legend") == len(d1)
    for question in d1:
        assert f'id="q-{question.code}"' in body
        if question.help:
            assert question.help.replace("'", "&#x27;").replace('"', "&quot;")[:60] in body
    assert "What counts as in place" in body
    assert 'name="csrfmiddlewaretoken"' in body and 'method="post"' in body


def test_domain_page_offers_dont_know_and_maturity_phase_descriptions(
    client, focal_a, assessment_a, questions
):
    client.force_login(focal_a)
    body = client.get(_domain_url(assessment_a)).content.decode()
    headline = _q(questions, "C01.in_place")
    assert f'name="q{headline.pk}-value" value="dont_know"' in body
    assert "Don&#x27;t know" in body
    maturity = _q(questions, "C01.maturity")
    phase_1 = maturity.capability.phases.get(number=1).description_en
    assert phase_1.replace("'", "&#x27;")[:50] in body
    assert "Phase 1 – Building" in body


def test_domain_page_renders_each_question_kind_with_a_fitting_input(
    client, focal_a, assessment_a, questions
):
    client.force_login(focal_a)
    pages = "".join(
        client.get(_domain_url(assessment_a, code)).content.decode()
        for code in ("D1", "D2", "D3", "D4", "D5", "D6")
    )
    for kind, pattern in [
        (QuestionKind.YES_NO, r'type="radio" name="q{pk}-value"'),
        (QuestionKind.MATURITY, r'type="radio" name="q{pk}-value"'),
        (QuestionKind.SINGLE_CHOICE, r'type="radio" name="q{pk}-value"'),
        (QuestionKind.MULTIPLE_CHOICE, r'type="checkbox" name="q{pk}-value"'),
        (QuestionKind.NUMBER, r'type="text" name="q{pk}-value"[^>]*inputmode="decimal"'),
        (QuestionKind.TEXT, r'<textarea name="q{pk}-value"'),
    ]:
        question = next(q for q in questions if q.kind == kind)
        assert re.search(pattern.format(pk=question.pk), pages), kind


def test_saving_without_javascript_stores_the_answers_and_redirects(
    client, focal_a, assessment_a, questions
):
    headline, members, year = (
        _q(questions, "C01.in_place"),
        _q(questions, "C01.body_members"),
        _q(questions, "C01.strategy_year"),
    )
    options = [o.code for o in members.options.all()]
    data = {
        **_data(
            headline, "dont_know", 0, comment="Being checked", evidence="https://gov.example/a"
        ),
        **_data(members, "", 0),
        **_data(year, "2019", 0),
    }
    data[f"q{members.pk}-value"] = [options[1], options[0]]
    client.force_login(focal_a)
    response = client.post(_domain_url(assessment_a), data)
    assert response.status_code == 302
    assert response["Location"] == _domain_url(assessment_a)
    stored = {a.question_id: a for a in Answer.objects.filter(assessment=assessment_a)}
    assert stored[headline.pk].value == "dont_know"
    assert stored[headline.pk].comment == "Being checked"
    assert stored[headline.pk].evidence == ["https://gov.example/a"]
    assert stored[members.pk].value == f"{options[0]};{options[1]}"
    assert stored[year.pk].value == "2019"
    page = client.get(response["Location"]).content.decode()
    assert "3 answers saved." in page


def test_save_and_continue_goes_to_the_next_domain(client, focal_a, assessment_a, questions):
    client.force_login(focal_a)
    headline = _q(questions, "C01.in_place")
    response = client.post(
        _domain_url(assessment_a), {**_data(headline, "yes", 0), "action": "continue"}
    )
    assert response["Location"] == _domain_url(assessment_a, "D2")


def test_invalid_answers_are_listed_in_an_error_summary_and_valid_ones_still_saved(
    client, focal_a, assessment_a, questions
):
    headline, year = _q(questions, "C01.in_place"), _q(questions, "C01.strategy_year")
    client.force_login(focal_a)
    response = client.post(
        _domain_url(assessment_a),
        {
            **_data(headline, "yes", 0),
            **_data(year, "1800", 0, evidence="not a link\nftp://files.example/x"),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert f'href="#id_q{year.pk}-value"' in body  # summary links to the field
    assert f'href="#id_q{year.pk}-evidence"' in body
    assert "The number must be at least 1950" in body
    assert "Not a web address: not a link, ftp://files.example/x" in body
    # people read question labels, never codes
    assert f"Saved: {headline.label}." in body and f"Not saved: {year.label}." in body
    summary = body.split("data-error-summary")[1].split("</div>")[0]
    assert f"{year.label}: The number must be at least 1950" in summary
    assert "C01.strategy_year" not in summary
    assert 'value="1800"' in body  # what the user typed is kept
    assert Answer.objects.get(assessment=assessment_a, question=headline).value == "yes"
    assert not Answer.objects.filter(assessment=assessment_a, question=year).exists()
    # the saved answer's form now carries the new version, so the next save is not stale
    assert f'name="q{headline.pk}-version" value="1"' in body


def test_a_stale_save_from_the_form_is_refused_and_offers_keep_mine_or_use_theirs(
    client, focal_a, contributor_a, assessment_a, questions
):
    question = _q(questions, "C04.in_place")
    services.answer_save(
        assessment=assessment_a, question=question, value="yes", user=focal_a, base_version=0
    )
    # the contributor's page was built from version 1; meanwhile the focal point saves version 2
    services.answer_save(
        assessment=assessment_a, question=question, value="no", user=focal_a, base_version=1
    )
    client.force_login(contributor_a)
    response = client.post(_domain_url(assessment_a, "D2"), _data(question, "dont_know", 1))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Focal_a saved a newer answer" in body and "Keep mine" in body and "Use theirs" in body
    assert f'name="keep_mine" value="{question.pk}"' in body
    assert f'name="q{question.pk}-theirs_version" value="2"' in body
    answer = Answer.objects.get(assessment=assessment_a, question=question)
    assert (answer.value, answer.version) == ("no", 2)  # unchanged

    # pressing Save again without choosing is still refused
    again = client.post(
        _domain_url(assessment_a, "D2"),
        {**_data(question, "dont_know", 1), f"q{question.pk}-theirs_version": "2"},
    )
    assert "Keep mine" in again.content.decode()
    answer.refresh_from_db()
    assert answer.value == "no"

    keep = client.post(
        _domain_url(assessment_a, "D2"),
        {
            **_data(question, "dont_know", 1),
            f"q{question.pk}-theirs_version": "2",
            "keep_mine": str(question.pk),
        },
    )
    assert keep.status_code == 302
    answer.refresh_from_db()
    assert (answer.value, answer.version, answer.updated_by) == ("dont_know", 3, contributor_a)


def test_use_theirs_keeps_the_newer_answer_and_saves_the_rest(
    client, focal_a, contributor_a, assessment_a, questions
):
    question, other = _q(questions, "C04.in_place"), _q(questions, "C04.maturity")
    services.answer_save(
        assessment=assessment_a, question=question, value="yes", user=focal_a, base_version=0
    )
    services.answer_save(
        assessment=assessment_a, question=question, value="no", user=focal_a, base_version=1
    )
    client.force_login(contributor_a)
    response = client.post(
        _domain_url(assessment_a, "D2"),
        {
            **_data(question, "dont_know", 1),
            f"q{question.pk}-theirs_version": "2",
            **_data(other, "3", 0),
            "use_theirs": str(question.pk),
        },
    )
    assert response.status_code == 302
    assert Answer.objects.get(assessment=assessment_a, question=question).value == "no"
    assert Answer.objects.get(assessment=assessment_a, question=other).value == "3"


def test_an_untouched_question_whose_answer_changed_meanwhile_is_not_a_conflict(
    client, focal_a, contributor_a, assessment_a, questions
):
    """The form posts every question; one the user did not change must not overwrite nor block."""
    question, edited = _q(questions, "C04.in_place"), _q(questions, "C04.maturity")
    services.answer_save(
        assessment=assessment_a, question=question, value="yes", user=focal_a, base_version=0
    )
    services.answer_save(
        assessment=assessment_a, question=question, value="no", user=focal_a, base_version=1
    )
    client.force_login(contributor_a)
    response = client.post(
        _domain_url(assessment_a, "D2"), {**_data(question, "yes", 1), **_data(edited, "2", 0)}
    )
    assert response.status_code == 302
    assert Answer.objects.get(assessment=assessment_a, question=question).value == "no"
    assert Answer.objects.get(assessment=assessment_a, question=edited).value == "2"


def test_autosave_saves_one_answer_and_returns_the_new_version(
    client, focal_a, assessment_a, questions
):
    question = _q(questions, "C01.strategy_year")
    client.force_login(focal_a)
    response = client.post(
        _save_url(assessment_a, question), _data(question, "2020,0", 0, comment=" Adopted ")
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "saved" and payload["version"] == 1
    assert re.fullmatch(r"\d\d:\d\d", payload["saved_at_display"])
    answer = Answer.objects.get(assessment=assessment_a, question=question)
    assert (answer.value, answer.comment) == ("2020", "Adopted")


def test_autosave_refuses_invalid_values_with_the_message(client, focal_a, assessment_a, questions):
    question = _q(questions, "C01.strategy_year")
    client.force_login(focal_a)
    response = client.post(_save_url(assessment_a, question), _data(question, "soon", 0))
    assert response.status_code == 400
    assert "Expected a number" in json.dumps(response.json()["errors"])
    response = client.post(
        _save_url(assessment_a, question),
        _data(question, "2020", 0, evidence="javascript:alert(1)"),
    )
    assert response.status_code == 400 and "evidence" in response.json()["errors"]
    assert not Answer.objects.filter(assessment=assessment_a, question=question).exists()


def test_autosave_stale_save_is_refused_with_the_newer_value_who_and_when(
    client, focal_a, contributor_a, assessment_a, questions
):
    question = _q(questions, "C04.in_place")
    services.answer_save(
        assessment=assessment_a,
        question=question,
        value="yes",
        comment="Law of 2019",
        user=focal_a,
        base_version=0,
    )
    client.force_login(contributor_a)
    response = client.post(_save_url(assessment_a, question), _data(question, "no", 0))
    assert response.status_code == 409
    payload = response.json()
    assert payload["status"] == "stale" and payload["version"] == 1
    assert payload["theirs"]["value"] == "yes" and payload["theirs"]["display"] == "Yes"
    assert payload["theirs"]["comment"] == "Law of 2019"
    assert payload["theirs"]["saved_by"] == "Focal_a" and payload["theirs"]["saved_at"]
    answer = Answer.objects.get(assessment=assessment_a, question=question)
    assert (answer.value, answer.version) == ("yes", 1)
    assert AnswerChange.objects.filter(answer=answer).count() == 1
    # "Keep mine": the same answer based on the version now seen is saved
    response = client.post(_save_url(assessment_a, question), _data(question, "no", 1))
    assert response.status_code == 200
    answer.refresh_from_db()
    assert (answer.value, answer.version) == ("no", 2)


def test_resending_an_answer_already_saved_is_not_a_conflict(
    client, focal_a, assessment_a, questions
):
    """A tab that lost the response resends the same answer from its old version."""
    question = _q(questions, "C01.in_place")
    client.force_login(focal_a)
    assert (
        client.post(_save_url(assessment_a, question), _data(question, "yes", 0)).status_code == 200
    )
    again = client.post(_save_url(assessment_a, question), _data(question, "yes", 0))
    assert again.status_code == 200 and again.json()["version"] == 1
    assert AnswerChange.objects.filter(answer__question=question).count() == 1


def test_autosave_needs_post_and_the_csrf_token(focal_a, assessment_a, questions):
    from django.test import Client

    question = _q(questions, "C01.in_place")
    client = Client(enforce_csrf_checks=True)
    client.force_login(focal_a)
    assert client.get(_save_url(assessment_a, question)).status_code == 405
    assert (
        client.post(_save_url(assessment_a, question), _data(question, "yes", 0)).status_code == 403
    )
    assert not Answer.objects.filter(question=question).exists()


def test_domain_page_loads_the_autosave_script_without_inline_script(client, focal_a, assessment_a):
    client.force_login(focal_a)
    response = client.get(_domain_url(assessment_a))
    body = response.content.decode()
    assert "js/questionnaire.js" in body
    assert 'id="questionnaire-strings" type="application/json"' in body
    assert re.search(r"<script>(?!\s*</script>)", body) is None
    assert " onclick=" not in body and " onchange=" not in body


def test_read_only_page_shows_values_as_text(client, focal_a, analyst, assessment_a, questions):
    question = _q(questions, "C01.body_members")
    first = question.options.all()[0]
    services.answer_save(
        assessment=assessment_a,
        question=question,
        value=first.code,
        evidence=["https://gov.example/terms"],
        user=focal_a,
        base_version=0,
    )
    force_submit(assessment_a, focal_a)
    client.force_login(focal_a)
    body = client.get(_domain_url(assessment_a)).content.decode()
    assert "<input" not in body.split('id="main"')[1].split("</main>")[0]
    assert first.label_en in body and 'href="https://gov.example/terms"' in body
    assert "js/questionnaire.js" not in body


@pytest.mark.parametrize("code", ["D1", "D2", "D3", "D4", "D5", "D6"])
def test_every_domain_page_renders_for_the_focal_point(client, focal_a, assessment_a, code):
    client.force_login(focal_a)
    assert client.get(_domain_url(assessment_a, code)).status_code == 200
