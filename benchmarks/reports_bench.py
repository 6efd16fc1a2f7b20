"""Printed reports: one full country report, and the bulk ZIP export per report.

Builds its own throw-away database (Django's test-database machinery: in memory on SQLite, a
``test_…`` database on PostgreSQL, dropped afterwards) with the real framework (21 capabilities,
108 questions) and ``COUNTRIES`` countries that answered every question, with comments and
evidence. Prints medians of repeated runs and the ratio to WeasyPrint alone rendering the same
HTML (no queries, no charts, no templates): the cost of our data work on top of the layout.
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import override_settings

from benchmarks.common import Aim, heading, median_seconds, row

if TYPE_CHECKING:
    from capabilities.models import Assessment

COUNTRIES = 8
REPEAT = 5
AIM_REPORT_SECONDS = 2.0
AIM_BULK_PER_REPORT_SECONDS = 2.0


def cpu_seconds(fn: Callable[[], object], *, repeat: int = REPEAT) -> float:
    """Median CPU time of this process for ``fn`` (after one warm-up run): unlike wall time it
    does not grow when other processes share the two cores."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


@contextlib.contextmanager
def _database() -> Iterator[None]:
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        creation.destroy_test_db(old_name, verbosity=0)


def _populate() -> tuple[User, list[Assessment]]:
    """A cycle with COUNTRIES submitted assessments answering all 108 questions."""
    import random

    from django.contrib.auth import get_user_model

    from capabilities import services
    from capabilities.demo import demo_value
    from capabilities.models import Country, Cycle, FrameworkVersion, Question
    from capabilities.reference_data import load_all

    load_all()
    framework = FrameworkVersion.objects.get(code="MNR-2016")
    cycle = Cycle.objects.create(
        code="bench-reports", name_en="Benchmark cycle", name_fr="Cycle de mesure",
        framework=framework, is_illustrative=True,
    )  # fmt: skip
    user = get_user_model().objects.create_superuser("bench", first_name="Bench", last_name="User")
    questions = list(Question.objects.for_framework(framework).with_structure())
    assessments = []
    for country in Country.objects.filter(kind="state").order_by("code")[:COUNTRIES]:
        assessment = services.assessment_get_or_create(country=country, cycle=cycle)
        rng = random.Random(country.code)
        for question in questions:
            services.answer_save(
                assessment=assessment,
                question=question,
                value=demo_value(question, rng),
                comment=(
                    "The national plan covers this (adopted 2019, reviewed 2023)."
                    if rng.random() < 0.3
                    else ""
                ),
                evidence=[f"https://example.org/{country.code}/{question.code}"]
                if question.is_headline
                else [],
                user=user,
                base_version=0,
            )
        services.assessment_submit(assessment=assessment, user=user)
        assessments.append(assessment)
    return user, assessments


def _measure_reports(user: User, assessments: list[Assessment]) -> list[Aim]:
    from capabilities.models import Assessment
    from reports import pdf
    from reports.models import BulkExport
    from reports.tasks import request_bulk_export

    assessment = Assessment.objects.select_related("country", "cycle__framework").get(
        pk=assessments[0].pk
    )
    heading(f"Country report PDF (21 capabilities, 108 questions; median of {REPEAT})")
    full = median_seconds(lambda: pdf.country_report_pdf(assessment, lang="en"), repeat=REPEAT)
    full_fr = median_seconds(lambda: pdf.country_report_pdf(assessment, lang="fr"), repeat=REPEAT)
    data = median_seconds(lambda: pdf.build_country_report(assessment, lang="en"), repeat=REPEAT)
    report = pdf.build_country_report(assessment, lang="en")
    html_time = median_seconds(lambda: pdf.country_report_html(report), repeat=REPEAT)
    html = pdf.country_report_html(report)
    weasy = median_seconds(lambda: pdf.render_pdf(html), repeat=REPEAT)
    pages = len(__import__("pypdf").PdfReader(__import__("io").BytesIO(pdf.render_pdf(html))).pages)
    full_cpu = cpu_seconds(lambda: pdf.country_report_pdf(assessment, lang="en"))
    weasy_cpu = cpu_seconds(lambda: pdf.render_pdf(html))
    row("machine load average (1 min)", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    row("full country report, English", f"{full:.2f} s ({pages} pages)")
    row("full country report, English, CPU time", f"{full_cpu:.2f} s")
    row("full country report, French", f"{full_fr:.2f} s")
    row("  of which data (queries, scoring)", f"{data:.3f} s")
    row("  of which HTML (templates, radar SVG)", f"{html_time:.3f} s")
    row("WeasyPrint alone on the same HTML", f"{weasy:.2f} s")
    row("WeasyPrint alone on the same HTML, CPU time", f"{weasy_cpu:.2f} s")
    row("ratio full report / WeasyPrint alone", f"{full / weasy:.2f}×")
    row("ratio full report / WeasyPrint alone, CPU time", f"{full_cpu / weasy_cpu:.2f}×")

    heading(f"Bulk ZIP of {len(assessments)} country reports (task run in-process; median of 3)")
    cycle = assessment.cycle
    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(
            MEDIA_ROOT=media,
            TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
        ),
    ):
        total = median_seconds(
            lambda: request_bulk_export(cycle=cycle, lang="en", user=user), repeat=3
        )
        last = BulkExport.objects.order_by("-pk").first()
        assert last is not None, "no bulk export was recorded"
        assert last.done == last.total == len(assessments), last.error
    per_report = total / len(assessments)
    row("bulk export, whole ZIP", f"{total:.2f} s")
    row("bulk export, per report", f"{per_report:.2f} s")
    row("ratio per report / WeasyPrint alone", f"{per_report / weasy:.2f}×")
    return [
        Aim("country report PDF", full, AIM_REPORT_SECONDS, unit=" s"),
        Aim("bulk export per report", per_report, AIM_BULK_PER_REPORT_SECONDS, unit=" s"),
    ]


def run() -> list[Aim]:
    logging.getLogger("django.tasks").setLevel(logging.WARNING)
    heading(f"Reports: setting up {COUNTRIES} countries × 108 answers in a throw-away database")
    with _database():
        user, assessments = _populate()
        return _measure_reports(user, assessments)
