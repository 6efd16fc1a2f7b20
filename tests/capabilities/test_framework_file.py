"""Framework versions from a file: the JSON/XLSX format, checked all or nothing, load_framework,
the administrators' upload page, and versions in use that cannot change."""

from __future__ import annotations

import copy
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from capabilities import framework_file, services
from capabilities.models import Capability, FrameworkVersion, Question
from capabilities.reference_data import FRAMEWORKS_DIR

FIXTURE = FRAMEWORKS_DIR / "mnr-2016.json"


def _fixture() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _drop_nulls(value):
    """JSON null and an absent key mean the same to the loader; XLSX has only empty cells."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _small(code: str = "TEST-2030") -> dict:
    """A framework of one domain and one capability, in the format."""
    data = _fixture()
    data["code"] = code
    data["domains"] = [copy.deepcopy(data["domains"][0])]
    data["domains"][0]["capabilities"] = data["domains"][0]["capabilities"][:1]
    return data


def test_the_2016_fixture_round_trips_through_the_xlsx_form_unchanged():
    original = _fixture()
    xlsx = framework_file.to_xlsx(original)
    back = framework_file.read(xlsx, "mnr-2016.xlsx").data
    assert back == _drop_nulls(original)
    assert framework_file.check(framework_file.read(FIXTURE.read_bytes(), "mnr-2016.json")) == []


def test_loading_the_2016_fixture_again_changes_nothing(reference):
    result = framework_file.load(FIXTURE.read_bytes(), "mnr-2016.json")
    assert result.report.changes == 0
    xlsx = framework_file.to_xlsx(_fixture())
    assert framework_file.load(xlsx, "mnr-2016.xlsx").report.changes == 0


def test_bad_file_is_refused_with_every_error_listed_and_nothing_written(reference, tmp_path):
    data = _small()
    cap = data["domains"][0]["capabilities"][0]
    cap["questions"][0]["kind"] = "essay"  # C01.in_place: unknown kind
    cap["questions"][1]["text_fr"] = ""
    cap["questions"][2]["code"] = "C99.other"
    cap["phases"][0]["number"] = 7
    data["domains"][0]["name_en"] = ""
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("load_framework", str(path))
    message = str(exc.value)
    assert "nothing was written" in message
    assert "kind “essay” is not one of" in message
    assert "“text_fr” is missing or empty" in message
    assert "must start with C01." in message
    assert "“number” must be a whole number from 1 to 4" in message
    assert "“name_en” is missing or empty" in message
    assert message.count("\n- ") == 6  # every problem, one line each (the kind one twice:
    # unknown kind, and the headline must be yes_no)
    assert not FrameworkVersion.objects.filter(code="TEST-2030").exists()


def test_bad_xlsx_names_sheet_row_and_column(reference):
    data = _small()
    data["domains"][0]["capabilities"][0]["questions"][1]["kind"] = "essay"
    xlsx = framework_file.to_xlsx(data)
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(xlsx))
    workbook["options"].append(["C77.unknown", "x", "X", "X"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(framework_file.FrameworkFileRefused) as exc:
        framework_file.load(buffer.getvalue(), "bad.xlsx")
    assert any("sheet options, row" in p and "C77.unknown" in p for p in exc.value.problems)
    xlsx_bad_kind = framework_file.to_xlsx(data)
    with pytest.raises(framework_file.FrameworkFileRefused) as exc:
        framework_file.load(xlsx_bad_kind, "bad.xlsx")
    assert exc.value.problems == [
        "sheet questions, row 3: kind “essay” is not one of "
        "yes_no, maturity, single_choice, multiple_choice, number, text."
    ]
    assert not FrameworkVersion.objects.filter(code="TEST-2030").exists()


def test_load_framework_command_loads_a_new_version(reference, tmp_path):
    path = tmp_path / "test-2030.json"
    path.write_text(json.dumps(_small()), encoding="utf-8")
    out = io.StringIO()
    call_command("load_framework", str(path), "--dry-run", stdout=out)
    assert "Nothing was written" in out.getvalue()
    assert not FrameworkVersion.objects.filter(code="TEST-2030").exists()
    call_command("load_framework", str(path), stdout=out)
    framework = FrameworkVersion.objects.get(code="TEST-2030")
    assert Capability.objects.filter(framework=framework).count() == 1
    assert Question.objects.filter(framework=framework, is_headline=True).count() == 1


def test_a_version_in_use_with_answers_cannot_change_only_be_superseded(
    reference, assessment_a, focal_a, questions
):
    services.answer_save(
        assessment=assessment_a, question=questions[0], value="yes", user=focal_a, base_version=0
    )
    data = _fixture()
    data["domains"][0]["capabilities"][0]["name_en"] = "Leadership (renamed)"
    with pytest.raises(framework_file.FrameworkFileRefused) as exc:
        framework_file.load(json.dumps(data).encode(), "mnr-2016.json")
    assert "cannot be changed" in exc.value.problems[0]
    assert "test-2025" in exc.value.problems[0]
    assert Capability.objects.get(framework__code="MNR-2016", code="C01").name_en == "Leadership"
    # The same content is accepted (nothing changes); a new code supersedes it.
    assert framework_file.load(FIXTURE.read_bytes(), "mnr-2016.json").report.changes == 0
    data["code"] = "MNR-2016-v2"
    framework_file.load(json.dumps(data).encode(), "mnr-2016-v2.json")
    assert (
        Capability.objects.get(framework__code="MNR-2016-v2", code="C01").name_en
        == "Leadership (renamed)"
    )


def test_upload_page_previews_then_loads(client, admin_user, reference):
    client.force_login(admin_user)
    url = reverse("capabilities:framework_upload")
    upload = SimpleUploadedFile("t.json", json.dumps(_small()).encode(), "application/json")
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert "Preview of framework version TEST-2030" in response.content.decode()
    assert not FrameworkVersion.objects.filter(code="TEST-2030").exists()
    response = client.post(url, {"payload": response.context["payload"], "confirm": "1"})
    assert response.status_code == 302
    assert FrameworkVersion.objects.filter(code="TEST-2030").exists()

    bad = _small("TEST-2031")
    bad["name_fr"] = ""
    upload = SimpleUploadedFile("t.json", json.dumps(bad).encode(), "application/json")
    response = client.post(url, {"file": upload})
    assert response.status_code == 422
    assert "“name_fr” is missing or empty" in response.content.decode()


def test_xlsx_out_writes_the_xlsx_form_and_loads_nothing(reference, tmp_path):
    out = tmp_path / "mnr-2016.xlsx"
    call_command("load_framework", str(FIXTURE), xlsx_out=str(out), stdout=io.StringIO())
    assert framework_file.read(out.read_bytes(), "x.xlsx").data == _drop_nulls(_fixture())


def test_admin_cannot_change_a_framework_in_use(
    client, admin_user, assessment_a, focal_a, questions
):
    capability = Capability.objects.get(framework__code="MNR-2016", code="C01")
    url = reverse("admin:capabilities_capability_change", args=[capability.pk])
    client.force_login(admin_user)
    data = {"name_en": "Changed", "name_fr": "Changé", "code": "C01"}
    assert client.get(url).status_code == 200  # still readable
    services.answer_save(
        assessment=assessment_a, question=questions[0], value="yes", user=focal_a, base_version=0
    )
    assert client.post(url, data).status_code == 403
    capability.refresh_from_db()
    assert capability.name_en == "Leadership"
    question = Question.objects.get(framework__code="MNR-2016", code="C01.in_place")
    delete = reverse("admin:capabilities_question_delete", args=[question.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
