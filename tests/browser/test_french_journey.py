"""The focal point's journey in French, in real headless Chromium: sign in, switch the language with
the header's switch, answer one domain with autosave, check the answers and submit.

French content comes from the framework's own French fields (domain, capability, question,
cycle and country names); the interface strings come from locale/fr (asserted once the
catalogue is there). A full-page screenshot of the French domain page is saved as
test-artifacts/domain-page-fr.png.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from capabilities.models import Answer, Assessment, Capability, Domain, Profile, Question, Status

from ._helpers import axe_violations, question, sign_in, watch
from .conftest import fill_required

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def draft(demo_world) -> Assessment:
    """Demo country A's draft, every required answer outside D6 filled in through the services."""
    assessment = Assessment.objects.select_related("cycle__framework").get(
        country__code="DEMO-A", cycle__code=demo_world
    )
    fill_required(assessment, user=get_user_model().objects.get(username="focal"), skip_domain="D6")
    return assessment


def test_focal_point_switches_to_french_answers_a_domain_and_submits(
    page: Page, live_server, draft, artifacts_dir, french_catalogue
):
    framework = draft.cycle.framework
    d6 = Domain.objects.get(framework=framework, code="D6")
    c20 = Capability.objects.get(framework=framework, code="C20")
    q20 = Question.objects.get(framework=framework, code="C20.in_place")
    seen = watch(page)

    sign_in(page, live_server.url, "focal")
    assert page.locator("html").get_attribute("lang") == "en"
    # the language switch in the header (select; submits itself on change)
    page.locator("header #language-switch").select_option("fr")
    page.wait_for_selector("html[lang=fr]")
    assert page.url == f"{live_server.url}/"
    assert Profile.objects.get(user__username="focal").language == "fr"
    if french_catalogue:
        expect(page.locator("header")).to_contain_text("Se déconnecter")
        expect(page.locator("header #language-switch")).to_have_accessible_name("Langue")

    # the dashboard: cycle and country names in French (framework data)
    page.get_by_role("link", name=re.compile(re.escape(draft.cycle.name_fr))).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(draft.country.name_fr)
    page.locator('a[href$="/domains/D6/"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"D6. {d6.name_fr}")
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator('[id="cap-C20"]')).to_contain_text(c20.name_fr)
    expect(question(page, "C20.in_place").locator("legend")).to_contain_text(q20.text_fr)
    if french_catalogue:
        expect(page).to_have_title(re.compile(r"MRN Assess$"))
        expect(page.locator(".skip-link")).to_have_text("Aller au contenu principal")

    # answer the domain: every answer saves itself and says so
    codes = []
    for item in Question.objects.filter(
        capability__domain=d6, required=True, kind__in=["yes_no", "maturity"]
    ).order_by("order", "pk"):
        box = question(page, item.code)
        value = "yes" if item.kind == "yes_no" else "3"
        box.locator(f'input[type=radio][value="{value}"]').check()
        codes.append(item.code)
    assert len(codes) >= 2
    for code in codes:
        status = question(page, code).locator("[data-save-status]")
        pattern = r"^Enregistré à \d\d:\d\d$" if french_catalogue else r"\d\d:\d\d$"
        expect(status).to_have_text(re.compile(pattern), timeout=10000)
        assert status.get_attribute("aria-live") == "polite"
    assert Answer.objects.filter(assessment=draft, question__code__in=codes).count() == len(codes)
    assert axe_violations(page) == []
    page.screenshot(path=f"{artifacts_dir}/domain-page-fr.png", full_page=True)

    # check the answers and submit
    page.locator('a[href$="/check/"]').first.click()
    expect(page.locator(".missing-required")).to_have_count(0)
    expect(
        page.get_by_role("heading", level=2, name=re.compile(re.escape(d6.name_fr)))
    ).to_be_visible()
    page.locator('form[action$="/submit/"] button[type=submit]').click()
    expect(page.locator(".alert-success")).to_be_visible()
    if french_catalogue:
        expect(page.locator(".alert-success")).not_to_contain_text("Assessment submitted")
    assert page.locator("html").get_attribute("lang") == "fr"
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert seen.errors == []
    assert seen.outside() == []
