"""The demo focal point's journey in real headless Chromium: sign in, answer one domain with
autosave (the answers survive a reload and are in the database), check the answers and submit.
Also: a lost connection is shown and the answer is sent when it returns, and a stale save shows
the newer answer with "Keep mine" / "Use theirs". No console errors anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from capabilities import demo, services
from capabilities.models import Answer, Assessment, Question, Status
from capabilities.reference_data import load_all

from ._helpers import BROWSER_PASSWORD, use_browser_passwords


def _value(question: Question) -> str:
    if question.kind == "maturity":
        return "2"
    if question.kind == "yes_no":
        return "yes"
    return ""


@pytest.fixture
def demo_assessment(settings) -> Assessment:
    """Reference and demo data (transactional tests start empty); Demo country A's draft with
    every required answer outside D6 filled in through the services."""
    load_all()
    settings.DEBUG = True  # demo logins exist only in DEBUG
    demo.load_demo()
    settings.DEBUG = False
    use_browser_passwords()  # the demo password is refused with DEBUG off
    assessment = Assessment.objects.select_related("cycle__framework").get(
        country__code="DEMO-A", cycle__code=demo.DEMO_CYCLE
    )
    focal = get_user_model().objects.get(username="focal")
    answered = set(assessment.answers.exclude(value="").values_list("question_id", flat=True))
    for question in Question.objects.for_framework(assessment.cycle.framework).with_structure():
        domain = question.capability.domain.code
        if question.required and domain != "D6" and question.pk not in answered:
            services.answer_save(
                assessment=assessment,
                question=question,
                value=_value(question),
                user=focal,
                base_version=0,
            )
    return assessment


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []
    # base.html declares no icon, so Chromium asks for /favicon.ico (not this page's concern)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def _axe_violations(page: Page) -> list[str]:
    """Serious or critical WCAG 2.1 A/AA violations (axe-core; evaluate is not bound by CSP)."""
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _sign_in(page: Page, live_server, username: str = "focal") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")


def _question(page: Page, code: str):
    return page.locator(f'[id="q-{code}"]')


@pytest.mark.django_db(transaction=True)
def test_focal_point_answers_a_domain_with_autosave_and_submits(
    page: Page, live_server, demo_assessment, artifacts_dir
):
    errors = _watch_console(page)
    _sign_in(page, live_server)
    page.get_by_role("link", name=re.compile("^2025 assessment")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Demo country A")
    assert _axe_violations(page) == []
    page.get_by_role("link", name=re.compile(r"^D6\.")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("D6.")
    assert _axe_violations(page) == []

    _question(page, "C20.in_place").get_by_label("Yes", exact=True).check()
    _question(page, "C20.maturity").get_by_label(re.compile("^Phase 3")).check()
    _question(page, "C21.in_place").get_by_label("Don't know").check()
    _question(page, "C21.maturity").get_by_label(re.compile("^Phase 2")).check()
    _question(page, "C21.in_place").get_by_text("Comment and evidence links").click()  # folded
    comment = _question(page, "C21.in_place").get_by_label("Comment (optional)")
    comment.fill("Law in parliament, vote expected next year.")
    for code in ("C20.in_place", "C20.maturity", "C21.in_place", "C21.maturity"):
        expect(_question(page, code).locator("[data-save-status]")).to_have_text(
            re.compile(r"^Saved at \d\d:\d\d$"), timeout=10000
        )
    page.wait_for_timeout(300)
    expect(_question(page, "C21.in_place").locator("[data-save-status]")).to_have_text(
        re.compile(r"^Saved at"), timeout=10000
    )
    page.screenshot(path=f"{artifacts_dir}/focal_point_autosaved_d6.png", full_page=True)

    stored = {
        a.question.code: a
        for a in Answer.objects.filter(
            assessment=demo_assessment, question__capability__domain__code="D6"
        ).select_related("question")
    }
    assert stored["C20.in_place"].value == "yes"
    assert stored["C20.maturity"].value == "3"
    assert stored["C21.in_place"].value == "dont_know"
    assert stored["C21.in_place"].comment == "Law in parliament, vote expected next year."
    assert stored["C21.maturity"].value == "2"

    page.reload()
    expect(_question(page, "C20.in_place").get_by_label("Yes", exact=True)).to_be_checked()
    expect(_question(page, "C20.maturity").get_by_label(re.compile("^Phase 3"))).to_be_checked()
    expect(_question(page, "C21.in_place").get_by_label("Don't know")).to_be_checked()
    expect(_question(page, "C21.in_place").get_by_label("Comment (optional)")).to_have_value(
        "Law in parliament, vote expected next year."
    )

    page.get_by_role("link", name="Check answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    expect(page.locator(".missing-required")).to_have_count(0)
    assert _axe_violations(page) == []
    page.get_by_role("button", name="Submit the assessment").click()
    expect(page.locator(".alert-success")).to_contain_text("Assessment submitted")
    demo_assessment.refresh_from_db()
    assert demo_assessment.status == Status.SUBMITTED
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_lost_connection_is_shown_and_the_answer_sent_when_it_returns(
    page: Page, live_server, demo_assessment
):
    errors = _watch_console(page)
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/assessments/{demo_assessment.pk}/domains/D6/")
    page.context.set_offline(True)
    _question(page, "C20.in_place").get_by_label("No", exact=True).check()
    status = _question(page, "C20.in_place").locator("[data-save-status]")
    expect(status).to_contain_text("Offline", timeout=10000)
    key = f"mrn-assess:unsent:{demo_assessment.pk}:"
    kept = page.evaluate(f"Object.keys(localStorage).filter(k => k.startsWith('{key}')).length")
    assert kept == 1
    assert not Answer.objects.filter(
        assessment=demo_assessment, question__code="C20.in_place"
    ).exists()
    page.context.set_offline(False)
    expect(status).to_have_text(re.compile(r"^Saved at"), timeout=10000)
    answer = Answer.objects.get(assessment=demo_assessment, question__code="C20.in_place")
    assert answer.value == "no"
    assert (
        page.evaluate(f"Object.keys(localStorage).filter(k => k.startsWith('{key}')).length") == 0
    )
    # the offline fetch failure is the only console error allowed
    assert all("Failed to fetch" in e or "ERR_INTERNET_DISCONNECTED" in e for e in errors)


@pytest.mark.django_db(transaction=True)
def test_a_stale_autosave_shows_their_answer_and_use_theirs_puts_it_in_the_field(
    page: Page, live_server, demo_assessment
):
    errors = _watch_console(page)
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/assessments/{demo_assessment.pk}/domains/D6/")
    # meanwhile the administrator answers the same question
    question = Question.objects.get(framework=demo_assessment.cycle.framework, code="C20.in_place")
    admin = get_user_model().objects.get(username="admin")
    services.answer_save(
        assessment=demo_assessment, question=question, value="yes", user=admin, base_version=0
    )
    box = _question(page, "C20.in_place")
    box.get_by_label("No", exact=True).check()
    expect(box.locator(".conflict")).to_contain_text(
        "Ada Admin saved a newer answer", timeout=10000
    )
    expect(box.locator(".conflict .theirs-value")).to_have_text("Yes")
    assert Answer.objects.get(assessment=demo_assessment, question=question).value == "yes"
    box.get_by_role("button", name="Use theirs").click()
    expect(box.get_by_label("Yes", exact=True)).to_be_checked()
    expect(box.locator(".conflict")).to_have_count(0)
    # a later change is based on their version and saves
    box.get_by_label("No", exact=True).check()
    expect(box.locator("[data-save-status]")).to_have_text(re.compile(r"^Saved at"), timeout=10000)
    answer = Answer.objects.get(assessment=demo_assessment, question=question)
    assert (answer.value, answer.version) == ("no", 2)
    assert all("409" in e for e in errors), errors
