"""The reviewer's "changes since the last submission" view and the queue's resubmission marks."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import strip_tags

from capabilities import questionnaire, services
from tests._workflow import force_submit


def _text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def test_changes_between_submissions_answers_comments_evidence(
    client, analyst, focal_a, assessment_a, questions
):
    q1, q2, q3 = questions[0], questions[1], questions[2]
    for q in (q1, q2, q3):
        services.answer_save(
            assessment=assessment_a, question=q, value="no", user=focal_a, base_version=0
        )
    force_submit(assessment_a, focal_a)
    assert questionnaire.changes_since_last_submission(assessment_a) is None  # first submission
    comment = services.review_comment_add(
        assessment=assessment_a, question=q1, user=analyst, text="Is this still true?"
    )
    services.assessment_return(assessment=assessment_a, user=analyst, reason="Check C01.")

    # While returned: the changes so far.
    services.answer_save(
        assessment=assessment_a, question=q1, value="yes", user=focal_a, base_version=1
    )
    pending = questionnaire.changes_since_last_submission(assessment_a)
    assert pending.latest is None and [d.question for d in pending.answers] == [q1]

    # q1: no → yes → yes with evidence; q2: no → yes → no (net: unchanged, not listed);
    # q3 untouched.
    services.answer_save(
        assessment=assessment_a,
        question=q1,
        value="yes",
        evidence=["https://gov.example/decree"],
        comment="Decree adopted",
        user=focal_a,
        base_version=2,
    )
    services.answer_save(
        assessment=assessment_a, question=q2, value="yes", user=focal_a, base_version=1
    )
    services.answer_save(
        assessment=assessment_a, question=q2, value="no", user=focal_a, base_version=2
    )
    services.comment_reply(thread=comment, user=focal_a, text="Yes, since May.")
    force_submit(assessment_a, focal_a)

    changes = questionnaire.changes_since_last_submission(assessment_a)
    assert changes.latest is not None
    assert [d.question for d in changes.answers] == [q1]
    diff = changes.answers[0]
    assert (diff.old_value, diff.new_value) == ("no", "yes")
    assert diff.evidence_added == ["https://gov.example/decree"]
    assert (diff.old_comment, diff.new_comment) == ("", "Decree adopted")
    # The reviewer's comment that led to the change, and the country's reply.
    assert [c.text for c in changes.comments] == ["Is this still true?", "Yes, since May."]

    client.force_login(analyst)
    queue = client.get(reverse("capabilities:review_queue")).content.decode()
    assert "resubmitted" in queue
    assert reverse("capabilities:changes_since_submission", args=[assessment_a.pk]) in queue
    review = _text(client.get(reverse("capabilities:review", args=[assessment_a.pk])))
    assert "1 answer changed since the last submission." in review
    page = client.get(reverse("capabilities:changes_since_submission", args=[assessment_a.pk]))
    assert page.status_code == 200
    text = _text(page)
    assert q1.code in text and q2.code not in text
    assert "https://gov.example/decree" in text and "Yes, since May." in text


def test_first_submission_is_not_marked_as_resubmitted(
    client, analyst, focal_a, assessment_a, questions
):
    services.answer_save(
        assessment=assessment_a, question=questions[0], value="no", user=focal_a, base_version=0
    )
    force_submit(assessment_a, focal_a)
    client.force_login(analyst)
    queue = client.get(reverse("capabilities:review_queue")).content.decode()
    assert "resubmitted" not in queue
    page = _text(
        client.get(reverse("capabilities:changes_since_submission", args=[assessment_a.pk]))
    )
    assert "has not been resubmitted" in page
