"""Analysis pages: who may see what, suppression, downloads of exactly what is shown, the upload."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from capabilities import services
from capabilities.models import Answer, Assessment, Country, CountryKind, Cycle, Question, Status


def make_countries(cycle, n: int, *, start: int = 0, income: str = "high", value: str = "yes"):
    """n anonymised countries with validated assessments answering every headline question."""
    headline = list(Question.objects.for_framework(cycle.framework).filter(
        code__in=["C01.in_place", "C02.in_place", "C07.in_place", "C01.maturity", "C12.maturity"]))  # fmt: skip
    for i in range(start, start + n):
        country = Country.objects.create(
            code=f"T{i:03d}", kind=CountryKind.ANONYMISED, name_en=f"Testland {i:03d}",
            name_fr=f"Testland {i:03d}",
        )  # fmt: skip
        services.participation_set(cycle=cycle, country=country, income_group=income,
                                   region="south_asia", survey="government")  # fmt: skip
        assessment = services.assessment_get_or_create(country=country, cycle=cycle)
        for q in headline:
            services.answer_save(
                assessment=assessment, question=q,
                value=str(1 + i % 4) if q.kind == "maturity" else (value if i % 3 else "no"),
                user=None, base_version=None, source="import",
            )  # fmt: skip
        Assessment.objects.filter(pk=assessment.pk).update(status=Status.VALIDATED)


@pytest.fixture
def cohort(cycle):
    make_countries(cycle, 6, income="high")
    make_countries(cycle, 2, start=6, income="low")
    return cycle


def test_every_role_sees_the_matrix_with_n_of_n_and_a_data_table(client, focal_b, cohort):
    client.force_login(focal_b)
    page = client.get(reverse("reports:matrix"), {"cycle": cohort.code})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="matrix-figure"' in body and 'data-figure="matrix-figure"' in body
    assert "<script>" not in body  # only json_script data and external scripts
    assert 'id="matrix-table"' in body and "C01 Leadership" in body
    figure = page.context["figure"]
    texts = figure["data"][3]["text"]
    assert all(" of " in t for t in texts)  # "n of N" on every bar
    assert "Testland" not in body  # aggregates only


def test_matrix_breakdown_hides_groups_with_fewer_than_k_countries(client, focal_a, cohort):
    client.force_login(focal_a)
    page = client.get(reverse("reports:matrix"), {"cycle": cohort.code, "by": "income_group"})
    rows = page.context["rows"]
    low = [r for r in rows if r["group"] == "low"]
    assert low and all(r["suppressed"] and r["yes"] is None for r in low)
    assert "fewer than 5 countries answered" in page.content.decode()
    assert len(page.context["figure"]["layout"]["annotations"]) == 3  # all, high, low side by side


def test_below_analyst_a_small_cycle_shows_no_share_but_analysts_see_it(
    client, focal_a, analyst, cycle
):
    make_countries(cycle, 3)
    client.force_login(focal_a)
    rows = client.get(reverse("reports:matrix"), {"cycle": cycle.code}).context["rows"]
    assert all(r["suppressed"] for r in rows)
    client.force_login(analyst)
    rows = client.get(reverse("reports:matrix"), {"cycle": cycle.code}).context["rows"]
    assert not any(r["suppressed"] for r in rows)


def test_drafts_do_not_count_in_the_matrix(client, analyst, cohort, assessment_a, questions):
    q = next(q for q in questions if q.code == "C01.in_place")
    services.answer_save(
        assessment=assessment_a, question=q, value="yes", user=None, base_version=0
    )
    client.force_login(analyst)
    page = client.get(reverse("reports:matrix"), {"cycle": cohort.code})
    c01 = next(r for r in page.context["rows"] if r["capability"] == "C01")
    assert c01["population"] == 8


def test_matrix_csv_download_is_exactly_the_table_shown(client, focal_a, cohort):
    client.force_login(focal_a)
    params = {"cycle": cohort.code, "by": "income_group"}
    shown = client.get(reverse("reports:matrix"), params).context["rows"]
    response = client.get(reverse("reports:matrix_download", args=["csv"]), params)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["capability"], r["group"], r["yes"], r["answered"], r["yes_pct"]) for r in rows] == [
        (r["capability"], r["group"], "" if r["yes"] is None else str(r["yes"]),
         "" if r["answered"] is None else str(r["answered"]),
         "" if r["yes_pct"] is None else str(r["yes_pct"])) for r in shown
    ]  # fmt: skip


def test_matrix_xlsx_download_holds_the_same_rows(client, analyst, cohort):
    client.force_login(analyst)
    response = client.get(reverse("reports:matrix_download", args=["xlsx"]), {"cycle": cohort.code})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    # the documented column scheme (docs/scoring.md, "The matrix table"; was capability, label,
    # domain... on this download and another order on the cycle's matrix export)
    assert rows[0][:8] == (
        "cycle", "breakdown", "group", "group_label",
        "domain", "domain_label", "capability", "capability_label",
    )  # fmt: skip
    assert len(rows) - 1 == 3  # C01, C02, C07 answered


def test_matrix_of_an_illustrative_cycle_shows_the_banner(client, analyst, cohort):
    Cycle.objects.filter(pk=cohort.pk).update(is_illustrative=True)
    client.force_login(analyst)
    body = client.get(reverse("reports:matrix"), {"cycle": cohort.code}).content.decode()
    assert "illustrative-banner" in body


def test_country_profile_is_for_its_team_and_analysts_only(
    client, focal_a, focal_b, analyst, cycle, assessment_a, questions
):
    q = next(q for q in questions if q.code == "C01.in_place")
    services.answer_save(
        assessment=assessment_a, question=q, value="yes", user=focal_a, base_version=0
    )
    url = reverse("reports:country_profile", args=["GHA"])
    client.force_login(focal_a)
    page = client.get(url)
    assert page.status_code == 200 and "Ghana" in page.content.decode()
    client.force_login(focal_b)
    assert client.get(url).status_code == 404
    client.force_login(analyst)
    assert client.get(url).status_code == 200  # a draft: the analyst sees no assessment
    assert "No assessment of this country" in client.get(url).content.decode()


def test_country_profile_shows_cohorts_never_other_named_countries(
    client, focal_a, cohort, country_a, questions
):
    services.participation_set(cycle=cohort, country=country_a, income_group="lower_middle")
    assessment = services.assessment_get_or_create(country=country_a, cycle=cohort)
    q = next(q for q in questions if q.code == "C01.in_place")
    services.answer_save(
        assessment=assessment, question=q, value="yes", user=focal_a, base_version=0
    )
    Assessment.objects.filter(pk=assessment.pk).update(status=Status.SUBMITTED)
    client.force_login(focal_a)
    page = client.get(reverse("reports:country_profile", args=["GHA"]))
    body = page.content.decode()
    assert "Testland" not in body
    assert "All countries" in body and "Lower-middle income" in body
    c01 = next(r for r in page.context["rows"] if r["cap"].code == "C01")
    assert c01["status"] == "yes"
    assert c01["all"].answered == 9
    assert c01["group"].suppressed  # a group of one
    assert page.context["radar"]["data"][0]["type"] == "scatterpolar"


def test_country_profile_shows_change_since_the_previous_cycle(
    client, analyst, framework, country_a, questions
):
    from datetime import date

    q = next(q for q in questions if q.code == "C01.in_place")
    for code, opens, value in (("old", date(2021, 1, 1), "no"), ("new", date(2025, 1, 1), "yes")):
        c = Cycle.objects.create(
            code=code, name_en=code, name_fr=code, framework=framework, opens_on=opens
        )
        a = services.assessment_get_or_create(country=country_a, cycle=c)
        services.answer_save(assessment=a, question=q, value=value, user=None, base_version=0)
        Assessment.objects.filter(pk=a.pk).update(status=Status.VALIDATED)
    client.force_login(analyst)
    page = client.get(reverse("reports:country_profile", args=["GHA"]), {"cycle": "new"})
    c01 = next(r for r in page.context["rows"] if r["cap"].code == "C01")
    assert c01["change"].kind == "gained"
    assert "now in place" in page.content.decode()


@pytest.mark.parametrize("name", ["reports:heatmap", "reports:compare", "reports:trend"])
def test_comparisons_are_for_analysts_only(client, focal_a, analyst, cohort, name):
    client.force_login(focal_a)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(analyst)
    assert client.get(reverse(name)).status_code == 200


def test_heatmap_shows_each_country_by_capability(client, analyst, cohort):
    client.force_login(analyst)
    page = client.get(reverse("reports:heatmap"), {"cycle": cohort.code})
    figure = page.context["figure"]["data"][0]
    assert len(figure["y"]) == 8 and len(figure["x"]) == 21
    assert "Testland 000" in page.content.decode()


def test_compare_accepts_up_to_five_countries(client, analyst, cohort):
    client.force_login(analyst)
    codes = [f"T{i:03d}" for i in range(6)]
    too_many = client.get(reverse("reports:compare"), {"cycle": cohort.code, "countries": codes})
    assert "at most 5" in too_many.content.decode()
    page = client.get(reverse("reports:compare"), {"cycle": cohort.code, "countries": codes[:2]})
    assert page.context["countries"] == ["Testland 000", "Testland 001"]
    assert len(page.context["radar"]["data"]) == 2


@pytest.mark.parametrize("name", ["reports:compare", "reports:heatmap"])
def test_the_filter_shows_the_cycle_on_the_page_not_the_first_offered(
    client, analyst, cohort, framework, name
):
    """Another cycle without data is offered first; the page shows the cohort's cycle, and so
    must its filter, or submitting the form (the countries ticked) would switch cycles."""
    Cycle.objects.create(code="newer", name_en="Newer", name_fr="Plus récente",
                         framework=framework)  # fmt: skip
    client.force_login(analyst)
    page = client.get(reverse(name))
    assert page.context["cycle"] == cohort
    first = page.context["form"].fields["cycle"].choices[0][0]
    assert first != cohort.code
    body = page.content.decode()
    assert f'<option value="{cohort.code}" selected>' in body
    assert f'<option value="{first}" selected>' not in body


def test_trend_follows_a_capability_across_cycles(client, analyst, cohort, framework):
    later = Cycle.objects.create(
        code="later", name_en="Later", name_fr="Plus tard", framework=framework
    )
    make_countries(later, 5, start=20)
    client.force_login(analyst)
    page = client.get(reverse("reports:trend"), {"capability": "C01"})
    points = page.context["points"]
    assert [p.cycle_code for p in points] == [cohort.code, "later"]
    assert all(p.cell.answered > 0 for p in points)


def test_methodology_page_has_the_worked_example(client, focal_a):
    client.force_login(focal_a)
    body = client.get(reverse("reports:methodology")).content.decode()
    assert "36 ÷ 41" in body and "88%" in body and "13%" in body


def test_only_administrators_may_upload_and_a_bad_file_gets_the_full_report(
    client, analyst, admin_user, reference
):
    client.force_login(analyst)
    assert client.get(reverse("reports:import_upload")).status_code == 403
    client.force_login(admin_user)
    bad = SimpleUploadedFile("s.csv", b"respondent,C01.in_place\nR01,perhaps\nR01,yes\n")
    page = client.post(reverse("reports:import_upload"),
                       {"file": bad, "cycle": "up-2024", "create_participants": "on"})  # fmt: skip
    body = page.content.decode()
    assert page.status_code == 422
    assert "Row 2, column C01.in_place" in body and "Row 3, column respondent" in body
    assert Answer.objects.count() == 0


def test_upload_dry_run_then_import(client, admin_user, reference):
    client.force_login(admin_user)
    data = b"respondent,income_group,C01.in_place\nR01,high,yes\n"
    url = reverse("reports:import_upload")
    dry = client.post(url, {"file": SimpleUploadedFile("s.csv", data), "cycle": "up-2024",
                            "create_participants": "on", "dry_run": "on"})  # fmt: skip
    assert "Would add answers: 1" in dry.content.decode()
    assert Answer.objects.count() == 0
    client.post(url, {"file": SimpleUploadedFile("s.csv", data), "cycle": "up-2024",
                      "create_participants": "on"})  # fmt: skip
    assert Answer.objects.count() == 1


def test_upload_refuses_other_kinds_and_disguised_files(client, admin_user, reference, settings):
    client.force_login(admin_user)
    url = reverse("reports:import_upload")
    page = client.post(url, {"file": SimpleUploadedFile("s.ods", b"x"), "cycle": "up"})
    assert "Only .csv, .txt and .xlsx" in page.content.decode()
    page = client.post(
        url, {"file": SimpleUploadedFile("s.xlsx", b"respondent\nR1\n"), "cycle": "up"}
    )
    assert "not an Excel workbook" in page.content.decode()
    settings.MRN_MAX_UPLOAD_BYTES = 10
    page = client.post(
        url, {"file": SimpleUploadedFile("s.csv", b"respondent\nR01\nR02\n"), "cycle": "up"}
    )
    assert "larger than" in page.content.decode()
