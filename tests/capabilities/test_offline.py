"""The offline questionnaire (issue 15): download, fill with openpyxl, round-trip through
LibreOffice, upload, preview, confirm; conflicts, contributors' domains, wrong files, commands."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from capabilities import offline, services
from capabilities.models import Answer, AnswerChange, Assessment, Cycle, Status

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _download(client, assessment, lang: str = "en") -> bytes:
    response = client.get(
        reverse("capabilities:questionnaire_download", kwargs={"pk": assessment.pk}),
        {"lang": lang},
    )
    assert response.status_code == 200, response.content[:300]
    return response.content


def _fill(data: bytes, answers: dict[str, dict[str, object]]) -> bytes:
    """Sets cells by question code: {"C01.in_place": {"answer": "No", "comment": "…"}}."""
    workbook = load_workbook(io.BytesIO(data))
    columns = {"answer": "E", "comment": "F", "evidence": "G"}
    found = set()
    for sheet in workbook.worksheets:
        for row in range(2, sheet.max_row + 1):
            code = sheet[f"A{row}"].value
            if code in answers:
                for key, value in answers[code].items():
                    sheet[f"{columns[key]}{row}"] = value
                found.add(code)
    assert found == set(answers), set(answers) - found
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _libreoffice_round_trip(data: bytes, tmp_path: Path) -> bytes:
    """Opens the file in LibreOffice headless and saves it again as XLSX."""
    if SOFFICE is None:
        if os.environ.get("MRN_REQUIRE_BROWSER") == "true":  # CI: .ci/run installs it
            pytest.fail("LibreOffice (libreoffice-calc-nogui) is required in CI")
        pytest.skip("LibreOffice (libreoffice-calc-nogui) is not installed; .ci/run installs it")
    source = tmp_path / "in" / "questionnaire.xlsx"
    source.parent.mkdir()
    source.write_bytes(data)
    out = tmp_path / "out"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = (out / "questionnaire.xlsx").read_bytes()
    assert result != data  # really re-written by LibreOffice
    return result


def _upload(client, assessment, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("filled.xlsx", data, content_type=offline_views_content_type())
    return client.post(
        reverse("capabilities:questionnaire_upload", kwargs={"pk": assessment.pk}),
        {"file": upload},
    )


def offline_views_content_type() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _confirm(client, assessment, preview, choices: dict[str, str] | None = None):
    data = {"fingerprint": preview.fingerprint()}
    for code, choice in (choices or {}).items():
        data[f"conflict-{code}"] = choice
    return client.post(
        reverse("capabilities:questionnaire_confirm", kwargs={"pk": assessment.pk}), data
    )


def _kinds(preview) -> dict[str, str]:
    return {change.question.code: change.kind for change in preview.changes}


def _value(assessment, code: str) -> str:
    answer = Answer.objects.filter(assessment=assessment, question__code=code).first()
    return answer.value if answer else ""


@pytest.fixture
def answered(assessment_a, focal_a, questions):
    by_code = {q.code: q for q in questions}
    for code, value, comment in (
        ("C01.in_place", "yes", '=HYPERLINK("http://evil.example","x")'),
        ("C01.strategy_year", "2015", ""),
        ("C08.coverage", "nationwide", ""),
        ("C04.in_place", "no", ""),
    ):
        services.answer_save(
            assessment=assessment_a,
            question=by_code[code],
            value=value,
            comment=comment,
            user=focal_a,
            base_version=0,
        )
    return by_code


def test_libreoffice_round_trip_previews_exactly_the_changes_and_confirm_applies_them(
    client, assessment_a, focal_a, answered, tmp_path
):
    client.force_login(focal_a)
    data = _download(client, assessment_a)
    filled = _fill(
        data,
        {
            "C01.in_place": {"answer": "No"},  # yes/no, changed
            "C01.maturity": {"answer": 3},  # maturity, new
            "C01.strategy_year": {"answer": None},  # number, cleared
            "C02.assessment_year": {"answer": 2019, "comment": "Second edition"},  # number, new
            "C01.body_members": {"answer": "Prosecution service and judiciary; ministries"},
            "C08.coverage": {"answer": "In most regions"},  # single choice, changed
            "C14.policy_change": {
                "answer": "Law 12/2020; a review is planned",
                "evidence": "https://example.org/law\nhttps://example.org/decree",
            },
        },
    )
    filled = _libreoffice_round_trip(filled, tmp_path)

    response = _upload(client, assessment_a, filled)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.invalid == []
    assert preview.conflicts == []
    assert _kinds(preview) == {
        "C01.in_place": "changed",
        "C01.maturity": "new",
        "C01.strategy_year": "cleared",
        "C02.assessment_year": "new",
        "C01.body_members": "new",
        "C08.coverage": "changed",
        "C14.policy_change": "new",
    }
    assert [d.domain.code for d in preview.domains] == ["D1", "D3", "D4"]
    assert Answer.objects.get(assessment=assessment_a, question__code="C01.in_place").value == (
        "yes"
    )  # nothing written by the preview

    response = _confirm(client, assessment_a, preview)
    assert response.status_code == 302
    assert _value(assessment_a, "C01.in_place") == "no"
    assert _value(assessment_a, "C01.maturity") == "3"
    assert _value(assessment_a, "C01.strategy_year") == ""
    assert _value(assessment_a, "C02.assessment_year") == "2019"
    assert _value(assessment_a, "C01.body_members") == "ministries;judiciary"
    assert _value(assessment_a, "C08.coverage") == "most_regions"
    text = Answer.objects.get(assessment=assessment_a, question__code="C14.policy_change")
    assert text.value == "Law 12/2020; a review is planned"
    assert text.evidence == ["https://example.org/law", "https://example.org/decree"]
    # the formula-like comment went out and came back as text, unchanged
    kept = Answer.objects.get(assessment=assessment_a, question__code="C01.in_place")
    assert kept.comment == '=HYPERLINK("http://evil.example","x")'
    offline_changes = AnswerChange.objects.filter(
        answer__assessment=assessment_a, source=services.SOURCE_OFFLINE_FILE
    )
    assert offline_changes.count() == 7
    assert set(offline_changes.values_list("changed_by", flat=True)) == {focal_a.pk}

    # The same file again changes nothing.
    response = _upload(client, assessment_a, filled)
    assert response.context["preview"].changes == []
    assert response.context["preview"].conflicts == []
    assert b"This file changes nothing" in response.content


def test_an_answer_changed_online_after_the_download_is_a_conflict_kept_online_by_default(
    client, assessment_a, focal_a, contributor_a, answered
):
    client.force_login(focal_a)
    data = _download(client, assessment_a)
    services.answer_save(
        assessment=assessment_a,
        question=answered["C04.in_place"],
        value="dont_know",
        user=contributor_a,
        base_version=1,
    )
    filled = _fill(data, {"C04.in_place": {"answer": "Yes"}, "C01.maturity": {"answer": 2}})
    preview = _upload(client, assessment_a, filled).context["preview"]
    assert _kinds(preview) == {"C01.maturity": "new"}
    [conflict] = preview.conflicts
    assert conflict.question.code == "C04.in_place"
    assert conflict.online == "Don't know"
    assert conflict.file == "Yes"
    assert conflict.who == "Contrib_a"
    assert conflict.when is not None

    _confirm(client, assessment_a, preview)  # no choice made: the online answer stays
    assert _value(assessment_a, "C04.in_place") == "dont_know"
    assert _value(assessment_a, "C01.maturity") == "2"


def test_choosing_the_file_for_a_conflict_saves_the_file_answer(
    client, assessment_a, focal_a, contributor_a, answered
):
    client.force_login(focal_a)
    data = _download(client, assessment_a)
    services.answer_save(
        assessment=assessment_a,
        question=answered["C04.in_place"],
        value="dont_know",
        user=contributor_a,
        base_version=1,
    )
    preview = _upload(client, assessment_a, _fill(data, {"C04.in_place": {"answer": "Yes"}}))
    preview = preview.context["preview"]
    _confirm(client, assessment_a, preview, {"C04.in_place": "file"})
    assert _value(assessment_a, "C04.in_place") == "yes"
    change = AnswerChange.objects.filter(answer__question__code="C04.in_place").last()
    assert (change.old_value, change.new_value, change.source) == (
        "dont_know",
        "yes",
        "offline_file",
    )


def test_a_change_online_between_preview_and_confirm_is_shown_again_not_overwritten(
    client, assessment_a, focal_a, contributor_a, answered
):
    client.force_login(focal_a)
    data = _download(client, assessment_a)
    preview = _upload(client, assessment_a, _fill(data, {"C04.in_place": {"answer": "Yes"}}))
    preview = preview.context["preview"]
    services.answer_save(
        assessment=assessment_a,
        question=answered["C04.in_place"],
        value="dont_know",
        user=contributor_a,
        base_version=1,
    )
    response = _confirm(client, assessment_a, preview)
    assert response.status_code == 409
    assert [c.question.code for c in response.context["preview"].conflicts] == ["C04.in_place"]
    assert _value(assessment_a, "C04.in_place") == "dont_know"


def test_a_contributor_file_only_has_their_domains(client, assessment_a, contributor_a):
    client.force_login(contributor_a)
    workbook = load_workbook(io.BytesIO(_download(client, assessment_a)))
    domain_sheets = [n for n in workbook.sheetnames if n[:1] == "D"]
    assert [n.split()[0] for n in domain_sheets] == ["D2"]


def test_a_contributor_change_outside_their_domains_is_refused_for_that_row(
    client, assessment_a, focal_a, contributor_a, answered
):
    client.force_login(focal_a)
    data = _download(client, assessment_a)  # all domains
    filled = _fill(data, {"C01.in_place": {"answer": "No"}, "C04.in_place": {"answer": "Yes"}})
    client.force_login(contributor_a)  # D2 only
    preview = _upload(client, assessment_a, filled).context["preview"]
    assert _kinds(preview) == {"C04.in_place": "changed"}
    [refused] = preview.refused
    assert (refused.code, refused.column) == ("C01.in_place", "E")
    assert "D2" in refused.reason
    _confirm(client, assessment_a, preview)
    assert _value(assessment_a, "C01.in_place") == "yes"
    assert _value(assessment_a, "C04.in_place") == "yes"


def test_a_file_of_another_country_is_refused(
    client, assessment_a, assessment_b, focal_a, focal_b, answered
):
    client.force_login(focal_a)
    filled = _fill(_download(client, assessment_a), {"C01.in_place": {"answer": "No"}})
    client.force_login(focal_b)
    response = _upload(client, assessment_b, filled)
    assert response.status_code == 400
    assert "another country" in response.context["error"]
    assert response.context["preview"] is None
    assert not Answer.objects.filter(assessment=assessment_b).exists()


def test_a_file_of_another_cycle_is_refused(client, assessment_a, focal_a, framework, answered):
    client.force_login(focal_a)
    filled = _fill(_download(client, assessment_a), {"C01.in_place": {"answer": "No"}})
    other_cycle = Cycle.objects.create(
        code="test-2027", name_en="2027", name_fr="2027", framework=framework
    )
    other = services.assessment_get_or_create(country=assessment_a.country, cycle=other_cycle)
    # Same assessment id trick is impossible, so rewrite the file's cycle but keep its country.
    workbook = load_workbook(io.BytesIO(filled))
    meta = workbook[offline.META_SHEET]
    meta["B2"] = str(other.pk)  # claims the other assessment, still says test-2025
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(client, other, buffer.getvalue())
    assert response.status_code == 400
    assert "another cycle" in response.context["error"]
    response = _upload(client, other, filled)  # the genuine file of test-2025
    assert response.status_code == 400
    assert not Answer.objects.filter(assessment=other).exists()


def test_invalid_cells_are_listed_with_sheet_row_column_and_reason_and_block_confirm(
    client, assessment_a, focal_a, answered
):
    client.force_login(focal_a)
    filled = _fill(
        _download(client, assessment_a),
        {
            "C01.in_place": {"answer": "maybe"},
            "C01.strategy_year": {"answer": 1800},
            "C01.maturity": {"answer": "=1+2"},
            "C02.in_place": {"answer": "Yes", "evidence": "not a link"},
            "C04.in_place": {"answer": "Yes"},
        },
    )
    response = _upload(client, assessment_a, filled)
    preview = response.context["preview"]
    found = {(c.code, c.column, c.row): c.reason for c in preview.invalid}
    sheet = preview.invalid[0].sheet
    assert sheet.startswith("D1")
    assert set(found) == {
        ("C01.in_place", "E", 2),
        ("C01.strategy_year", "E", 5),
        ("C01.maturity", "E", 3),
        ("C02.in_place", "G", 8),
    }
    assert "yes, no or don't know" in found[("C01.in_place", "E", 2)]
    assert "at least 1950" in found[("C01.strategy_year", "E", 5)]
    assert "Formulas" in found[("C01.maturity", "E", 3)]
    assert not preview.can_apply
    assert b"Confirm and save" not in response.content
    response = _confirm(client, assessment_a, preview)
    assert response.status_code == 400
    assert _value(assessment_a, "C04.in_place") == "no"


def test_submitted_and_validated_assessments_refuse_uploads(
    client, assessment_a, focal_a, answered
):
    client.force_login(focal_a)
    filled = _fill(_download(client, assessment_a), {"C01.in_place": {"answer": "No"}})
    for status in (Status.SUBMITTED, Status.VALIDATED):
        Assessment.objects.filter(pk=assessment_a.pk).update(status=status)
        assert _upload(client, assessment_a, filled).status_code == 403
        assessment_a.refresh_from_db()
        with pytest.raises(services.WorkflowError):
            services.answers_save_offline(assessment=assessment_a, user=focal_a, entries=[])
    assert _value(assessment_a, "C01.in_place") == "yes"


def test_applying_is_all_or_nothing(assessment_a, focal_a, contributor_a, answered):
    stale = services.AnswerEntry(
        question=answered["C04.in_place"], value="yes", comment="", evidence=[], base_version=0
    )
    fresh = services.AnswerEntry(
        question=answered["C01.maturity"], value="2", comment="", evidence=[], base_version=0
    )
    with pytest.raises(services.StaleEntries):
        services.answers_save_offline(assessment=assessment_a, user=focal_a, entries=[fresh, stale])
    assert _value(assessment_a, "C01.maturity") == ""


def test_text_never_becomes_a_formula_in_the_workbook(assessment_a, focal_a, answered):
    data = offline.build_workbook(assessment_a, user=focal_a, lang="en")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(archive.read(n).decode() for n in sheets)
    assert "<f>" not in xml
    workbook = load_workbook(io.BytesIO(data))
    cell = next(
        row[5]
        for row in workbook.worksheets[1].iter_rows(min_row=2)
        if row[0].value == "C01.in_place"
    )
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_the_workbook_is_in_the_reader_language_with_validation_and_hidden_metadata(
    client, assessment_a, focal_a, answered
):
    client.force_login(focal_a)
    workbook = load_workbook(io.BytesIO(_download(client, assessment_a, "fr")))
    assert workbook.sheetnames[0] == "Instructions"
    sheet = workbook.worksheets[1]
    assert sheet.title.startswith("D1 ")
    assert sheet["E1"].value == "Réponse"
    assert sheet["A2"].value == "C01.in_place"
    assert sheet["E2"].value == "Oui"
    assert sheet.protection.sheet
    assert not sheet["E2"].protection.locked
    assert sheet["A2"].protection.locked
    rules = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert rules["E2"].formula1 == '"Oui,Non,Ne sait pas"'
    assert (rules["E5"].type, rules["E5"].formula1, rules["E5"].formula2) == (
        "decimal",
        "1950",
        "2030",
    )
    meta = workbook[offline.META_SHEET]
    assert meta.sheet_state == "hidden"
    assert meta.protection.sheet
    rows = {r[0]: r for r in meta.iter_rows(values_only=True) if r[0]}
    assert rows["assessment"][1] == str(assessment_a.pk)
    assert rows["cycle"][1] == "test-2025"
    assert rows["C01.in_place"][1] == 1
    assert rows["C01.maturity"][1] == 0


def test_questionnaire_export_and_import_commands(
    assessment_a, focal_a, contributor_a, answered, tmp_path
):
    path = tmp_path / "q.xlsx"
    call_command(
        "questionnaire_export",
        country="GHA",
        cycle="test-2025",
        lang="fr",
        output=str(path),
        stdout=io.StringIO(),
    )
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(
        _fill(
            path.read_bytes(),
            {"C01.in_place": {"answer": "Non"}, "C04.in_place": {"answer": "Oui"}},
        )
    )
    out = io.StringIO()
    call_command("questionnaire_import", str(filled), user="contrib_a", dry_run=True, stdout=out)
    assert "CHANGED C04.in_place" in out.getvalue()
    assert "REFUSED C01.in_place" in out.getvalue()
    assert _value(assessment_a, "C04.in_place") == "no"  # dry run
    call_command("questionnaire_import", str(filled), user="contrib_a", stdout=io.StringIO())
    assert _value(assessment_a, "C04.in_place") == "yes"
    assert _value(assessment_a, "C01.in_place") == "yes"
    out = io.StringIO()
    call_command("questionnaire_import", str(filled), user="focal_a", stdout=out)
    assert _value(assessment_a, "C01.in_place") == "no"
    Assessment.objects.filter(pk=assessment_a.pk).update(status=Status.SUBMITTED)
    with pytest.raises(CommandError, match="may not change"):
        call_command("questionnaire_import", str(filled), user="focal_a", stdout=io.StringIO())


def test_import_command_refuses_a_user_of_another_country(
    assessment_a, focal_b, answered, tmp_path
):
    path = tmp_path / "q.xlsx"
    path.write_bytes(offline.build_workbook(assessment_a, user=None, lang="en"))
    with pytest.raises(CommandError, match="may not read"):
        call_command("questionnaire_import", str(path), user="focal_b", stdout=io.StringIO())


# ---------------------------------------------------------------------------------------------
# Start from last cycle


@pytest.fixture
def last_cycle(framework, country_a, focal_a, questions):
    """Country A's validated assessment of an earlier cycle, with three answers."""
    earlier = Cycle.objects.create(
        code="test-2023", name_en="Test cycle 2023", name_fr="Cycle test 2023", framework=framework
    )
    old = services.assessment_get_or_create(country=country_a, cycle=earlier)
    by_code = {q.code: q for q in questions}
    for code, value in (("C01.in_place", "yes"), ("C01.maturity", "2"), ("C04.officers", "40")):
        services.answer_save(
            assessment=old,
            question=by_code[code],
            value=value,
            comment=f"2023 {code}",
            user=focal_a,
            base_version=0,
        )
    Assessment.objects.filter(pk=old.pk).update(status=Status.VALIDATED)
    return old


