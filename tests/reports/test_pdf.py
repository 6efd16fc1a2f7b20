"""Printed reports: the illustrative mark, the matrix report, the commands (the country report's
text, outline and language are in test_country_report.py)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
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


def test_a_report_of_a_real_cycle_carries_no_illustrative_mark(filled_a):
    html = pdf.country_report_html(pdf.build_country_report(filled_a, lang="en"))
    assert "Illustrative data" not in html
    filled_a.cycle.is_illustrative = True
    filled_a.cycle.save()
    html = pdf.country_report_html(pdf.build_country_report(filled_a, lang="en"))
    assert "Illustrative data" in html


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


def test_matrix_report_of_a_small_cycle_has_sentences_not_pages_of_grey_bars(
    cycle, country_a, country_b, questions, focal_a, focal_b
):
    from capabilities.models import Participation

    for country, user, income in (
        (country_a, focal_a, "lower_middle"),
        (country_b, focal_b, "upper_middle"),
    ):
        Participation.objects.create(cycle=cycle, country=country, income_group=income)
        assessment = services.assessment_get_or_create(country=country, cycle=cycle)
        fill(assessment, questions, user, seed=country.code)
    html = pdf.matrix_report_html(cycle, lang="en", min_cell=5)
    assert html.count("<img") == 0  # every figure would be grey: none is drawn
    data = pdf.render_pdf(html)
    pages = pdf_pages(data)
    text = flat("\n".join(pages))
    assert len(pages) <= 4
    assert "No share can be shown: fewer than 5 countries answered each capability." in text
    hidden = text[text.index("Not shown, because fewer than 5 countries answered in each") :]
    assert "Lower-middle income (N = 1)" in hidden and "Upper-middle income (N = 1)" in hidden
    assert "C01 Leadership" in text  # the overall matrix table is always there
    shown = pdf.matrix_report_html(cycle, lang="en", min_cell=None)
    assert shown.count("<img") == 1  # Figure 1 for analysts; groups of one are always hidden


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


def test_the_cycle_collector_runs_rarely_during_a_render_and_as_before_after(monkeypatch):
    """pdf._rare_cyclic_gc: the render thresholds while WeasyPrint works (counted for two threads
    of a worker), the process's own thresholds again after the last render, even one that
    failed; the collector is never switched off."""
    import gc
    import threading

    from weasyprint import HTML

    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's default (the test processes run with others)
    seen: list[tuple[int, int, int]] = []
    original = HTML.write_pdf

    def write_pdf(self, *args, **kwargs):
        assert gc.isenabled()
        seen.append(gc.get_threshold())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "write_pdf", write_pdf)
    try:
        assert pdf.render_pdf("<html lang='en'><title>t</title><p>x</p></html>")[:4] == b"%PDF"
        assert seen == [pdf.RENDER_GC_THRESHOLDS] != (700, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)

        inside, release = threading.Event(), threading.Event()

        def hold() -> None:
            with pdf._rare_cyclic_gc():
                inside.set()
                release.wait(10)

        other = threading.Thread(target=hold)
        other.start()
        inside.wait(10)
        pdf.render_pdf("<html lang='en'><title>t</title><p>y</p></html>")
        assert gc.get_threshold() == pdf.RENDER_GC_THRESHOLDS  # the other render goes on
        release.set()
        other.join()
        assert gc.get_threshold() == (700, 10, 10)

        with pytest.raises(ValueError), pdf._rare_cyclic_gc():
            raise ValueError
        assert gc.get_threshold() == (700, 10, 10) and gc.isenabled()
    finally:
        gc.set_threshold(*before)
