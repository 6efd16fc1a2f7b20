"""The chart pages (matrix, country profile, heat map, comparison, trend) in real headless Chromium,
in French, under the strict Content Security Policy: every chart is drawn by Plotly from a
static file, with nothing blocked (no CSP violation event or console message), no console error,
no request leaving 127.0.0.1, no inline script or event handler in the page, and a data table
(caption, column and row headers) as the alternative to every chart. A full-page screenshot of
the French matrix page is saved as test-artifacts/matrix-page-fr.png.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page

from capabilities.models import Profile

from ._helpers import add_session, csp_violations, watch

pytestmark = pytest.mark.django_db(transaction=True)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {p[0].lower(): p[1:] for p in parts}


def _charts_and_tables(page: Page) -> list[dict]:
    """Each chart: drawn?, and the table its figure points to (aria-describedby → caption)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.mrn-chart')).map(chart => {
          const figure = chart.closest('figure');
          const caption = document.getElementById(figure.getAttribute('aria-describedby') || '');
          const table = caption && caption.closest('table');
          return {
            drawn: chart.getAttribute('data-drawn') === 'true' && !!chart.querySelector('.main-svg'),
            name: figure.getAttribute('aria-label'),
            table: table ? {
              caption: caption.textContent.trim(),
              cols: table.querySelectorAll('thead th[scope=col]').length,
              rows: table.querySelectorAll('tbody th[scope=row]').length,
              bodyRows: table.tBodies[0] ? table.tBodies[0].rows.length : 0,
            } : null,
          };
        })"""
    )


def _inline_code(page: Page) -> list[str]:
    """Inline scripts (other than JSON data) and inline event handler attributes."""
    return page.evaluate(
        """() => {
          const out = [];
          document.querySelectorAll('script:not([src])').forEach(s => {
            if (s.type !== 'application/json') { out.push('script: ' + s.textContent.slice(0, 60)); }
          });
          document.querySelectorAll('*').forEach(el => {
            for (const a of el.getAttributeNames()) {
              if (a.startsWith('on')) { out.push(el.tagName + ' ' + a); }
            }
          });
          return out;
        }"""
    )


def test_chart_pages_draw_under_the_strict_csp_locally_with_a_table_for_every_chart(
    browser: Browser, live_server, client, demo_world, artifacts_dir
):
    cycle = demo_world
    analyst = get_user_model().objects.get(username="analyst")
    Profile.objects.filter(user=analyst).update(language="fr")
    context = browser.new_context()
    add_session(context, client, live_server.url, analyst)
    page = context.new_page()
    seen = watch(page)
    pages = {
        "matrix": f"/matrix/?cycle={cycle}",
        "matrix by income group": f"/matrix/?cycle={cycle}&by=income_group",
        "profile": "/countries/DEMO-D/profile/",
        "heat map": f"/analysis/heatmap/?cycle={cycle}",
        "compare": f"/analysis/compare/?cycle={cycle}&countries=DEMO-C&countries=DEMO-D",
        "trend": "/analysis/trend/",
    }
    for name, path in pages.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, name
        script_src = _directives(response.headers["content-security-policy"])["script-src"]
        assert "'self'" in script_src and "'unsafe-inline'" not in script_src, script_src
        assert "'unsafe-eval'" not in script_src
        page.wait_for_selector(".mrn-chart[data-drawn=true]", timeout=15000)
        assert page.locator("html").get_attribute("lang") == "fr"
        charts = _charts_and_tables(page)
        assert charts, name
        for chart in charts:
            assert chart["drawn"], (name, chart)
            assert chart["name"], (name, chart)
            table = chart["table"]
            assert table is not None, (name, "chart without a data table")
            assert table["caption"] and table["cols"] >= 2, (name, table)
            assert table["rows"] == table["bodyRows"] > 0, (name, table)
        assert _inline_code(page) == [], name
        assert csp_violations(page) == [], name
        if name == "matrix":
            page.screenshot(path=f"{artifacts_dir}/matrix-page-fr.png", full_page=True)
    assert seen.csp_console == []
    assert seen.errors == []
    assert seen.outside() == []
    assert any(u.endswith("/plotly.min.js") for u in seen.requests)
    assert any(u.endswith("/js/charts.js") for u in seen.requests)

    # the listeners would have seen a violation: an inline script is blocked and reported
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("() => window.__ran === undefined")
    assert csp_violations(page) == ["script-src-elem inline"]
    assert any("Content Security Policy" in m for m in seen.csp_console)
    context.close()
