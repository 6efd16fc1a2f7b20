"""Every chart page has a "Download" menu, and its table downloads hold exactly what the page
shows (issue 13): heat map, compare, trend; the profile and the assessment page offer the
country report to those who may read it, and only to them."""

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from capabilities import services
from capabilities.models import Country

from .test_analysis import cohort, make_countries  # noqa: F401  (fixture and helper)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _menu(page) -> list[str]:
    return [link.url for link in page.context["downloads"]]


def test_heatmap_download_is_the_table_on_the_page(client, analyst, cohort):  # noqa: F811
    client.force_login(analyst)
    page = client.get(reverse("reports:heatmap"), {"cycle": cohort.code})
    table_url = next(u for u in _menu(page) if "heatmap/download.csv" in u)
    rows = _csv(client.get(table_url))
    shown = [[label, *cells] for _country, label, cells in page.context["table"]]
    assert rows[0] == ["Country", *(code for code, _name in page.context["columns"])]
    assert rows[1:] == shown
    assert len(rows) - 1 == 8


def test_compare_download_is_the_comparison_shown(client, analyst, cohort):  # noqa: F811
    client.force_login(analyst)
    params = {"cycle": cohort.code, "countries": ["T000", "T001"]}
    page = client.get(reverse("reports:compare"), params)
    table_url = next(u for u in _menu(page) if "compare/download.csv" in u)
    rows = _csv(client.get(table_url))
    assert rows[0] == ["Capability", "Testland 000", "Testland 001"]
    assert len(rows) - 1 == len(page.context["rows"])
    first = page.context["rows"][0]
    assert rows[1][0] == f"{first['cap'].code} {first['label']}"
    assert rows[1][1] == "Not in place · phase 1"  # T000: "no", maturity 1, as the page shows
    assert f"{first['cells'][0]['label']}</span> · phase 1" in page.content.decode()
    # nothing chosen: nothing is shown, so nothing to download
    assert client.get(reverse("reports:compare_download", args=["csv"])).status_code == 400


def test_trend_download_is_the_trend_table(client, analyst, cohort):  # noqa: F811
    client.force_login(analyst)
    page = client.get(reverse("reports:trend"), {"capability": "C01"})
    table_url = next(u for u in _menu(page) if "trend/download.xlsx" in u)
    response = client.get(table_url)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) - 1 == len(page.context["rows"]) == 1
    point = page.context["rows"][0]
    assert rows[1][:3] == (point["label"], point["point"].cell.yes_pct, point["text"])


def test_matrix_menu_offers_the_table_the_pdf_and_every_download_of_the_cycle(
    client,
    focal_b,
    cohort,  # noqa: F811
):
    client.force_login(focal_b)
    page = client.get(reverse("reports:matrix"), {"cycle": cohort.code})
    urls = _menu(page)
    assert any("matrix/download.csv" in u for u in urls)
    assert reverse("reports:matrix_report", args=[cohort.code]) + "?lang=fr" in urls
    assert reverse("reports:downloads", args=[cohort.code]) in urls
    for url in urls:  # every link of the menu works for this user
        assert client.get(url).status_code == 200, url


def test_profile_offers_the_country_report_to_its_team_not_to_peers(
    client, focal_a, focal_b, country_a, cycle
):
    assessment = services.assessment_get_or_create(country=country_a, cycle=cycle)
    report = reverse("reports:country_report", args=[cycle.code, country_a.code])
    client.force_login(focal_a)
    page = client.get(reverse("reports:country_profile", args=[country_a.code]))
    assert f"{report}?lang=en" in _menu(page)
    Country.objects.filter(pk=country_a.pk).update(shares_profile=True)
    assessment.status = "validated"
    assessment.save()
    client.force_login(focal_b)  # a peer sees the shared profile, never the report
    page = client.get(reverse("reports:country_profile", args=[country_a.code]))
    assert page.status_code == 200
    assert not any("countries/" in u for u in _menu(page))


def test_assessment_page_links_the_country_report_and_the_profile(
    client, focal_a, country_a, cycle
):
    assessment = services.assessment_get_or_create(country=country_a, cycle=cycle)
    client.force_login(focal_a)
    page = client.get(reverse("capabilities:dashboard", args=[assessment.pk]))
    body = page.content.decode()
    assert reverse("reports:country_report", args=[cycle.code, country_a.code]) in body
    assert reverse("reports:country_profile", args=[country_a.code]) in body
