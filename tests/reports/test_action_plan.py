"""The priorities for action on the country profile and as the country's action plan (CSV/XLSX)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from capabilities import services
from tests._workflow import force_submit

pytestmark = pytest.mark.django_db

ANSWERS = {
    "C01.in_place": "yes", "C01.maturity": "4",
    "C02.in_place": "no", "C02.maturity": "2",
    "C03.in_place": "yes", "C03.maturity": "1",
    "C04.in_place": "no", "C04.maturity": "1",
}  # fmt: skip


@pytest.fixture
def crafted(assessment_a, questions, focal_a):
    by_code = {q.code: q for q in questions}
    for code, value in ANSWERS.items():
        services.answer_save(
            assessment=assessment_a,
            question=by_code[code],
            value=value,
            user=focal_a,
            base_version=0,
        )
    force_submit(assessment_a, focal_a)
    return assessment_a


def _url(assessment, fmt, lang="en"):
    url = reverse(
        "reports:country_action_plan", args=[assessment.cycle.code, assessment.country.code, fmt]
    )
    return f"{url}?lang={lang}"


def test_csv_action_plan_lists_the_priorities_in_the_rules_order(client, crafted, focal_a):
    client.force_login(focal_a)
    response = client.get(_url(crafted, "csv"))
    assert response.status_code == 200
    assert "action-plan-en.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["rank", "domain", "capability_code", "capability"]
    codes = [row[2] for row in rows[1:]]
    # not in place first: the unanswered C05…C21 (no phase counts as the lowest), then C04
    # (phase 1), C02 (phase 2); then in place below phase 3: C03 (capabilities/priorities.py)
    unanswered = [f"C{n:02}" for n in range(5, 22)]
    assert codes == [*unanswered, "C04", "C02", "C03"]
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, 21)]
    c02 = next(row for row in rows if row[2] == "C02")
    assert c02[4:8] == ["Not in place", "2", "3", "Established"]
    assert c02[8] and c02[9]  # the next phase's description and what counts as in place


def test_xlsx_action_plan_in_french(client, crafted, analyst):
    client.force_login(analyst)
    response = client.get(_url(crafted, "xlsx", lang="fr"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Rang"
    c03 = next(row for row in rows if row[2] == "C03")
    assert c03[4] == "En place" and c03[7] == "En développement"


def test_another_country_cannot_download_the_action_plan(client, crafted, focal_b):
    client.force_login(focal_b)
    assert client.get(_url(crafted, "csv")).status_code in (403, 404)


def test_profile_page_shows_the_priorities_and_the_download(client, crafted, focal_a):
    client.force_login(focal_a)
    page = client.get(reverse("reports:country_profile", args=["GHA"])).content.decode()
    section = page[page.index('id="priorities"') :]
    assert section.index("C04 ") < section.index("C02 ") < section.index("C03 ")
    assert "C01 " not in section[: section.index("</table>")]
    assert _url(crafted, "csv") in section  # in the page's language (English here)
