"""Shared helpers of the browser tests: signing in, watching a page (console errors, Content
Security Policy violations, requests leaving the machine) and running axe-core.

axe-core comes from the npm registry's ``axe-core`` package (tests/browser/vendor/axe.min.js, with
its licence) and is injected with ``page.evaluate``, which the page's CSP does not restrict: the
application itself never loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from playwright.sync_api import BrowserContext, Page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCAL_HOSTS = ("127.0.0.1", "localhost")

# Recorded in the page before any of its own script runs (init scripts are not bound by the CSP).
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@cache
def _axe_source() -> str:
    return AXE.read_text()


def axe_violations(page: Page) -> list[str]:
    """Serious or critical WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + ", ".join(
            " ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
            for n in v["nodes"][:5]
        )
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def dangling_references(page: Page) -> list[str]:
    """aria-describedby, aria-labelledby, aria-controls and label[for] naming an id that is not on
    the page (a hint or an error a screen reader would never hear)."""
    return page.evaluate(
        """() => {
          const out = [];
          for (const attr of ['aria-describedby', 'aria-labelledby', 'aria-controls']) {
            document.querySelectorAll('[' + attr + ']').forEach(el => {
              for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
                if (!document.getElementById(id)) { out.push(attr + '=' + id); }
              }
            });
          }
          document.querySelectorAll('label[for]').forEach(el => {
            if (!document.getElementById(el.htmlFor)) { out.push('for=' + el.htmlFor); }
          });
          return out;
        }"""
    )


def structure_problems(page: Page) -> list[str]:
    """A page title, one main landmark, one h1 first, heading levels that never skip going down,
    and on questionnaire pages one fieldset with a legend per question."""
    return page.evaluate(
        """() => {
          const out = [];
          if (!document.title.trim()) { out.push('no title'); }
          if (document.querySelectorAll('main').length !== 1) { out.push('main landmarks != 1'); }
          const headings = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'))
            .filter(h => h.getClientRects().length);
          const h1 = headings.filter(h => h.tagName === 'H1').length;
          if (h1 !== 1) { out.push('h1 count ' + h1); }
          let previous = 0;
          for (const h of headings) {
            const level = Number(h.tagName[1]);
            if (previous === 0 && level !== 1 && !h.closest('header, .alert')) {
              out.push('first heading is ' + h.tagName + ' ' + h.textContent.trim().slice(0, 40));
            }
            if (previous && level > previous + 1) {
              out.push(`heading skips ${'h' + previous} -> ${h.tagName}: ${h.textContent.trim().slice(0, 40)}`);
            }
            previous = level;
          }
          document.querySelectorAll('.question[data-save-url]').forEach(q => {
            const sets = q.querySelectorAll('fieldset');
            if (sets.length !== 1 || !sets[0].querySelector(':scope > legend')) {
              out.push('question without one fieldset and legend: ' + q.id);
            }
          });
          return out;
        }"""
    )


@dataclass
class Watch:
    """What a page did that a test may want to refuse."""

    errors: list[str] = field(default_factory=list)
    csp_console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        return [
            url
            for url in self.requests
            if url.startswith(("http:", "https:", "ws:", "wss:"))
            and urlparse(url).hostname not in LOCAL_HOSTS
        ]


def watch(page: Page) -> Watch:
    """Records console errors, uncaught exceptions, CSP messages and every request of the page."""
    seen = Watch()

    def on_console(msg) -> None:
        if "Content Security Policy" in msg.text:
            seen.csp_console.append(msg.text)
        if msg.type == "error":
            seen.errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    page.on("request", lambda request: seen.requests.append(request.url))
    page.add_init_script(_CSP_LISTENER)
    return seen


def csp_violations(page: Page) -> list[str]:
    """The securitypolicyviolation events seen by the current document."""
    return page.evaluate("() => window.__cspViolations || []")


def sign_in(page: Page, base_url: str, username: str, password: str | None = None) -> None:
    """Signs in through the login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password or settings.MRN_DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def add_session(context: BrowserContext, client, base_url: str, user) -> None:
    """Signs ``user`` in without the form (faster): the test client's session cookie."""
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def question(page: Page, code: str):
    return page.locator(f'[id="q-{code}"]')
