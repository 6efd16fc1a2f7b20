"""The lost-edit case (issue 13): an answer refused by autosave (a bad evidence link) and then by
the Save button is not silently replaced by the old answer on the next visit. It stays in the
browser, shown with its error in the same red style as the page's own errors, until it is saved
or the person discards it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from capabilities.models import Answer, Assessment

from ._helpers import add_session, question

pytestmark = pytest.mark.django_db(transaction=True)

BAD = "not a link"


@pytest.fixture
def draft(demo_world) -> Assessment:
    return Assessment.objects.get(country__code="DEMO-A", cycle__code=demo_world)


def _colour(page: Page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).color")


def test_a_refused_edit_is_kept_in_the_browser_until_saved_or_discarded(
    page: Page, live_server, client, draft, django_user_model
):
    focal = django_user_model.objects.get(username="focal")
    add_session(page.context, client, live_server.url, focal)
    domain_url = f"{live_server.url}/assessments/{draft.pk}/domains/D1/"
    page.goto(domain_url)
    box = question(page, "C01.in_place")
    saved_before = Answer.objects.filter(assessment=draft, question__code="C01.in_place").first()
    evidence_before = saved_before.evidence if saved_before else []

    # autosave refuses the bad link: a red message and the red bar of a server error
    box.get_by_text("Comment and evidence links").click()
    box.get_by_label("Evidence links (optional)").fill(BAD)
    status = box.locator("[data-save-status]")
    expect(status).to_have_attribute("data-state", "invalid", timeout=15000)
    expect(status).to_contain_text("Not a web address")
    assert "has-error" in (box.get_attribute("class") or "")
    assert _colour(page, '[id="q-C01.in_place"] [data-save-status]') == "rgb(176, 39, 27)"

    # the Save button is refused too: the server's error, same colour
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert _colour(page, '[id="q-C01.in_place"] .field-error') == "rgb(176, 39, 27)"
    expect(question(page, "C01.in_place").locator("[data-discard]")).to_be_visible()

    # the next visit: the refused edit is back, with its error, not the old value in silence
    page.goto(f"{live_server.url}/assessments/{draft.pk}/")
    page.goto(domain_url)
    box = question(page, "C01.in_place")
    expect(box.get_by_label("Evidence links (optional)")).to_have_value(BAD)
    expect(box.locator("[data-save-status]")).to_have_attribute(
        "data-state", "invalid", timeout=15000
    )
    after = Answer.objects.filter(assessment=draft, question__code="C01.in_place").first()
    assert (after.evidence if after else []) == evidence_before  # never saved

    # the person discards it: the saved answer is back, and stays on the next visit
    box.locator("[data-discard]").click()
    page.wait_for_url(lambda url: "discarded=" in url)
    box = question(page, "C01.in_place")
    expect(box.get_by_label("Evidence links (optional)")).to_have_value("\n".join(evidence_before))
    page.goto(domain_url)
    expect(question(page, "C01.in_place").get_by_label("Evidence links (optional)")).to_have_value(
        "\n".join(evidence_before)
    )
    stored = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('mrn-assess:unsent:'))"
    )
    assert stored == []
