"""Web downloads: who may get which report and export (404 for countries one may not see)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from ._report_data import fill


@pytest.fixture
def both_filled(assessment_a, assessment_b, questions, focal_a, focal_b):
    fill(assessment_a, questions, focal_a, seed="a")
    fill(assessment_b, questions, focal_b, seed="b")
    return assessment_a, assessment_b


def report_url(cycle, code: str, lang: str = "en") -> str:
    return reverse("reports:country_report", args=[cycle.code, code]) + f"?lang={lang}"


def answers_url(cycle, code: str, layout: str = "long", fmt: str = "csv") -> str:
    return reverse("reports:country_answers", args=[cycle.code, code, layout, fmt])


def test_country_team_downloads_its_own_report(client, both_filled, focal_a, cycle):
    client.force_login(focal_a)
    response = client.get(report_url(cycle, "GHA", "fr"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Ghana" in text


def test_analyst_downloads_any_submitted_country_report(client, both_filled, analyst, cycle):
    client.force_login(analyst)
    assert client.get(report_url(cycle, "SRB")).status_code == 200


def test_another_country_gets_404_for_the_report_and_its_exports(
    client, both_filled, focal_b, contributor_a, cycle
):
    client.force_login(focal_b)
    assert client.get(report_url(cycle, "GHA")).status_code == 404
    for layout in ("long", "wide"):
        for fmt in ("csv", "xlsx"):
            assert client.get(answers_url(cycle, "GHA", layout, fmt)).status_code == 404
    client.force_login(contributor_a)
    assert client.get(report_url(cycle, "SRB")).status_code == 404


def test_analyst_gets_404_for_a_draft_never_submitted(
    client, assessment_a, questions, focal_a, analyst, cycle
):
    fill(assessment_a, questions, focal_a, submit=False)
    client.force_login(analyst)
    assert client.get(report_url(cycle, "GHA")).status_code == 404
    assert client.get(answers_url(cycle, "GHA")).status_code == 404


def test_only_analysts_export_a_whole_cycle(client, both_filled, focal_a, analyst, cycle):
    url = reverse("reports:cycle_answers", args=[cycle.code, "long", "xlsx"])
    client.force_login(focal_a)
    assert client.get(url).status_code == 403
    client.force_login(analyst)
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming  # written to a temporary file, sent from it
    assert (
        'attachment; filename="mrn-test-2025-all-answers-long.xlsx"'
        in response["Content-Disposition"]
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    countries = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert countries == {"GHA", "SRB"}


def test_country_team_exports_its_own_answers_in_wide_format(
    client, both_filled, focal_a, cycle, questions
):
    client.force_login(focal_a)
    response = client.get(answers_url(cycle, "GHA", "wide", "csv"))
    assert response.status_code == 200
    assert response.streaming
    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert lines[0].startswith("respondent,income_group,region,survey,C01.in_place")
    assert len(lines) == 2 and lines[1].startswith("GHA,")


def test_everyone_signed_in_gets_the_matrix_with_small_cells_suppressed(
    client, both_filled, focal_a, analyst, cycle
):
    client.force_login(focal_a)
    response = client.get(reverse("reports:matrix_export", args=[cycle.code, "csv"]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    # the documented column scheme: suppressed is "true"/"false", N is "population" (were
    # "yes"/"no" and "population_N" in this export)
    assert rows and all(row["suppressed"] == "true" for row in rows)
    assert all(row["yes"] == "" and row["yes_pct"] == "" for row in rows)
    assert "fewer than 5" in rows[0]["reason"]
    client.force_login(analyst)
    response = client.get(reverse("reports:matrix_export", args=[cycle.code, "csv"]))
    first = next(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (first["group"], first["population"], first["suppressed"]) == ("", "2", "false")
    pdf_response = client.get(reverse("reports:matrix_report", args=[cycle.code]))
    assert pdf_response.status_code == 200
    assert pdf_response.content.startswith(b"%PDF")


def test_signed_out_visitors_are_sent_to_login(client, both_filled, cycle):
    response = client.get(reverse("reports:matrix_report", args=[cycle.code]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_downloads_page_lists_only_countries_the_user_may_see(client, both_filled, focal_a, cycle):
    client.force_login(focal_a)
    response = client.get(reverse("reports:downloads", args=[cycle.code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ghana" in body and "Serbia" not in body
    assert reverse("reports:cycle_answers", args=[cycle.code, "long", "csv"]) not in body


def test_long_answers_csv_streams_in_chunks_with_the_same_rows_as_the_table(
    client, both_filled, analyst, cycle, questions, django_assert_num_queries
):
    from capabilities.models import Answer
    from capabilities.permissions import visible_assessments
    from reports import exports

    Answer.objects.filter(pk=Answer.objects.first().pk).update(updated_by=None)  # an import's
    client.force_login(analyst)
    url = reverse("reports:cycle_answers", args=[cycle.code, "long", "csv"])
    # session, the user with their profile, cycle, questions, their options, the assessments,
    # then per chunk of 50 countries the answers and the participations
    with django_assert_num_queries(8):
        response = client.get(url)
        assert response.streaming and response["Cache-Control"] == "private, no-store"
        chunks = list(response.streaming_content)
    body = b"".join(chunks)
    assert body.startswith(b"\xef\xbb\xbf")  # byte order mark, for spreadsheets
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    data = exports.load_answer_data(cycle, visible_assessments(analyst))
    expected = exports.to_csv(exports.answers_long(data))
    assert body == expected
    assert len(rows) == 1 + 2 * len(questions)
    # written as the rows are made, not as one file
    assert len(list(exports.csv_chunks(("a",), ([n] for n in range(250)), every=100))) == 3
