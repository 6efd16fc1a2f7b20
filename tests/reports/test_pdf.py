"""Printed reports: text of the country report in English and French, escaping, matrix report."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from pypdf import PdfReader

from capabilities import services
from capabilities.models import Capability
from reports import pdf

from ._report_data import COMMENT, fill

# Every test here reads the database (some only through the module's ``rendered`` fixture):
# the mark keeps pytest-django from running them after the flushing transactional tests.
pytestmark = pytest.mark.django_db


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    """Page text with line breaks and hyphenation undone, for phrase checks."""
    return re.sub(r"\s+", " ", text.replace("-\n", "").replace("\n", " "))


@pytest.fixture
def filled_a(assessment_a, questions, focal_a):
    fill(assessment_a, questions, focal_a, comments={"C01.strategy": COMMENT})
    return assessment_a


@pytest.fixture
def capabilities(framework):
    return list(Capability.objects.filter(framework=framework))


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> dict[str, bytes]:
    """Ghana's filled report rendered once for the module's read-only tests: "en" and "fr" of an
    illustrative cycle, "en-real" of a real one (data built in a transaction rolled back after)."""
    from django.contrib.auth import get_user_model

    from capabilities.models import Country, Cycle, FrameworkVersion, Profile, Question, Role
    from capabilities.reference_data import load_all

    with django_db_blocker.unblock(), transaction.atomic():
        if not FrameworkVersion.objects.filter(code="MNR-2016").exists():
            load_all()  # after a transactional test flushed the database
        framework = FrameworkVersion.objects.get(code="MNR-2016")
        cycle = Cycle.objects.create(
            code="test-2025", name_en="Test cycle 2025", name_fr="Cycle de test 2025",
            framework=framework,
        )  # fmt: skip
        ghana = Country.objects.get(code="GHA")
        focal = get_user_model().objects.create_user(username="focal_pdf", first_name="Focal")
        Profile.objects.create(user=focal, role=Role.FOCAL_POINT, country=ghana)
        questions = list(Question.objects.for_framework(framework).with_structure())
        assessment = services.assessment_get_or_create(country=ghana, cycle=cycle)
        fill(assessment, questions, focal, comments={"C01.strategy": COMMENT})
        result = {"en-real": pdf.country_report_pdf(assessment, lang="en")}
        cycle.is_illustrative = True
        cycle.save()
        result["en"] = pdf.country_report_pdf(assessment, lang="en")
        result["fr"] = pdf.country_report_pdf(assessment, lang="fr")
        transaction.set_rollback(True)
    return result


def test_english_country_report_names_country_cycle_all_capabilities_and_comment(
    rendered, capabilities
):
    pages = pdf_pages(rendered["en"])
    text = flat("\n".join(pages))
    assert "Ghana" in text
    assert "Test cycle 2025" in text
    for capability in capabilities:
        assert capability.name_en in text, capability.code
    assert COMMENT in text
    assert "https://example.org/C01.in_place" in text
    assert f"page 1 of {len(pages)}" in flat(pages[0])
    assert all("Illustrative data" in page for page in pages)
    assert "Confidential — country team and WeProtect Global Alliance secretariat only" in text


def test_french_country_report_is_in_french_with_no_english_capability_name(rendered, capabilities):
    pages = pdf_pages(rendered["fr"])
    text = flat("\n".join(pages))
    assert "Ghana" in text
    assert "Cycle de test 2025" in text
    for capability in capabilities:
        assert capability.name_fr in text, capability.code
    english_only = [c.name_en for c in capabilities if c.name_en != c.name_fr]
    assert [name for name in english_only if name in text] == []
    assert COMMENT in text
    assert f"page 1 sur {len(pages)}" in flat(pages[0])
    assert all("Données illustratives" in page for page in pages)
    assert "Confidentiel — équipe nationale et secrétariat de l'Alliance mondiale WeProtect" in text
    assert "Synthèse" in text and "Summary" not in text


def test_a_report_of_a_real_cycle_carries_no_illustrative_mark(rendered):
    text = "\n".join(pdf_pages(rendered["en-real"]))
    assert "Ghana" in text
    assert "Illustrative data" not in text


def test_html_and_script_in_a_comment_print_as_text(assessment_a, questions, focal_a):
    comment = '<script>alert(1)</script> <b>bold</b> <img src="x">'
    fill(assessment_a, questions, focal_a, comments={"C03.criminalised": comment})
    report = pdf.build_country_report(assessment_a, lang="en")
    html = pdf.country_report_html(report)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = flat("\n".join(pdf_pages(pdf.render_pdf(html))))
    assert '<script>alert(1)</script> <b>bold</b> <img src="x">' in text


def test_pdf_is_tagged_with_title_and_language(rendered):
    reader = PdfReader(io.BytesIO(rendered["fr"]))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title.startswith("Ghana")
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()
            for sub in descriptor.get("/DescendantFonts", [descriptor]):
                fd = sub.get_object().get("/FontDescriptor")
                if fd is not None:
                    fonts.add(
                        any(k in fd.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                    )
    assert fonts == {True}  # every font is embedded


def test_summary_shows_change_since_previous_cycle(
    framework, country_a, questions, focal_a, analyst, cycle
):
    from datetime import date

    from capabilities.models import Cycle

    old = Cycle.objects.create(
        code="old-2021",
        name_en="Old cycle 2021",
        name_fr="Ancien cycle 2021",
        framework=framework,
        opens_on=date(2021, 1, 1),
    )
    cycle.opens_on = date(2025, 1, 1)
    cycle.save()
    before = services.assessment_get_or_create(country=country_a, cycle=old)
    now = services.assessment_get_or_create(country=country_a, cycle=cycle)
    headline = next(q for q in questions if q.code == "C01.in_place")
    for assessment, value in ((before, "no"), (now, "yes")):
        services.answer_save(
            assessment=assessment,
            question=headline,
            value=value,
            user=focal_a,
            base_version=0,
        )
        services.assessment_submit(assessment=assessment, user=focal_a)
    report = pdf.build_country_report(now, lang="en")
    assert report.previous_cycle_name == "Old cycle 2021"
    assert [(c.code, c.change) for c in report.changes] == [("C01", "gained")]
    text = flat("\n".join(pdf_pages(pdf.render_pdf(pdf.country_report_html(report)))))
    assert "Compared with Old cycle 2021" in text
    assert "Now in place" in text


def test_matrix_report_shows_counts_and_suppresses_small_groups(
    cycle, country_a, country_b, questions, focal_a, focal_b
):
    for country, user in ((country_a, focal_a), (country_b, focal_b)):
        assessment = services.assessment_get_or_create(country=country, cycle=cycle)
        fill(assessment, questions, user, seed=country.code)
    suppressed = flat("\n".join(pdf_pages(pdf.matrix_report_pdf(cycle, lang="en", min_cell=5))))
    assert "Capabilities in place" in suppressed
    assert "Not shown: fewer than 5 countries answered." in suppressed
    assert not re.search(r"\d+% · \d+ of \d+", suppressed)  # no share anywhere below K
    unsuppressed = pdf_pages(pdf.matrix_report_pdf(cycle, lang="en", min_cell=None))
    assert re.search(r"\d+% · \d+ of [12]\b", flat(unsuppressed[0]))


def test_commands_write_country_and_matrix_reports(filled_a, tmp_path):
    out = tmp_path / "ghana.pdf"
    call_command("country_report", "GHA", cycle="test-2025", lang="fr", output=str(out))
    assert "Ghana" in "\n".join(pdf_pages(out.read_bytes()))
    matrix = tmp_path / "matrix.pdf"
    call_command("matrix_report", cycle="test-2025", lang="en", output=str(matrix))
    assert "Capabilities in place" in "\n".join(pdf_pages(matrix.read_bytes()))


def test_country_report_command_explains_an_unknown_country(cycle, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No assessment of country 'ZZZ'"):
        call_command("country_report", "ZZZ", cycle=cycle.code, output=str(tmp_path / "x.pdf"))
