"""The review workflow in real headless Chromium, two people in two browsers: the analyst opens the
review queue and a submitted assessment, comments on an answer, is refused a return without a
reason (a visible error summary linked to the field), returns it with a reason; the focal point
signs in and sees the reason and the comment, answers again and resubmits; the analyst validates.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, expect

from capabilities import services
from capabilities.models import Assessment, Question, ReviewComment, Status, StatusChange

from ._helpers import axe_violations, dangling_references, question, sign_in, watch
from .conftest import fill_required

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "Please add evidence for the hotline (C12) and check the maturity phases."
COMMENT = "Which law is this? Please add a link to the text."


@pytest.fixture
def submitted(demo_world) -> Assessment:
    """Demo country A, every required question answered, submitted by its focal point."""
    assessment = Assessment.objects.select_related("cycle__framework").get(
        country__code="DEMO-A", cycle__code=demo_world
    )
    focal = get_user_model().objects.get(username="focal")
    fill_required(assessment, user=focal)
    services.assessment_submit(assessment=assessment, user=focal)
    return assessment


def test_analyst_returns_with_a_reason_the_focal_point_resubmits_and_the_analyst_validates(
    browser: Browser, live_server, submitted
):
    url = live_server.url
    analyst_context, focal_context = browser.new_context(), browser.new_context()
    analyst, focal = analyst_context.new_page(), focal_context.new_page()
    analyst_seen, focal_seen = watch(analyst), watch(focal)

    # the analyst: queue → review of Demo country A
    sign_in(analyst, url, "analyst")
    analyst.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Review queue"
    ).click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text(
        "Submitted assessments waiting for review"
    )
    queue = analyst.locator("table.review-queue tbody tr")
    expect(queue.filter(has_text="Demo country A")).to_have_count(1)
    analyst.get_by_role("link", name="Review Demo country A").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Review of Demo country A")
    assert axe_violations(analyst) == []

    # a comment on one answer
    box = question(analyst, "C20.in_place")
    label = Question.objects.get(framework=submitted.cycle.framework, code="C20.in_place").label
    box.get_by_label(f"Comment for the country on “{label}”").fill(COMMENT)
    box.get_by_role("button", name=f"Add comment – {label}").click()
    expect(analyst.locator(".alert-success")).to_contain_text("Comment added")
    expect(question(analyst, "C20.in_place").locator(".review-comment")).to_contain_text(COMMENT)

    # a return without a reason is refused, with an error summary linked to the field
    analyst.get_by_role("button", name="Return with this reason").click()
    summary = analyst.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Say why the assessment is returned")
    expect(analyst).to_have_title(re.compile(r"^Error: "))
    expect(summary).to_be_focused()
    reason = analyst.get_by_label("Why is the assessment returned?")
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert dangling_references(analyst) == []
    summary.get_by_role("link").click()
    expect(reason).to_be_focused()
    assert axe_violations(analyst) == []
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED

    # returned with a reason
    reason.fill(REASON)
    analyst.get_by_role("button", name="Return with this reason").click()
    expect(analyst.locator(".alert-success")).to_contain_text("returned to the country")
    expect(analyst.locator("table.review-queue").filter(has_text="Demo country A")).to_have_count(0)
    submitted.refresh_from_db()
    assert submitted.status == Status.DRAFT

    # the focal point sees the reason and the comment, on the dashboard and beside the answer
    sign_in(focal, url, "focal")
    focal.get_by_role("link", name=re.compile("2025 assessment")).first.click()
    expect(focal.locator(".returned-reason")).to_contain_text(REASON)
    expect(focal.locator(".returned-reason")).to_contain_text("Ana Analyst")
    expect(focal.locator(".review-comments")).to_contain_text(COMMENT)
    assert axe_violations(focal) == []
    focal.locator(".review-comments").get_by_role("link", name=label).click()
    expect(question(focal, "C20.in_place").locator(".review-comments")).to_contain_text(COMMENT)
    # the focal point answers the comment and resubmits
    comment = question(focal, "C20.in_place").get_by_label("Comment (optional)")
    comment.fill("Child Online Protection Act 2024, section 12.")
    expect(question(focal, "C20.in_place").locator("[data-save-status]")).to_have_text(
        re.compile(r"^Saved at"), timeout=10000
    )
    focal.get_by_role("link", name="Check answers").click()
    focal.get_by_role("button", name="Submit the assessment").click()
    expect(focal.locator(".alert-success")).to_contain_text("Assessment submitted")
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED

    # the analyst finds it in the queue again and validates it
    analyst.reload()
    analyst.get_by_role("link", name="Review Demo country A").click()
    expect(question(analyst, "C20.in_place")).to_contain_text("Child Online Protection Act 2024")
    analyst.get_by_role("button", name="Validate the assessment").click()
    expect(analyst.locator(".alert-success")).to_contain_text("Assessment validated")
    submitted.refresh_from_db()
    assert submitted.status == Status.VALIDATED
    changes = list(
        StatusChange.objects.filter(assessment=submitted)
        .order_by("pk")
        .values_list("to_status", "reason")
    )
    assert changes[-3:] == [
        (Status.DRAFT, REASON),
        (Status.SUBMITTED, ""),
        (Status.VALIDATED, ""),
    ]
    assert ReviewComment.objects.get(assessment=submitted).text == COMMENT
    # the focal point's dashboard now says validated (read-only)
    focal.goto(f"{url}/assessments/{submitted.pk}/")
    expect(focal.locator(".status-badge")).to_have_text("Validated")
    # the refused return answers 400 (the form with its errors): Chromium logs that status
    assert analyst_seen.errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    assert focal_seen.errors == []
    analyst_context.close()
    focal_context.close()
