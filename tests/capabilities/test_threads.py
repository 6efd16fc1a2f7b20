"""Comment threads on answers: reply from both sides, resolve and reopen, unresolved counts, the
history of every comment, and what a printed report lists."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from capabilities import questionnaire, services
from capabilities.models import Assessment, ReviewComment, Status


def _text(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    from django.utils.html import strip_tags

    return " ".join(strip_tags(response.content.decode()).split())


@pytest.fixture
def submitted_a(assessment_a, focal_a, questions):
    services.answer_save(
        assessment=assessment_a, question=questions[0], value="yes", user=focal_a, base_version=0
    )
    Assessment.objects.filter(pk=assessment_a.pk).update(
        status=Status.SUBMITTED, submitted_at=timezone.now()
    )
    assessment_a.refresh_from_db()
    return assessment_a


def test_country_and_secretariat_reply_then_resolve_and_reopen(
    client, analyst, focal_a, contributor_a, focal_b, submitted_a, questions
):
    q = questions[0]
    thread = services.review_comment_add(
        assessment=submitted_a, question=q, user=analyst, text="Which decree?"
    )
    url = reverse("capabilities:comment_thread", args=[submitted_a.pk, q.pk])

    client.force_login(focal_a)
    response = client.post(url, {"thread": thread.pk, "action": "reply", "text": "Decree 12/2024."})
    assert response.status_code == 302
    client.force_login(contributor_a)
    client.post(url, {"thread": thread.pk, "action": "reply", "text": "Annex attached."})
    client.force_login(analyst)
    client.post(url, {"thread": thread.pk, "action": "reply", "text": "Thank you."})
    assert questionnaire.unresolved_thread_count(submitted_a) == 1

    client.post(url, {"thread": thread.pk, "action": "resolve", "text": ""})
    thread.refresh_from_db()
    assert thread.resolved_by == analyst and thread.resolved_at is not None
    assert questionnaire.unresolved_thread_count(submitted_a) == 0

    client.force_login(focal_a)
    client.post(url, {"thread": thread.pk, "action": "reopen", "text": "One more question."})
    thread.refresh_from_db()
    assert thread.resolved_at is None
    assert questionnaire.unresolved_thread_count(submitted_a) == 1

    replies = list(thread.replies.order_by("pk").values_list("action", "text"))
    assert replies == [
        ("", "Decree 12/2024."),
        ("", "Annex attached."),
        ("", "Thank you."),
        ("resolved", ""),
        ("reopened", "One more question."),
    ]
    page = client.get(url).content.decode()
    assert "Decree 12/2024." in page and "Reopened by" in page

    # Another country neither reads nor writes the thread.
    client.force_login(focal_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {"thread": thread.pk, "text": "x"}).status_code == 404
    assert thread.replies.count() == 5


def test_empty_reply_is_refused_with_a_message(client, analyst, focal_a, submitted_a, questions):
    q = questions[0]
    thread = services.review_comment_add(
        assessment=submitted_a, question=q, user=analyst, text="Which decree?"
    )
    client.force_login(focal_a)
    url = reverse("capabilities:comment_thread", args=[submitted_a.pk, q.pk])
    response = client.post(url, {"thread": thread.pk, "action": "reply", "text": "  "})
    assert response.status_code == 400
    assert "The reply is empty." in response.content.decode()
    assert thread.replies.count() == 0
    with pytest.raises(ValidationError):
        services.comment_set_resolved(thread=thread, user=analyst, resolved=False)


def test_unresolved_counts_on_assessment_and_review_pages_and_history(
    client, analyst, focal_a, submitted_a, questions
):
    q1, q2 = questions[0], questions[1]
    first = services.review_comment_add(
        assessment=submitted_a, question=q1, user=analyst, text="First point"
    )
    services.review_comment_add(
        assessment=submitted_a, question=q2, user=analyst, text="Second point"
    )
    services.comment_reply(thread=first, user=focal_a, text="Answered in the annex")
    client.force_login(focal_a)
    page = _text(client.get(reverse("capabilities:dashboard", args=[submitted_a.pk])))
    assert "2 unresolved comment threads" in page
    client.force_login(analyst)
    response = client.get(reverse("capabilities:review", args=[submitted_a.pk]))
    page = _text(response)
    assert "2 unresolved comment threads" in page
    assert "1 reply: read, reply or resolve" in page
    assert 'href="#summary-D1"' in response.content.decode()  # jump to a domain
    services.comment_set_resolved(thread=first, user=analyst, resolved=True)
    page = _text(client.get(reverse("capabilities:review", args=[submitted_a.pk])))
    assert "1 unresolved comment thread " in page

    history = client.get(
        reverse("capabilities:answer_history", args=[submitted_a.pk, q1.pk])
    ).content.decode()
    assert "First point" in history and "Answered in the annex" in history
    assert "Resolved the thread" in history

    # The printed country report lists the unresolved ones only, with their replies.
    from reports import pdf

    html = pdf.country_report_html(pdf.build_country_report(submitted_a, lang="en"))
    assert "Open comments from the review" in html
    assert "Second point" in html and "First point" not in html


def test_a_thread_cannot_start_without_text_nor_resolve_a_reply(analyst, submitted_a, questions):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewComment.objects.create(
            assessment=submitted_a, question=questions[0], author=analyst, text=""
        )
    root = services.review_comment_add(
        assessment=submitted_a, question=questions[0], user=analyst, text="Point"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewComment.objects.create(
            assessment=submitted_a,
            question=questions[0],
            parent=root,
            author=analyst,
            text="x",
            resolved_at=timezone.now(),
        )
