"""Check your answers, submit, return with a reason (and the mail), comment, validate."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from capabilities import services
from capabilities.models import Question, ReviewComment, Status, StatusChange


def _answer_required(assessment, user, questions: list[Question], skip: set[str] = frozenset()):
    for question in questions:
        if question.required and question.code not in skip:
            services.answer_save(
                assessment=assessment,
                question=question,
                value="2" if question.kind == "maturity" else "yes",
                user=user,
                base_version=0,
            )


@pytest.fixture
def submitted_a(assessment_a, focal_a, questions):
    _answer_required(assessment_a, focal_a, questions)
    services.assessment_submit(assessment=assessment_a, user=focal_a)
    mail.outbox.clear()
    return assessment_a


def test_check_answers_lists_unanswered_required_questions_and_withholds_submit(
    client, focal_a, assessment_a, questions
):
    _answer_required(assessment_a, focal_a, questions, skip={"C01.in_place", "C21.maturity"})
    client.force_login(focal_a)
    body = client.get(
        reverse("capabilities:check_answers", args=[assessment_a.pk])
    ).content.decode()
    assert "2 required questions are not answered" in body
    assert (
        f'href="{reverse("capabilities:domain", args=[assessment_a.pk, "D1"])}#q-C01.in_place"'
        in body
    )
    assert "#q-C21.maturity" in body
    assert reverse("capabilities:submit", args=[assessment_a.pk]) not in body
    # and the service refuses a forced POST as well
    response = client.post(reverse("capabilities:submit", args=[assessment_a.pk]), follow=True)
    assert "2 required questions are not answered yet" in response.content.decode()
    assessment_a.refresh_from_db()
    assert assessment_a.status == Status.DRAFT


def test_check_answers_has_a_change_link_beside_every_answer(
    client, focal_a, assessment_a, questions
):
    client.force_login(focal_a)
    body = client.get(
        reverse("capabilities:check_answers", args=[assessment_a.pk])
    ).content.decode()
    assert body.count(">Change<span") == len(questions) == 108


def test_focal_point_submits_and_the_assessment_becomes_read_only(
    client, focal_a, assessment_a, questions
):
    _answer_required(assessment_a, focal_a, questions)
    client.force_login(focal_a)
    body = client.get(
        reverse("capabilities:check_answers", args=[assessment_a.pk])
    ).content.decode()
    assert "Submit the assessment" in body
    response = client.post(reverse("capabilities:submit", args=[assessment_a.pk]))
    assert response["Location"] == reverse("capabilities:dashboard", args=[assessment_a.pk])
    assessment_a.refresh_from_db()
    assert assessment_a.status == Status.SUBMITTED and assessment_a.submitted_at
    change = StatusChange.objects.filter(assessment=assessment_a).latest("pk")
    assert (change.from_status, change.to_status, change.changed_by) == (
        Status.DRAFT,
        Status.SUBMITTED,
        focal_a,
    )
    dashboard = client.get(response["Location"]).content.decode()
    assert "reviewing it" in dashboard
    assert client.post(reverse("capabilities:submit", args=[assessment_a.pk])).status_code == 403


def test_submitted_assessment_is_in_the_analysts_queue(client, analyst, submitted_a):
    client.force_login(analyst)
    body = client.get(reverse("capabilities:review_queue")).content.decode()
    assert "Ghana" in body and reverse("capabilities:review", args=[submitted_a.pk]) in body


def test_return_without_a_reason_is_refused(client, analyst, submitted_a):
    client.force_login(analyst)
    response = client.post(reverse("capabilities:return", args=[submitted_a.pk]), {"reason": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "Say why the assessment is returned" in body
    submitted_a.refresh_from_db()
    assert submitted_a.status == Status.SUBMITTED
    assert (
        not StatusChange.objects.filter(assessment=submitted_a, to_status=Status.DRAFT)
        .exclude(from_status=Status.NOT_STARTED)
        .exists()
    )
    assert mail.outbox == []


def test_return_with_a_reason_makes_a_draft_mails_the_focal_point_and_shows_the_reason(
    client, analyst, focal_a, submitted_a, questions, django_capture_on_commit_callbacks
):
    question = next(q for q in questions if q.code == "C12.in_place")
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("capabilities:review_comment", args=[submitted_a.pk]),
            {"question": question.pk, "text": "Which law is meant here?"},
        )
        response = client.post(
            reverse("capabilities:return", args=[submitted_a.pk]),
            {"reason": "Please add evidence for the hotline."},
        )
    assert response.status_code == 302
    submitted_a.refresh_from_db()
    assert submitted_a.status == Status.DRAFT
    change = StatusChange.objects.filter(assessment=submitted_a).latest("pk")
    assert (change.to_status, change.reason, change.changed_by) == (
        Status.DRAFT,
        "Please add evidence for the hotline.",
        analyst,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [focal_a.email]
    assert "Please add evidence for the hotline." in mail.outbox[0].body

    client.force_login(focal_a)
    dashboard = client.get(
        reverse("capabilities:dashboard", args=[submitted_a.pk])
    ).content.decode()
    assert "Returned by the Alliance secretariat" in dashboard
    assert "Please add evidence for the hotline." in dashboard
    assert "Which law is meant here?" in dashboard
    domain = client.get(
        reverse("capabilities:domain", args=[submitted_a.pk, question.capability.domain.code])
    ).content.decode()
    beside = domain.split('id="q-C12.in_place"')[1].split('class="question card')[0]
    assert "Which law is meant here?" in beside
    assert f'name="q{question.pk}-value"' in domain  # editable again


def test_analyst_comment_needs_text_and_a_submitted_assessment(
    client, analyst, submitted_a, questions
):
    client.force_login(analyst)
    url = reverse("capabilities:review_comment", args=[submitted_a.pk])
    response = client.post(url, {"question": questions[0].pk, "text": ""})
    assert response.status_code == 400 and "Write the comment" in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_analyst_validates_and_the_focal_point_is_told(
    client, analyst, focal_a, submitted_a, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("capabilities:validate", args=[submitted_a.pk]))
    assert response.status_code == 302
    submitted_a.refresh_from_db()
    assert submitted_a.status == Status.VALIDATED and submitted_a.validated_at
    assert len(mail.outbox) == 1 and "Validated" in mail.outbox[0].subject
    assert client.post(reverse("capabilities:validate", args=[submitted_a.pk])).status_code == 403
    client.force_login(focal_a)
    body = client.get(reverse("capabilities:dashboard", args=[submitted_a.pk])).content.decode()
    assert "validated this assessment" in body


def test_review_page_shows_answers_and_forms_only_while_submitted(client, analyst, submitted_a):
    client.force_login(analyst)
    body = client.get(reverse("capabilities:review", args=[submitted_a.pk])).content.decode()
    assert "Return with this reason" in body and "Validate the assessment" in body
    assert body.count("Add comment") == 108
    services.assessment_validate(assessment=submitted_a, user=analyst)
    body = client.get(reverse("capabilities:review", args=[submitted_a.pk])).content.decode()
    assert "Return with this reason" not in body and "Add comment" not in body


def test_returned_assessment_can_be_corrected_and_resubmitted(
    client, analyst, focal_a, submitted_a, questions
):
    services.assessment_return(assessment=submitted_a, user=analyst, reason="Check C01.")
    question = next(q for q in questions if q.code == "C01.in_place")
    client.force_login(focal_a)
    response = client.post(
        reverse("capabilities:answer_save", args=[submitted_a.pk, question.pk]),
        {f"q{question.pk}-value": "no", f"q{question.pk}-version": "1"},
    )
    assert response.status_code == 200
    client.post(reverse("capabilities:submit", args=[submitted_a.pk]))
    submitted_a.refresh_from_db()
    assert submitted_a.status == Status.SUBMITTED
    statuses = list(
        StatusChange.objects.filter(assessment=submitted_a).values_list("from_status", "to_status")
    )
    assert statuses == [
        ("not_started", "draft"),
        ("draft", "submitted"),
        ("submitted", "draft"),
        ("draft", "submitted"),
    ]
