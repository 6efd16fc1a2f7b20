"""Every role reaches every page and every download it may use from its home page, by following
the links and menus on the pages (never a typed URL), in English and in French (issue 13).

For each role the test signs in through the login form, switches the language with the header's
switch, then walks the links it finds, breadth first, from the home page. Pages are opened; links
to downloads are fetched with the browser's own session (a PDF or a spreadsheet is not a page)
and must answer 200 as an attachment. The walk fails when a page or download the role may use
(``EXPECTED``) was never linked, when a page answers an error, when axe finds a serious or
critical violation, or when the W3C validator (vnu.jar, tests/browser/_validator.py) reports an
error on any page's HTML (one run of the checker over the pages of both languages). One download
per role and language is reached by actually clicking the "Download" menu of the matrix page; the
compare download needs the compare form filled in and submitted.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urljoin, urlparse

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from ._helpers import axe_violations, sign_in, watch
from ._validator import validate_html, validator_or_skip

pytestmark = pytest.mark.django_db(transaction=True)

DOWNLOADS = {
    "reports:matrix_download",
    "reports:heatmap_download",
    "reports:compare_download",
    "reports:trend_download",
    "reports:matrix_report",
    "reports:matrix_export",
    "reports:cycle_answers",
    "reports:country_report",
    "reports:country_answers",
    "reports:bulk_export_download",
    "reports:country_action_plan",
    "capabilities:questionnaire_download",
    "capabilities:questionnaire_pdf",
}
COUNTRY_PAGES = {
    "home",
    "capabilities:dashboard",
    "capabilities:domain",
    "capabilities:questionnaire_all",
    "capabilities:check_answers",
    "capabilities:answer_history",
    "reports:matrix",
    "reports:country_profile",
    "reports:methodology",
    "reports:downloads",
    "reports:matrix_download",
    "reports:matrix_report",
    "reports:matrix_export",
    "reports:country_report",
    "reports:country_answers",
    "reports:country_action_plan",
    "capabilities:questionnaire_pdf",
    "two_factor_setup",
}
ANALYST_PAGES = (COUNTRY_PAGES - {"capabilities:answer_history"}) | {
    "capabilities:review_queue",
    "capabilities:assessment_list",
    "capabilities:review",
    "reports:heatmap",
    "reports:heatmap_download",
    "reports:compare",
    "reports:trend",
    "reports:trend_download",
    "reports:cycle_answers",
    "reports:bulk_exports",
    "capabilities:cycle_dashboard",
    "capabilities:cycle_open",
    "capabilities:deadline_extend",
}
# The country's team fills the questionnaire offline too (the demo assessment is a draft).
OFFLINE = {"capabilities:questionnaire_download", "capabilities:questionnaire_upload"}
EXPECTED = {
    "focal": COUNTRY_PAGES | OFFLINE | {"capabilities:team"},
    "contributor": COUNTRY_PAGES | OFFLINE,
    "analyst": ANALYST_PAGES,
    "admin": ANALYST_PAGES | {"reports:import_upload", "capabilities:framework_upload"},
}
PER_NAME = 2  # pages opened per URL name (6 domain pages or 108 histories add nothing new)


def _name(url: str) -> str | None:
    try:
        match = resolve(urlparse(url).path)
    except Resolver404:
        return None
    return match.view_name


def _links(page: Page) -> list[str]:
    return page.eval_on_selector_all("main a[href], header a[href]", "els => els.map(e => e.href)")


def _walk(
    page: Page, base: str, lang: str, fetched: set[str], pages_html: dict[str, str]
) -> tuple[set[str], list[str]]:
    """Breadth-first walk from the home page; returns the URL names reached and the problems, and
    puts the HTML of the first page of each URL name in ``pages_html`` for the W3C validator."""
    reached: set[str] = set()
    problems: list[str] = []
    opened: dict[str, int] = {}
    seen_urls: set[str] = set()
    queue: deque[str] = deque([f"{base}/"])
    while queue:
        url = queue.popleft()
        if url in seen_urls:
            continue
        seen_urls.add(url)
        name = _name(url)
        if name is None or name.startswith("admin:") or name in ("logout", "set_language"):
            continue
        if name in DOWNLOADS:
            reached.add(name)
            problems += _fetch_download(page, url, fetched)
            continue
        if opened.get(name, 0) >= PER_NAME:
            continue
        opened[name] = opened.get(name, 0) + 1
        try:
            response = page.goto(url)
        except PlaywrightError as exc:  # a link to a file under a page's name (?format=csv)
            if "Download is starting" not in str(exc):
                raise
            reached.add(name)
            problems += _fetch_download(page, url, fetched)
            continue
        if response is None or response.status != 200:
            problems.append(f"{url}: {response.status if response else 'no response'}")
            continue
        reached.add(name)
        if page.locator("html").get_attribute("lang") != lang:
            problems.append(f"{url}: not in {lang}")
        if opened[name] == 1:
            problems += [f"{url}: axe {v}" for v in axe_violations(page)]
            pages_html[url] = response.text()
        for href in _links(page):
            target = urljoin(url, href).split("#")[0]
            if urlparse(target).netloc == urlparse(base).netloc and target not in seen_urls:
                queue.append(target)
    return reached, problems


def _invalid_by_language(html: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """The W3C validator's errors for the pages of every language, checked in one run (the
    checker takes seconds to start), returned per language; each line names its page."""
    pages = {
        f"{url} ({lang})": text for lang, by_url in html.items() for url, text in by_url.items()
    }
    out: dict[str, list[str]] = {lang: [] for lang in html}
    first = next(iter(html))
    for line in validate_html(pages):
        page_name = line.split(": line ", 1)[0]
        lang = next((lang for lang in html if page_name.endswith(f" ({lang})")), first)
        out[lang].append(line)
    return out


def _fetch_download(page: Page, url: str, fetched: set[str]) -> list[str]:
    """Fetches a file with the browser's session, once per role whichever language found it: it
    must answer 200 as an attachment."""
    if url in fetched:
        return []
    fetched.add(url)
    response = page.request.get(url, timeout=180_000)  # PDFs on a busy machine
    if response.status != 200 or "attachment" not in response.headers.get(
        "content-disposition", ""
    ):
        return [f"download {url}: {response.status}"]
    return []


def _switch_language(page: Page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        page.locator("header #language-switch").select_option(lang)
        page.wait_for_selector(f"html[lang={lang}]")


def _click_matrix_table(page: Page, base: str, lang: str) -> None:
    """A download through the menus, by clicking: nav → matrix → Download → this table (CSV).
    (The PDFs behind the same menu are fetched by the walk; rendering one takes seconds.)"""
    page.goto(f"{base}/")
    nav = page.get_by_role(
        "navigation", name="Main navigation" if lang == "en" else "Navigation principale"
    )
    if page.locator(".navbar-toggler").is_visible():
        page.locator(".navbar-toggler").click()
    nav.get_by_role(
        "link", name="Capability matrix" if lang == "en" else "Matrice des capacités"
    ).click()
    menu = page.locator("main details.mrn-download-menu")
    menu.locator("summary").click()
    link = menu.get_by_role("link").filter(has_text="CSV").first
    expect(link).to_be_visible()
    with page.expect_download(timeout=180_000) as info:
        link.click()
    assert info.value.suggested_filename.endswith(".csv")


def _compare_download(page: Page, base: str) -> str:
    """Analysts: the compare form filled in and submitted, then its Download menu's CSV."""
    page.goto(f"{base}/")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("button", name="Comparisons").click()
    nav.get_by_role("link", name="Compare countries").click()
    boxes = page.locator(".mrn-checklist input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("main form button[type=submit]").click()
    menu = page.locator("main details.mrn-download-menu")
    menu.locator("summary").click()
    href = menu.get_by_role("link", name="This table (CSV)").get_attribute("href")
    response = page.request.get(urljoin(page.url, href), timeout=180_000)
    assert response.status == 200, response.status
    return _name(urljoin(page.url, href)) or ""


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_every_page_and_download_of_the_role_is_reachable_by_its_links_in_both_languages(
    browser: Browser, live_server, demo_world, french_catalogue, username
):
    validator_or_skip()
    base = live_server.url
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(120_000)  # seven test suites share two cores
    page = context.new_page()
    seen = watch(page)
    sign_in(page, base, username)
    fetched: set[str] = set()
    html: dict[str, dict[str, str]] = {}
    walked: dict[str, tuple[set[str], list[str]]] = {}
    for lang in ("en", "fr"):
        _switch_language(page, lang)
        html[lang] = {}
        reached, problems = _walk(page, base, lang, fetched, html[lang])
        if username in ("analyst", "admin") and lang == "en":
            reached.add(_compare_download(page, base))
        walked[lang] = (reached, problems)
        _click_matrix_table(page, base, lang)
    invalid = _invalid_by_language(html)
    for lang, (reached, problems) in walked.items():
        missing = sorted(EXPECTED[username] - reached)
        assert missing == [], f"{username} ({lang}) cannot reach by links: {missing}"
        problems += invalid[lang]
        assert problems == [], f"{username} ({lang}):\n" + "\n".join(problems)
    assert seen.errors == []
    assert seen.outside() == []
    context.close()
