"""Who may read and change what, through every URL of an assessment (issue 3, "What it must show").

Country B's focal point never reads or changes country A's assessment (404 everywhere); a
contributor edits only their domains and cannot submit; a submitted assessment is read-only to the
country; analysts read submitted assessments but never edit answers, and never see a draft that was
never submitted.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from capabilities import permissions, services
from capabilities.models import Answer, Assessment, Question, Status
from tests._workflow import force_submit


def _question(questions: list[Question], code: str) -> Question:
    return next(q for q in questions if q.code == code)


def _assessment_urls(assessment: Assessment, question: Question) -> list[tuple[str, str]]:
    """(method, url) for every URL that carries the assessment."""
    pk = assessment.pk
    return [
        ("get", reverse("capabilities:dashboard", args=[pk])),
        ("get", reverse("capabilities:domain", args=[pk, "D1"])),
        ("post", reverse("capabilities:domain", args=[pk, "D1"])),
        ("post", reverse("capabilities:answer_save", args=[pk, question.pk])),
        ("get", reverse("capabilities:answer_history", args=[pk, question.pk])),
        ("get", reverse("capabilities:check_answers", args=[pk])),
        ("post", reverse("capabilities:submit", args=[pk])),
        ("get", reverse("capabilities:review", args=[pk])),
        ("post", reverse("capabilities:review_comment", args=[pk])),
        ("post", reverse("capabilities:return", args=[pk])),
        ("post", reverse("capabilities:validate", args=[pk])),
    ]


def _save_data(question: Question, value: str, version: int) -> dict[str, str]:
    prefix = f"q{question.pk}"
    return {
        f"{prefix}-value": value,
        f"{prefix}-version": str(version),
        f"{prefix}-comment": "",
        f"{prefix}-evidence": "",
    }


@pytest.fixture
def answered_a(assessment_a, focal_a, questions) -> Answer:
    question = _question(questions, "C01.in_place")
    result = services.answer_save(
        assessment=assessment_a, question=question, value="yes", user=focal_a, base_version=0
    )
    return result.answer


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.VALIDATED])
def test_another_countrys_focal_point_gets_404_on_every_url_of_the_assessment(
    client, focal_b, focal_a, assessment_a, answered_a, analyst, status
):
    if status != Status.DRAFT:
        force_submit(assessment_a, focal_a)
    if status == Status.VALIDATED:
        services.assessment_validate(assessment=assessment_a, user=analyst)
    client.force_login(focal_b)
    question = answered_a.question
    for method, url in _assessment_urls(assessment_a, question):
        data = {**_save_data(question, "no", answered_a.version), "reason": "x", "text": "x"}
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code == 404, (method, url, response.status_code)
    answered_a.refresh_from_db()
    assert answered_a.value == "yes"
    assessment_a.refresh_from_db()
    assert assessment_a.status == status


def test_another_countrys_contributor_gets_404_too(
    client, make_user, country_b, assessment_a, answered_a
):
    contributor_b = make_user("contrib_b", "contributor", country_b, ["D1"])
    client.force_login(contributor_b)
    for method, url in _assessment_urls(assessment_a, answered_a.question):
        response = getattr(client, method)(url, {}) if method == "post" else client.get(url)
        assert response.status_code == 404, (method, url)


def test_other_countrys_assessment_is_not_listed_on_their_home_page(
    client, focal_b, assessment_a, assessment_b, answered_a
):
    client.force_login(focal_b)
    body = client.get(reverse("home")).content.decode()
    assert reverse("capabilities:dashboard", args=[assessment_b.pk]) in body
    assert reverse("capabilities:dashboard", args=[assessment_a.pk]) not in body
    assert "Ghana" not in body


def test_country_users_cannot_open_the_analysts_pages(client, focal_a, contributor_a):
    for user in (focal_a, contributor_a):
        client.force_login(user)
        assert client.get(reverse("capabilities:review_queue")).status_code == 403
        assert client.get(reverse("capabilities:assessment_list")).status_code == 403


def test_contributor_cannot_change_answers_outside_their_domains(
    client, contributor_a, assessment_a, questions
):
    outside = _question(questions, "C01.in_place")  # D1; the contributor has D2 only
    client.force_login(contributor_a)
    page = client.get(reverse("capabilities:domain", args=[assessment_a.pk, "D1"]))
    assert page.status_code == 200
    assert f'name="q{outside.pk}-value"' not in page.content.decode()  # read-only
    response = client.post(
        reverse("capabilities:domain", args=[assessment_a.pk, "D1"]), _save_data(outside, "yes", 0)
    )
    assert response.status_code == 403
    response = client.post(
        reverse("capabilities:answer_save", args=[assessment_a.pk, outside.pk]),
        _save_data(outside, "yes", 0),
    )
    assert response.status_code == 403
    assert not Answer.objects.filter(assessment=assessment_a, question=outside).exists()


def test_contributor_can_change_answers_in_their_domain(
    client, contributor_a, assessment_a, questions
):
    inside = _question(questions, "C04.in_place")  # D2
    client.force_login(contributor_a)
    page = client.get(reverse("capabilities:domain", args=[assessment_a.pk, "D2"]))
    assert f'name="q{inside.pk}-value"' in page.content.decode()
    response = client.post(
        reverse("capabilities:answer_save", args=[assessment_a.pk, inside.pk]),
        _save_data(inside, "no", 0),
    )
    assert response.status_code == 200
    assert Answer.objects.get(assessment=assessment_a, question=inside).value == "no"


def test_contributor_cannot_submit(client, contributor_a, focal_a, assessment_a, questions):
    for question in questions:
        if question.required:
            services.answer_save(
                assessment=assessment_a,
                question=question,
                value="1" if question.kind == "maturity" else "yes",
                user=focal_a,
                base_version=0,
            )
    client.force_login(contributor_a)
    page = client.get(reverse("capabilities:check_answers", args=[assessment_a.pk]))
    assert reverse("capabilities:submit", args=[assessment_a.pk]) not in page.content.decode()
    response = client.post(reverse("capabilities:submit", args=[assessment_a.pk]))
    assert response.status_code == 403
    assessment_a.refresh_from_db()
    assert assessment_a.status == Status.DRAFT


def test_submitted_assessment_cannot_be_changed_by_the_country(
    client, focal_a, contributor_a, assessment_a, answered_a
):
    force_submit(assessment_a, focal_a)
    question = answered_a.question
    for user in (focal_a, contributor_a):
        client.force_login(user)
        page = client.get(reverse("capabilities:domain", args=[assessment_a.pk, "D1"]))
        body = page.content.decode()
        assert page.status_code == 200
        assert f'name="q{question.pk}-value"' not in body and "read-only" in body
        response = client.post(
            reverse("capabilities:domain", args=[assessment_a.pk, "D1"]),
            _save_data(question, "no", answered_a.version),
        )
        assert response.status_code == 403
        response = client.post(
            reverse("capabilities:answer_save", args=[assessment_a.pk, question.pk]),
            _save_data(question, "no", answered_a.version),
        )
        assert response.status_code == 403
    answered_a.refresh_from_db()
    assert (answered_a.value, answered_a.version) == ("yes", 1)


def test_analyst_never_sees_a_draft_that_was_never_submitted(
    client, analyst, assessment_a, answered_a
):
    client.force_login(analyst)
    for method, url in _assessment_urls(assessment_a, answered_a.question):
        response = getattr(client, method)(url, {}) if method == "post" else client.get(url)
        assert response.status_code == 404, (method, url)


def test_analyst_reads_a_submitted_assessment_but_never_edits_answers(
    client, analyst, focal_a, assessment_a, answered_a
):
    force_submit(assessment_a, focal_a)
    client.force_login(analyst)
    question = answered_a.question
    page = client.get(reverse("capabilities:domain", args=[assessment_a.pk, "D1"]))
    assert page.status_code == 200
    assert f'name="q{question.pk}-value"' not in page.content.decode()
    assert client.get(reverse("capabilities:review", args=[assessment_a.pk])).status_code == 200
    response = client.post(
        reverse("capabilities:answer_save", args=[assessment_a.pk, question.pk]),
        _save_data(question, "no", 1),
    )
    assert response.status_code == 403
    response = client.post(
        reverse("capabilities:domain", args=[assessment_a.pk, "D1"]), _save_data(question, "no", 1)
    )
    assert response.status_code == 403
    answered_a.refresh_from_db()
    assert answered_a.value == "yes"


def test_analyst_still_cannot_edit_after_returning_the_assessment(
    client, analyst, focal_a, assessment_a, answered_a
):
    force_submit(assessment_a, focal_a)
    services.assessment_return(assessment=assessment_a, user=analyst, reason="Add evidence.")
    client.force_login(analyst)
    response = client.post(
        reverse("capabilities:answer_save", args=[assessment_a.pk, answered_a.question_id]),
        _save_data(answered_a.question, "no", 1),
    )
    assert response.status_code == 403


def test_country_users_cannot_review_their_own_assessment(
    client, focal_a, assessment_a, answered_a
):
    force_submit(assessment_a, focal_a)
    client.force_login(focal_a)
    pk = assessment_a.pk
    assert client.get(reverse("capabilities:review", args=[pk])).status_code == 403
    assert (
        client.post(reverse("capabilities:return", args=[pk]), {"reason": "x"}).status_code == 403
    )
    assert client.post(reverse("capabilities:validate", args=[pk])).status_code == 403
    response = client.post(
        reverse("capabilities:review_comment", args=[pk]),
        {"question": answered_a.question_id, "text": "x"},
    )
    assert response.status_code == 403
    assessment_a.refresh_from_db()
    assert assessment_a.status == Status.SUBMITTED


def test_a_question_of_another_framework_or_unknown_id_is_404(client, focal_a, assessment_a):
    client.force_login(focal_a)
    response = client.post(reverse("capabilities:answer_save", args=[assessment_a.pk, 999999]), {})
    assert response.status_code == 404
    assert (
        client.get(reverse("capabilities:domain", args=[assessment_a.pk, "D99"])).status_code == 404
    )


def test_anonymous_users_are_sent_to_login(client, assessment_a):
    response = client.get(reverse("capabilities:dashboard", args=[assessment_a.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_analysts_list_marks_never_submitted_drafts_as_unreadable(
    analyst, focal_a, assessment_a, assessment_b, answered_a, cycle
):
    force_submit(assessment_a, focal_a)
    rows = {a.pk: a.answers_readable for a in permissions.cycle_assessments(analyst, cycle)}
    assert rows == {assessment_a.pk: True, assessment_b.pk: False}


def test_offline_file_carries_the_domains_a_person_may_edit_or_a_contributors_own_when_read_only(
    assessment_a, focal_a, contributor_a
):
    assert permissions.offline_file_domain_codes(focal_a, assessment_a) is None  # all
    assert permissions.offline_file_domain_codes(contributor_a, assessment_a) == {"D2"}
    force_submit(assessment_a, focal_a)
    assessment_a.refresh_from_db()
    assert not permissions.can_edit_assessment(contributor_a, assessment_a)
    assert permissions.offline_file_domain_codes(focal_a, assessment_a) is None
    assert permissions.offline_file_domain_codes(contributor_a, assessment_a) == {"D2"}
