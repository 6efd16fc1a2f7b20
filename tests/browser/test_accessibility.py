"""WCAG 2.1 AA in real headless Chromium: axe-core (tags wcag2a, wcag2aa, wcag21a, wcag21aa) finds no
serious or critical violation on any page a person uses, in English and in French; the keyboard
works (skip link first, focus visible, autosave states announced); every chart has a data table.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from capabilities.models import Answer, Assessment, Profile

from ._helpers import (
    add_session,
    axe_violations,
    dangling_references,
    question,
    structure_problems,
    watch,
)

pytestmark = pytest.mark.django_db(transaction=True)


# In French, the pages the brief names plus the home page and the charts (the rest share their
# templates' structure; English covers every page). The empty domain page (D6) is checked in
# French here and in English by the focal point journey.
FRENCH = {
    "login", "home", "dashboard", "domain D6", "check answers", "review queue", "analyst review",
    "matrix", "profile", "heat map", "trend",
}  # fmt: skip


def _pages(cycle: str, language: str) -> dict[str, list[tuple[str, str]]]:
    """(name, path) of every page, by who opens it."""
    a = Assessment.objects.get(country__code="DEMO-A", cycle__code=cycle)
    c = Assessment.objects.get(country__code="DEMO-C", cycle__code=cycle)
    answer = Answer.objects.filter(assessment=a).order_by("question__code").first()
    pages = {
        "": [
            ("login", "/accounts/login/"),
            ("password reset", "/accounts/password/reset/"),
            ("password reset sent", "/accounts/password/reset/sent/"),
        ],
        "focal": [
            ("home", "/"),
            ("dashboard", f"/assessments/{a.pk}/"),
            ("domain D1 (answered)", f"/assessments/{a.pk}/domains/D1/"),
            ("domain D6", f"/assessments/{a.pk}/domains/D6/"),  # French only
            ("check answers", f"/assessments/{a.pk}/check/"),
            ("team", "/team/"),
            ("answer history", f"/assessments/{a.pk}/answers/{answer.question_id}/history/"),
        ],
        "analyst": [
            ("review queue", "/review/"),
            ("assessment list", f"/assessments/?cycle={cycle}"),
            ("analyst review", f"/assessments/{c.pk}/review/"),
            ("read-only domain", f"/assessments/{c.pk}/domains/D2/"),
            ("matrix", f"/matrix/?cycle={cycle}"),
            ("profile", "/countries/DEMO-D/profile/"),
            ("heat map", f"/analysis/heatmap/?cycle={cycle}"),
            ("compare", f"/analysis/compare/?cycle={cycle}&countries=DEMO-C&countries=DEMO-D"),
            ("trend", "/analysis/trend/"),
            ("methodology", "/methodology/"),
            ("downloads", f"/downloads/{cycle}/"),
        ],
        "admin": [
            ("import", "/import/"),
        ],
    }
    if language == "en":
        return {who: [p for p in these if p[0] != "domain D6"] for who, these in pages.items()}
    return {who: [p for p in these if p[0] in FRENCH] for who, these in pages.items()}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_serious_or_critical_wcag_violation_on_any_page(
    browser: Browser, live_server, client, demo_world, language
):
    User = get_user_model()
    Profile.objects.filter(user__username__in=["focal", "analyst", "admin"]).update(
        language=language
    )
    found: dict[str, list[str]] = {}
    for username, pages in _pages(demo_world, language).items():
        if not pages:
            continue
        context = browser.new_context()
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        if username:
            add_session(context, client, live_server.url, User.objects.get(username=username))
        page = context.new_page()
        seen = watch(page)
        for name, path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (name, response.status)
            if page.locator(".mrn-chart").count():
                page.wait_for_selector(".mrn-chart[data-drawn=true]", timeout=15000)
            assert page.locator("html").get_attribute("lang") == language, name
            problems = (
                axe_violations(page)
                + [f"dangling reference {ref}" for ref in dangling_references(page)]
                + structure_problems(page)
            )
            if problems:
                found[name] = problems
        assert seen.errors == []
        context.close()
    assert found == {}, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)


def _focused(page: Page) -> dict:
    """The focused element, its focus ring (outline, box shadow) and the same without focus."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const ring = () => { const s = getComputedStyle(el);
            return {outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
                    shadow: s.boxShadow}; };
          const box = el.getBoundingClientRect();
          const focused = ring();
          el.blur();
          const blurred = ring();
          el.focus({focusVisible: true});
          return {id: el.id, tag: el.tagName.toLowerCase(), cls: String(el.className),
                  width: box.width, height: box.height, focused, blurred};
        }"""
    )


def _focus_visible(state: dict) -> bool:
    """A focus ring: an outline of 2px or more, or a box shadow that only focus adds."""
    ring, rest = state["focused"], state["blurred"]
    outline = ring["outline"] != "none" and ring["outlineWidth"] >= 2
    shadow = ring["shadow"] != "none" and ring["shadow"] != rest["shadow"]
    return outline or shadow


def test_keyboard_skip_link_visible_focus_and_announced_autosave(
    browser: Browser, live_server, client, demo_world
):
    a = Assessment.objects.get(country__code="DEMO-A", cycle__code=demo_world)
    context = browser.new_context()
    add_session(context, client, live_server.url, get_user_model().objects.get(username="focal"))
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{live_server.url}/assessments/{a.pk}/")

    # the skip link is the first thing Tab reaches, it becomes visible, and it moves focus to main
    page.keyboard.press("Tab")
    first = _focused(page)
    assert "skip-link" in first["cls"], first
    assert first["width"] > 20 and first["height"] > 10, first  # shown, not clipped
    assert _focus_visible(first), first
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    assert _focused(page)["id"] == "main"
    # the next Tab lands inside main, on a link whose focus is visible
    page.keyboard.press("Tab")
    inside = page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
    assert inside
    state = _focused(page)
    assert state["tag"] == "a" and _focus_visible(state), state

    # the header's controls show their focus too (dark background: the yellow ring)
    page.locator("#language-switch").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert _focus_visible(_focused(page))

    # answering with the keyboard only; the autosave state is announced by a live region
    page.goto(f"{live_server.url}/assessments/{a.pk}/domains/D6/")
    box = question(page, "C20.in_place")
    status = box.locator("[data-save-status]")
    assert status.get_attribute("aria-live") == "polite"
    box.locator("input[type=radio]").first.focus()
    page.keyboard.press("Tab")  # Tab leaves the radio group: Shift+Tab comes back to it
    page.keyboard.press("Shift+Tab")
    radio = _focused(page)
    assert radio["tag"] == "input" and _focus_visible(radio), radio
    page.keyboard.press("Space")
    expect(status).to_have_text(re.compile(r"^Saved at \d\d:\d\d$"), timeout=10000)
    assert Answer.objects.filter(assessment=a, question__code="C20.in_place").exists()
    # the Save button is reachable and shows its focus
    page.get_by_role("button", name="Save", exact=True).focus()
    assert _focus_visible(_focused(page))
    assert seen.errors == []
    context.close()