def test_start_from_last_cycle_copies_unanswered_questions_marked_prefilled(
    client, assessment_a, focal_a, questions, last_cycle
):
    by_code = {q.code: q for q in questions}
    services.answer_save(
        assessment=assessment_a,
        question=by_code["C01.maturity"],
        value="3",
        user=focal_a,
        base_version=0,
    )
    client.force_login(focal_a)
    response = client.post(reverse("capabilities:prefill", kwargs={"pk": assessment_a.pk}))
    assert response.status_code == 302
    copied = Answer.objects.filter(assessment=assessment_a, prefilled_from=last_cycle)
    assert sorted(copied.values_list("question__code", "value", "comment")) == [
        ("C01.in_place", "yes", "2023 C01.in_place"),
        ("C04.officers", "40", "2023 C04.officers"),
    ]
    assert _value(assessment_a, "C01.maturity") == "3"  # already answered: left alone
    assert (
        AnswerChange.objects.filter(
            answer__assessment=assessment_a, source="previous_cycle"
        ).count()
        == 2
    )
    page = client.get(reverse("capabilities:domain", kwargs={"pk": assessment_a.pk, "code": "D1"}))
    assert b"pre-filled from last cycle: check it" in page.content
    # Saving the answer unchanged confirms it.
    services.answer_save(
        assessment=assessment_a,
        question=by_code["C01.in_place"],
        value="yes",
        comment="2023 C01.in_place",
        user=focal_a,
        base_version=1,
    )
    assert not Answer.objects.get(
        assessment=assessment_a, question__code="C01.in_place"
    ).prefilled_from_id
    # The domain's confirm button confirms the rest.
    client.post(
        reverse("capabilities:prefill_confirm", kwargs={"pk": assessment_a.pk, "code": "D2"})
    )
    assert not Answer.objects.filter(assessment=assessment_a, prefilled_from__isnull=False).exists()


