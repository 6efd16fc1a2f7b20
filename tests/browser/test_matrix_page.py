"""The matrix page in real headless Chromium: the chart is drawn, no console error, and no
request leaves 127.0.0.1 (Plotly and every asset are served locally)."""

import io
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.management import call_command

from capabilities.reference_data import BASELINE_CSV as BASELINE


@pytest.fixture
def baseline_cycle(reference):
    call_command(
        "import_responses", str(BASELINE), cycle="baseline-2021", create_participants=True,
        illustrative=True, stdout=io.StringIO(),
    )  # fmt: skip
    return "baseline-2021"


def signed_in(page, client, live_server, user) -> None:
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


@pytest.mark.parametrize("by", ["", "income_group"])
def test_matrix_page_draws_the_chart_locally_without_console_errors(
    page, live_server, client, focal_a, baseline_cycle, artifacts_dir, by
):
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requests.append(request.url))
    # base.html declares no favicon, so Chromium asks for /favicon.ico (a 404 logged as a console
    # error that has nothing to do with this page): answer it here.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    signed_in(page, client, live_server, focal_a)
    page.goto(f"{live_server.url}/matrix/?cycle={baseline_cycle}&by={by}")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=15000)
    page.wait_for_selector("[data-drawn=true]", timeout=15000)
    assert page.locator(".illustrative-banner").count() == 1
    bars = page.locator(".js-plotly-plot .barlayer .point").count()
    assert bars >= 18 * 2
    text = page.locator(".js-plotly-plot").inner_text()
    assert "32 of 42" in text or by  # "n of N" drawn on the bars (all countries)
    page.screenshot(path=f"{artifacts_dir}/matrix{'-' + by if by else ''}.png", full_page=True)
    assert errors == []
    outside = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", "localhost")]
    assert outside == [], outside
    assert any("plotly.min.js" in u for u in requests)
