"""The offline questionnaire in French, in real headless Chromium: download the workbook from the
assessment page, fill it (openpyxl, as a spreadsheet program would), upload it, read the preview,
confirm, and find the answers saved with their history."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from capabilities import services
from capabilities.models import Answer, AnswerChange, Profile

from ._helpers import add_session, watch

pytestmark = pytest.mark.django_db(transaction=True)


def test_focal_point_downloads_fills_uploads_previews_and_confirms_in_french(
    page: Page,
    context,
    client,
    live_server,
    assessment_a,
    focal_a,
    questions,
    tmp_path,
    french_catalogue,
):
    by_code = {q.code: q for q in questions}
    services.answer_save(
        assessment=assessment_a,
        question=by_code["C01.in_place"],
        value="yes",
        user=focal_a,
        base_version=0,
    )
    Profile.objects.filter(user=focal_a).update(language="fr")
    seen = watch(page)
    add_session(context, client, live_server.url, focal_a)
    page.goto(f"{live_server.url}/assessments/{assessment_a.pk}/")
    page.wait_for_selector("html[lang=fr]")

    with page.expect_download() as download_info:
        page.locator('a[href$="/questionnaire.xlsx"]').click()
    download = download_info.value
    assert download.suggested_filename.endswith("-fr.xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    sheet = workbook.worksheets[1]
    assert sheet["E1"].value == "Réponse"
    for row in range(2, sheet.max_row + 1):
        if sheet[f"A{row}"].value == "C01.in_place":
            assert sheet[f"E{row}"].value == "Oui"
            sheet[f"E{row}"] = "Non"
        if sheet[f"A{row}"].value == "C01.maturity":
            sheet[f"E{row}"] = 2
    filled = tmp_path / "rempli.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    filled.write_bytes(buffer.getvalue())

    page.locator('a[href$="/questionnaire/upload/"]').click()
    page.locator("input[type=file]").set_input_files(str(filled))
    page.locator("main form[enctype] button[type=submit]").click()
    preview = page.locator(".offline-preview")
    expect(preview.locator('tr[data-code="C01.in_place"]')).to_have_attribute(
        "data-kind", "changed"
    )
    expect(preview.locator('tr[data-code="C01.maturity"]')).to_have_attribute("data-kind", "new")
    assert preview.locator("tr[data-code]").count() == 2
    if french_catalogue:
        expect(page.get_by_role("heading", level=2).first).to_have_text("Ce que ce fichier modifie")
    assert Answer.objects.get(assessment=assessment_a, question__code="C01.in_place").value == "yes"

    page.locator(".offline-preview button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/assessments/{assessment_a.pk}/")
    if french_catalogue:
        expect(page.locator("main")).to_contain_text(
            "2 réponses ont été enregistrées à partir du fichier."
        )
    assert Answer.objects.get(assessment=assessment_a, question__code="C01.in_place").value == "no"
    assert Answer.objects.get(assessment=assessment_a, question__code="C01.maturity").value == "2"
    assert AnswerChange.objects.filter(source="offline_file").count() == 2
    assert seen.errors == []
