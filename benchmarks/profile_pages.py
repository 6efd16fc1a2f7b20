"""Profiles the three pages people wait for (domain page, matrix page, country profile) with
cProfile, through Django's test client on a 200-country data set.

Usage: ``python -m benchmarks.profile_pages [COUNTRIES] [TOP]``: prints, for each page, the median
server time of 20 requests, the queries of one, and the TOP functions by cumulative time.
Not part of ``make bench`` (no aim): it says where the time goes (docs/benchmarks.md).
PROFILE_SORT=tottime sorts by the time spent in each function itself; PROFILE_ONLY=domain
profiles only the pages whose label contains it.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mrn_assess.settings")
os.environ.setdefault("MRN_TESTING", "true")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from benchmarks import dataset  # noqa: E402
from benchmarks.load_bench import Page, pages  # noqa: E402


def main(argv: list[str]) -> int:
    countries = int(argv[0]) if argv else 200
    top = int(argv[1]) if len(argv) > 1 else 25
    with dataset.bench_database():
        data = dataset.build(countries)
        page_list, _notes = pages(data)
        # the floor of a signed-in page: session, user, middleware, base template, no data
        analyst = next(p for p in page_list if "analyst" in p.label)
        page_list.insert(1, Page("methodology page (analyst)", reverse("reports:methodology"),
                                 analyst.cookie))  # fmt: skip
        only = os.environ.get("PROFILE_ONLY", "")
        for page in page_list:
            if only and only not in page.label:
                continue
            client = Client(HTTP_HOST="127.0.0.1")
            if page.cookie:
                client.cookies[settings.SESSION_COOKIE_NAME] = page.cookie
            response = client.get(page.path)
            assert response.status_code == 200, (page.label, response.status_code)
            with CaptureQueriesContext(connection) as queries:
                client.get(page.path)
            times, cpu = [], []
            for _ in range(20):
                start, start_cpu = time.perf_counter(), time.process_time()
                client.get(page.path)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(10):
                client.get(page.path)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(
                os.environ.get("PROFILE_SORT", "cumulative")
            ).print_stats(top)
            print(
                f"\n== {page.label}: {statistics.median(times) * 1000:.1f} ms median, "
                f"{statistics.median(cpu) * 1000:.1f} ms CPU, "
                f"{len(queries)} queries, {len(response.content):,} bytes"
            )
            if top:
                print(out.getvalue())
        export_cost(data)
    return 0


def export_cost(data: dataset.Dataset) -> None:
    """CPU µs per answer cell of the long CSV export of the latest cycle (all countries)."""
    from capabilities.models import Assessment
    from reports import exports

    cycle = data.cycle
    assessments = Assessment.objects.all()
    cells = len(data.questions) * assessments.filter(cycle=cycle).count()

    def run() -> int:
        if hasattr(exports, "answer_data_chunks"):
            size = 0
            for chunk in exports.answer_data_chunks(cycle, assessments):
                for part in exports.csv_chunks(
                    exports.long_header("en"), exports.iter_answers_long(chunk), bom=False
                ):
                    size += len(part)
            return size
        return len(
            exports.to_csv(exports.answers_long(exports.load_answer_data(cycle, assessments)))
        )

    run()
    cpu = []
    for _ in range(3):
        start = time.process_time()
        run()
        cpu.append(time.process_time() - start)
    best = min(cpu)
    print(
        f"\n== long CSV export: {cells:,} answer cells, {best:.2f} s CPU, {best / cells * 1e6:.1f} µs per cell"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