def test_start_from_last_cycle_needs_a_validated_earlier_assessment(
    client, assessment_a, focal_a, contributor_a, last_cycle
):
    Assessment.objects.filter(pk=last_cycle.pk).update(status=Status.SUBMITTED)
    client.force_login(focal_a)
    client.post(reverse("capabilities:prefill", kwargs={"pk": assessment_a.pk}))
    assert not Answer.objects.filter(assessment=assessment_a).exists()
    Assessment.objects.filter(pk=last_cycle.pk).update(status=Status.VALIDATED)
    client.force_login(contributor_a)
    response = client.post(reverse("capabilities:prefill", kwargs={"pk": assessment_a.pk}))
    assert response.status_code == 403
    assert not Answer.objects.filter(assessment=assessment_a).exists()


def test_preview_and_workbook_cost_a_fixed_number_of_queries(
    django_assert_num_queries, assessment_a, focal_a, answered
):
    data = offline.build_workbook(assessment_a, user=focal_a, lang="en")
    filled = _fill(data, {"C01.in_place": {"answer": "No"}, "C08.coverage": {"answer": None}})
    parsed = offline.read_workbook(filled, questions=offline.questions_by_code(assessment_a))
    with django_assert_num_queries(4):  # questions, options, answers, domains
        preview = offline.build_preview(assessment_a, user=focal_a, parsed=parsed)
    assert _kinds(preview) == {"C01.in_place": "changed", "C08.coverage": "cleared"}
    with django_assert_num_queries(4):  # domains, questions, options, answers
        offline.build_workbook(assessment_a, user=focal_a, lang="en")
