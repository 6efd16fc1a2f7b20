"""The pages people spend their time on, in French, at 1280 and 390 pixels wide (issue 13): the
matrix, a domain page, check answers and the team page (focal point), the review page (analyst).
Full-page screenshots go to test-artifacts/<page>-fr-<width>.png for people to look at; the test
itself fails on what a person would notice: content wider than the screen, a top menu that wraps
onto a second line at 1280 px, "n of N" broken over two lines, or an axe violation.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Browser

from capabilities.models import Assessment, Profile

from ._helpers import add_session, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 390)


def _pages(cycle: str) -> dict[str, tuple[str, str]]:
    a = Assessment.objects.get(country__code="DEMO-A", cycle__code=cycle).pk
    c = Assessment.objects.get(country__code="DEMO-C", cycle__code=cycle).pk
    return {
        "matrix": ("analyst", f"/matrix/?cycle={cycle}"),
        "domain": ("focal", f"/assessments/{a}/domains/D2/"),
        "check-answers": ("focal", f"/assessments/{a}/check/"),
        "team": ("focal", "/team/"),
        "review": ("analyst", f"/assessments/{c}/review/"),
    }


def _layout_problems(page, width: int) -> list[str]:
    return page.evaluate(
        """width => {
          const out = [];
          const wide = document.documentElement.scrollWidth;
          if (wide > window.innerWidth + 1) { out.push('page is ' + wide + ' px wide'); }
          if (width >= 1200) {
            const items = Array.from(document.querySelectorAll('#nav-main .nav-link'));
            const tops = new Set(items.map(el => Math.round(el.getBoundingClientRect().top)));
            if (tops.size > 1) { out.push('top menu on ' + tops.size + ' lines'); }
          }
          for (const cell of document.querySelectorAll('td.nowrap')) {
            const range = document.createRange();
            range.selectNodeContents(cell);
            const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
            if (lines.size > 1) { out.push('wrapped: ' + cell.textContent.trim()); }
          }
          return out;
        }""",
        width,
    )


def test_french_pages_at_1280_and_390_pixels(
    browser: Browser, live_server, demo_world, artifacts_dir, french_catalogue
):
    Profile.objects.filter(user__username__in=["focal", "analyst"]).update(language="fr")
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["focal", "analyst"])
    }
    problems: list[str] = []
    for width in WIDTHS:
        contexts = {}
        for name, (username, path) in _pages(demo_world).items():
            if username not in contexts:
                contexts[username] = browser.new_context(viewport={"width": width, "height": 900})
                # one test client per person: a second force_login on the same client would end
                # the first person's session
                add_session(contexts[username], Client(), live_server.url, users[username])
            page = contexts[username].new_page()
            page.goto(live_server.url + path)
            assert page.url == live_server.url + path, f"{name}: sent to {page.url}"
            assert page.locator("html").get_attribute("lang") == "fr", name
            page.wait_for_load_state("networkidle")
            page.screenshot(
                path=os.path.join(artifacts_dir, f"{name}-fr-{width}.png"), full_page=True
            )
            problems += [f"{name} at {width}: {p}" for p in _layout_problems(page, width)]
            problems += [f"{name} at {width}: axe {v}" for v in axe_violations(page)]
            page.close()
        for context in contexts.values():
            context.close()
    assert problems == [], "\n".join(problems)
