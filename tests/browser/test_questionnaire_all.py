"""The one-page questionnaire in a browser: autosave works on it as on a domain page, and the
Save button saves the answers of every domain at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from capabilities.models import Answer, Assessment

from ._helpers import add_session, axe_violations, question

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def draft(demo_world) -> Assessment:
    return Assessment.objects.get(country__code="DEMO-A", cycle__code=demo_world)


def test_autosave_and_save_work_on_the_one_page_questionnaire(
    page: Page, live_server, client, draft, django_user_model
):
    focal = django_user_model.objects.get(username="focal")
    add_session(page.context, client, live_server.url, focal)
    page.goto(f"{live_server.url}/assessments/{draft.pk}/all/")
    assert axe_violations(page) == []
    first, last = question(page, "C01.in_place"), question(page, "C21.in_place")
    current = Answer.objects.filter(assessment=draft, question__code="C21.in_place").first()
    choice = "No" if current is not None and current.value == "yes" else "Yes"
    last.get_by_label(choice, exact=True).check()
    expect(last.locator("[data-save-status]")).to_have_text(
        re.compile(r"^Saved at \d\d:\d\d$"), timeout=10000
    )
    saved = Answer.objects.get(assessment=draft, question__code="C21.in_place")
    assert saved.value == {"Yes": "yes", "No": "no"}[choice]
    # the Save button, with autosave cut off (as on a filtered network): a comment typed in the
    # first domain is saved with the whole page in one POST
    page.route(re.compile(r".*/answers/\d+/save/$"), lambda route: route.abort())
    first.locator("details.answer-extra").evaluate("d => { d.open = true; }")
    first.locator("textarea[name$='-comment']").fill("Typed on the one-page questionnaire")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("saved")
    comment = Answer.objects.get(assessment=draft, question__code="C01.in_place").comment
    assert comment == "Typed on the one-page questionnaire"
