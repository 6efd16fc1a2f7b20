"""The printed country report, read as its readers would: pdftotext per section in English and
French, the PDF outline, no question codes, no English in the French report, the priorities in
the documented order, cohorts with small-cell suppression, tagging and escaping.

Each report is rendered once for the module (a crafted assessment of Ghana, five other countries,
a previous cycle), inside a transaction rolled back at the end. Page images are saved in
test-artifacts/ (country-report-en-*.png, country-report-fr-*.png) for people to look at.
"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from capabilities import services
from capabilities.models import (
    Assessment,
    Country,
    Cycle,
    FrameworkVersion,
    Participation,
    Question,
    QuestionKind,
)
from reports import pdf
from tests._workflow import force_submit
from tests.factories import ensure_reference_data

pytestmark = pytest.mark.django_db  # the data itself is created once per module, below

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
COMMENT = "Le plan national a été adopté en 2019 (ministère de la Justice)."
SCRIPT = '<script>alert(1)</script> <b>gras</b> <img src="x">'
TEXT_ANSWER = "Réponse de démonstration : décrite dans le plan d'action national."
EVIDENCE = "https://example.org/loi-2019.pdf"

# Headline answer and maturity phase per capability (None: no maturity answer).
CRAFTED = {
    "C01": ("yes", 4), "C02": ("no", 2), "C03": ("yes", 1), "C04": ("dont_know", None),
    "C05": ("yes", 3), "C06": ("no", 1), "C07": ("yes", 2), "C08": ("yes", 4),
    "C09": ("no", 3), "C10": ("yes", 3), "C11": ("yes", 4), "C12": ("yes", 3),
    "C13": ("no", 1), "C14": ("yes", 3), "C15": ("yes", 2), "C16": ("yes", 3),
    "C17": ("yes", 4), "C18": ("yes", 3), "C19": ("yes", 3), "C20": ("yes", 3),
    "C21": ("yes", 3),
}  # fmt: skip
# The documented rule (capabilities.priorities): not in place first (C04 has no phase, then
# phase 1 in framework order, then 2, then 3), then in place below phase 3 by phase.
EXPECTED_PRIORITIES = ["C04", "C06", "C13", "C02", "C09", "C03", "C07", "C15"]
# Ghana: lower-middle income, Sub-Saharan Africa; four more lower-middle income countries (a
# group of five: shown) and one more in the region (a group of two: hidden).
OTHERS = {"NGA": "sub_saharan_africa", "IND": "south_asia", "PHL": "east_asia_pacific",
          "UZB": "europe_central_asia"}  # fmt: skip
QUESTION_CODE = re.compile(r"(?<![\w/.-])C\d{2}\.[a-z_]+")


def _value(question: Question, crafted: dict[str, tuple[str, int | None]]) -> str:
    cap = question.capability.code
    if question.is_headline:
        return crafted[cap][0]
    if question.kind == QuestionKind.MATURITY:
        phase = crafted[cap][1]
        return str(phase) if phase else ""
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        return question.options.all()[0].code
    if question.kind == QuestionKind.NUMBER:
        return str(int(question.min_value or 0) + 3)
    if question.kind == QuestionKind.YES_NO:
        return "yes"
    return TEXT_ANSWER


def _answer_all(assessment, questions, user, crafted, comments=None):
    comments = comments or {}
    for question in questions:
        value = _value(question, crafted)
        if not value:
            continue
        services.answer_save(
            assessment=assessment,
            question=question,
            value=value,
            comment=comments.get(question.code, ""),
            evidence=[EVIDENCE]
            if question.is_headline and question.capability.code == "C01"
            else [],
            user=user,
            base_version=0,
        )
    force_submit(assessment, user)


def _pdftotext(data: bytes, tmp: Path, name: str) -> list[str]:
    path = tmp / f"{name}.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def _save_images(data: bytes, tmp: Path, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    path = tmp / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / name)], check=True)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("-\n", "").replace("\n", " "))


@pytest.fixture(scope="module")
def reports(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("country-report")
    out = {}
    with django_db_blocker.unblock():
        ensure_reference_data()  # a transactional test on this worker may have flushed it
    with django_db_blocker.unblock(), transaction.atomic():
        framework = FrameworkVersion.objects.get(code="MNR-2016")
        questions = list(Question.objects.for_framework(framework).with_structure())
        user = get_user_model().objects.create_user("reporter", email="r@example.org")
        old = Cycle.objects.create(
            code="old-2021", name_en="Old cycle 2021", name_fr="Ancien cycle 2021",
            framework=framework, opens_on=date(2021, 1, 1),
        )  # fmt: skip
        cycle = Cycle.objects.create(
            code="test-2025", name_en="Test cycle 2025", name_fr="Cycle de test 2025",
            framework=framework, opens_on=date(2025, 1, 1), is_illustrative=True,
        )  # fmt: skip
        ghana = Country.objects.get(code="GHA")
        Participation.objects.create(
            cycle=cycle, country=ghana, income_group="lower_middle", region="sub_saharan_africa"
        )
        before = services.assessment_get_or_create(country=ghana, cycle=old)
        _answer_all(before, questions, user, {**CRAFTED, "C01": ("no", 2), "C02": ("yes", 3)})
        assessment = services.assessment_get_or_create(country=ghana, cycle=cycle)
        _answer_all(
            assessment,
            questions,
            user,
            CRAFTED,
            comments={"C01.strategy": COMMENT, "C03.criminalised": SCRIPT},
        )
        for code, region in OTHERS.items():
            country = Country.objects.get(code=code)
            Participation.objects.create(
                cycle=cycle, country=country, income_group="lower_middle", region=region
            )
            other = services.assessment_get_or_create(country=country, cycle=cycle)
            _answer_all(other, questions, user, {c: ("yes", 2) for c in CRAFTED})
        assessment = Assessment.objects.select_related("country", "cycle__framework").get(
            pk=assessment.pk
        )
        for lang in ("en", "fr"):
            with CaptureQueriesContext(connection) as queries:
                report = pdf.build_country_report(assessment, lang=lang)
            out[f"queries-{lang}"] = len(queries)
            html = pdf.country_report_html(report)
            data = pdf.render_pdf(html)
            pages = _pdftotext(data, tmp, f"country-report-{lang}")
            _save_images(data, tmp, f"country-report-{lang}")
            out[lang] = {"report": report, "html": html, "pdf": data, "pages": pages}
        transaction.set_rollback(True)
    return out


def section(pages: list[str], start: str, end: str | None) -> str:
    """The flattened text of a section: from its heading (not its contents entry) to ``end``
    (a regular expression)."""
    text = flat("\n".join(pages))
    begin = text.index(start, text.index(start) + 1)  # skip the contents page entry
    found = re.compile(end).search(text, begin + len(start)) if end else None
    return text[begin : found.start() if found else len(text)]


EN_SECTIONS = ["Executive summary", "Beside other countries", "Priorities for action",
               "D1 Policy and Governance", "Annex: method and questionnaire"]  # fmt: skip
FR_SECTIONS = ["Synthèse", "Face aux autres pays", "Priorités d'action",
               "D1 Politique et gouvernance", "Annexe : méthode et questionnaire"]  # fmt: skip


def test_cover_names_country_cycle_status_date_and_marks(reports):
    for lang, cycle, status, confidential, mark in (
        ("en", "Test cycle 2025", "Submitted", "Confidential — country team", "Illustrative data"),
        ("fr", "Cycle de test 2025", "Soumis", "Confidentiel — équipe nationale",
         "Données illustratives"),
    ):  # fmt: skip
        pages = reports[lang]["pages"]
        cover = flat(pages[0])
        for text in ("Ghana", cycle, status, confidential, mark):
            assert text in cover, (lang, text)
        assert all(mark in page for page in pages), lang


def test_executive_summary_fits_one_page_with_counts_strongest_weakest_and_changes(reports):
    en = reports["en"]["pages"]
    summary_pages = [p for p in en if "Executive summary" in p]
    assert len(summary_pages) == 2  # the contents entry and the summary page itself
    page = flat(summary_pages[1])
    assert "16 of 21" in page
    assert "Beside other countries" not in page  # the next section starts on a new page
    areas = re.findall(r"C\d\d", page[page.index("Strongest areas") : page.index("Change since")])
    assert [c for c in areas if c in ("C01", "C08", "C11")] == ["C01", "C08", "C11"]
    assert [c for c in areas if c not in ("C01", "C08", "C11")] == EXPECTED_PRIORITIES[:3]
    changes = page[page.index("Change since") :]
    assert "C01 Leadership — Now in place" in changes
    assert "C02 Research, Analysis and Monitoring — No longer in place" in changes
    fr = flat([p for p in reports["fr"]["pages"] if "Synthèse" in p][1])
    assert "16 sur 21" in fr and "Points forts" in fr and "Points faibles" in fr


def test_cohorts_shown_or_suppressed_never_a_named_country(reports):
    en = section(reports["en"]["pages"], "Beside other countries", "Priorities for action")
    assert "All countries" in en and "Lower-middle income" in en
    assert "Sub-Saharan Africa" in en
    # Ghana, all six countries, the five lower-middle income ones, the region (two): hidden
    assert re.search(r"D2 Criminal Justice 2\.0 \d\.\d \d\.\d not shown \(fewer than 5", en)
    everything = flat("\n".join(reports["en"]["pages"]))
    for name in ("Nigeria", "India", "Philippines", "Uzbekistan"):
        assert name not in everything
    fr = section(reports["fr"]["pages"], "Face aux autres pays", "Priorités d'action")
    assert "Tous les pays" in fr and re.search(r"D2 Justice pénale 2,0 \d,\d", fr)


def test_priorities_in_the_documented_order(reports):
    assert [p.code for p in reports["en"]["report"].priorities] == EXPECTED_PRIORITIES
    for lang, start, end in (
        ("en", "Priorities for action", r"D1 Policy and Governance \d+ of \d+ capabilities"),
        ("fr", "Priorités d'action", r"D1 Politique et gouvernance \d+ capacités en place"),
    ):
        text = section(reports[lang]["pages"], start, end)
        assert re.findall(r"\bC\d\d\b", text) == EXPECTED_PRIORITIES, lang
    assert [p.rank for p in reports["en"]["report"].priorities] == list(range(1, 9))
    en = section(reports["en"]["pages"], "Priorities for action", r"D1 Policy and Governance \d")
    assert "Phase 1 (Building)" in en and "Phase 3 (Established)" in en


def test_each_section_in_both_languages_and_domains_without_half_empty_pages(reports):
    for lang, names in (("en", EN_SECTIONS), ("fr", FR_SECTIONS)):
        text = flat("\n".join(reports[lang]["pages"]))
        for name in names:
            assert text.count(name) >= 2, (lang, name)  # in the contents and as a heading
    en = reports["en"]["pages"]
    # Domains follow one another: D2 starts on the page where D1's last capability (C03) ends.
    d2 = next(p for p in en if re.search(r"D2 Criminal Justice\s+\d+ of 4 capabilities", p))
    before = flat(d2).split("D2 Criminal Justice")[0]
    assert len(before) > 200  # the page starts with the end of D1, not with blank space
    method = section(en, "Annex: method and questionnaire", None)
    assert "MNR-2016" in method and "Model National Response" in method


def test_outline_has_every_section_and_domain(reports):
    for lang, names in (("en", EN_SECTIONS), ("fr", FR_SECTIONS)):
        reader = PdfReader(io.BytesIO(reports[lang]["pdf"]))
        top = [item.title for item in reader.outline if not isinstance(item, list)]
        for name in names:
            assert name in top, (lang, name, top)
        nested = [
            item.title for group in reader.outline if isinstance(group, list) for item in group
        ]
        assert any(title.startswith("C01 ") for title in nested), lang


def test_no_question_code_in_the_text(reports):
    for lang in ("en", "fr"):
        text = "\n".join(reports[lang]["pages"])
        assert QUESTION_CODE.findall(text) == [], lang
        assert "C01.in_place" not in reports[lang]["html"]


ENGLISH = re.compile(
    r"\b(the|and|of|with|Summary|Priorities|Capability|Domain|Status|Answer|Comment:|Evidence|"
    r"Not in place|In place|Generated|Confidential|Contents|page \d+ of|Next step|Rank|Now|"
    r"Strongest|Weakest|Change|All countries|income|No answer|Yes|No)\b"
)


def test_the_french_report_has_no_english_apart_from_user_text(reports):
    text = flat("\n".join(reports["fr"]["pages"]))
    for user_text in (COMMENT, SCRIPT, TEXT_ANSWER, EVIDENCE):
        text = text.replace(user_text, " ")
    assert ENGLISH.findall(text) == []
    assert "décembre" in text or re.search(r"\d{1,2} \w+ \d{4}", text)


def test_user_text_prints_as_written_and_html_is_escaped(reports):
    html = reports["en"]["html"]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = flat("\n".join(reports["en"]["pages"]))
    assert SCRIPT in text and COMMENT in text and EVIDENCE in text


def test_review_comments_are_not_printed(reports):
    for lang in ("en", "fr"):
        assert "Review comment" not in "\n".join(reports[lang]["pages"])


def test_pdf_is_tagged_with_title_language_and_embedded_fonts(reports):
    for lang in ("en", "fr"):
        reader = PdfReader(io.BytesIO(reports[lang]["pdf"]))
        root = reader.trailer["/Root"]
        assert root["/Lang"] == lang
        assert "/StructTreeRoot" in root
        assert root["/MarkInfo"]["/Marked"]
        assert reader.metadata.title.startswith("Ghana")


def test_page_images_are_saved(reports):
    for lang in ("en", "fr"):
        images = sorted(ARTIFACTS.glob(f"country-report-{lang}-*.png"))
        assert len(images) == len(reports[lang]["pages"])


def test_the_report_data_costs_a_fixed_number_of_queries(reports):
    assert reports["queries-en"] == reports["queries-fr"] == 20
