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


# Demo logins refuse the demo password when DEBUG is off (capabilities.auth), as the live server
# runs: the browser tests give the demo users this password instead (use_browser_passwords).
BROWSER_PASSWORD = "browser test password 2026"


def use_browser_passwords() -> None:
    """Gives every demo user BROWSER_PASSWORD (call after demo.load_demo())."""
    from django.contrib.auth import get_user_model

    from capabilities.demo import DEMO_USERS

    for user in get_user_model().objects.filter(username__in=[row[0] for row in DEMO_USERS]):
        user.set_password(BROWSER_PASSWORD)
        user.save(update_fields=["password"])


def authenticator(username: str):
    """The user's authenticator app (a confirmed TOTP device), created when missing; tolerant of
    several sign-ins within one 30-second step (a code once used is refused)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username=username)
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True, tolerance=10)
    return device


def current_code(username: str) -> str:
    """The code the user's app shows now (a later step if this one was already used)."""
    import time

    from django_otp.oath import totp

    device = authenticator(username)
    device.refresh_from_db()
    now = (int(time.time()) - device.t0) // device.step
    ahead = max(0, device.last_t + 1 - now)
    return str(totp(device.bin_key, device.step, device.t0, device.digits, ahead)).zfill(
        device.digits
    )


def sign_in(page: Page, base_url: str, username: str, password: str | None = None) -> None:
    """Signs in through the login form, as a person would: with the code of the user's
    authenticator app when their role requires two-factor sign-in."""
    from django.contrib.auth import get_user_model

    from capabilities import two_factor

    user = get_user_model().objects.get(username=username)
    if two_factor.is_required(user):
        authenticator(username)
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password or BROWSER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if "/accounts/two-factor/" in page.url:
        page.locator("#id_code").fill(current_code(username))
        page.locator("main form button[type=submit]").first.click()
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
