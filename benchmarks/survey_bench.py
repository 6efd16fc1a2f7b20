"""The same workload on MRN Assess and on django-survey-and-report, side by side.

django-survey-and-report (PyPI, 1.5.x) is what a team would otherwise install. It runs in its own
virtualenv (``<cache>/survey-venv``, created here with pip when missing; cache =
``$MRN_BENCH_CACHE`` or ``<tmp>/mrn-bench``), hosting the minimal project in
benchmarks/survey_project/, against its own database (``<DATABASE_URL name>_survey`` on the same
PostgreSQL server, or a temporary SQLite file), as a subprocess that prints JSON
(benchmarks/survey_project/run.py says what it does).

The same operations on MRN Assess, in a process of their own as the package's
(benchmarks/survey_ours.py), through Django's test Client on the bench database
(benchmarks/dataset.py), at 20 and then 200 countries (respondents):

- form for one section: a focal point's domain page D2 (21 questions, their answers filled in)
  vs the package's second category page (19 questions, the respondent's answers filled in);
- form for all questions: the one-page questionnaire (all 108 questions of the six domains, the
  answers filled in) vs the package's one-page survey (100 questions);
- saving a complete response: a new focal point posts the one-page questionnaire once without
  JavaScript (108 answers, as a browser sends a form: urlencoded; one call of
  services.answers_save_page, each answer with its history row) vs a new respondent posting the
  one-page survey (100 answers);
- export of all responses to CSV: ``reports.exports`` wide table (one row per country, one column
  per question: the same shape as the package's CSV) of every assessment of the cycle vs the
  package's ``Survey2Csv``. The long export (one row per answer) is printed for information.

Each operation: median time (benchmarks.common.measure) and queries. Aims: MRN Assess ≥ 10×
faster per operation at 200 respondents, and its query counts the same at 20 and 200.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from benchmarks import dataset
from benchmarks.common import Aim, Measured, heading, measure, row
from benchmarks.load_bench import session_cookie
from capabilities.demo import demo_value
from capabilities.models import (
    Answer,
    Assessment,
    Country,
    CountryKind,
    Participation,
    Profile,
    QuestionKind,
    Role,
    Status,
)
from reports import exports

REQUIREMENT = "django-survey-and-report>=1.5,<1.6"
SIZES = (20, 200)
OPERATIONS = (
    ("form_section", "form for one section"),
    ("form_all", "form for all questions"),
    ("save", "saving a complete response"),
    ("export", "export of all responses (CSV)"),
)
SECTION = "D2"
PIP_TIMEOUT = 600
SUBPROCESS_TIMEOUT = 900


def cache_dir() -> Path:
    return Path(os.environ.get("MRN_BENCH_CACHE") or Path(tempfile.gettempdir()) / "mrn-bench")


# ---------------------------------------------------------------------------------------------
# django-survey-and-report, in its own virtualenv


def survey_python(postgres: bool) -> Path | None:
    """The survey virtualenv's Python, created and filled with pip if needed; None on failure."""
    venv = cache_dir() / "survey-venv"
    python = venv / "bin" / "python"
    check = "import survey, django" + (", psycopg" if postgres else "")
    if python.exists() and _ok([str(python), "-c", check]):
        return python
    print(f"  (installing {REQUIREMENT} into {venv} with pip …)", flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    base = getattr(sys, "_base_executable", sys.executable)
    if not python.exists() and not _ok([base, "-m", "venv", str(venv)], timeout=120):
        return None
    packages = [REQUIREMENT] + (["psycopg[binary]"] if postgres else [])
    if not _ok([str(python), "-m", "pip", "install", "--quiet", *packages], timeout=PIP_TIMEOUT):
        return None
    return python if _ok([str(python), "-c", check]) else None


def _ok(command: list[str], timeout: float = 60) -> bool:
    try:
        done = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def run_survey_package(python: Path) -> dict:
    s = connection.settings_dict
    env = {
        **os.environ,
        "PYTHONPATH": str(settings.BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "benchmarks.survey_project.settings",
        "SURVEY_WORK_DIR": str(cache_dir() / "survey-work"),
    }
    if connection.vendor == "postgresql":
        env.update(
            {
                "SURVEY_DB_ENGINE": "postgresql",
                "SURVEY_DB_NAME": f"{s['NAME']}_survey",
                "SURVEY_DB_HOST": s.get("HOST") or "",
                "SURVEY_DB_PORT": str(s.get("PORT") or ""),
                "SURVEY_DB_USER": s.get("USER") or "",
                "SURVEY_DB_PASSWORD": s.get("PASSWORD") or "",
            }
        )
    else:
        env.update(
            {
                "SURVEY_DB_ENGINE": "sqlite3",
                "SURVEY_DB_NAME": str(cache_dir() / "survey-work" / "survey.sqlite3"),
            }
        )
    return _json_of([str(python), "-m", "benchmarks.survey_project.run"], env, "The survey project")


def _json_of(command: list[str], env: dict[str, str], who: str) -> dict[str, Any]:
    """Runs one side of the comparison in its own process; its last output line is JSON. Other
    lines (the data set's set-up) are printed."""
    done = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
        command,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    lines = done.stdout.splitlines()
    for line in lines:
        if not line.startswith("{"):
            print(line)
    found = [line for line in lines if line.startswith("{")]
    if done.returncode != 0 or not found:
        raise RuntimeError(f"{who} failed: {done.stderr[-3000:]}")
    return json.loads(found[-1])


# ---------------------------------------------------------------------------------------------
# MRN Assess


def _post_data(questions: list, seed: int = 7) -> dict[str, object]:
    rng = random.Random(seed)
    data: dict[str, object] = {}
    for q in questions:
        text = demo_value(q, rng)
        value: object = text.split(";") if q.kind == QuestionKind.MULTIPLE_CHOICE else text
        prefix = f"q{q.pk}"
        data.update(
            {
                f"{prefix}-value": value,
                f"{prefix}-version": 0,
                f"{prefix}-comment": "",
                f"{prefix}-evidence": "",
            }
        )
    return data


@dataclass(frozen=True)
class Failed:
    """An operation of MRN Assess that raised instead of completing."""

    error: str


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def mrn_operations(data: dataset.Dataset, counter: list[int]) -> dict[str, Measured | Failed]:
    cycle = data.cycle
    draft = (
        Assessment.objects.filter(cycle=cycle, status=Status.DRAFT)
        .order_by("country__code")
        .first()
    )
    assert draft is not None, "the data set has a draft assessment"
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(data.focal_points[draft.country_id])

    def get(url: str, c: Client = client) -> None:
        response = c.get(url)
        assert response.status_code == 200, response.status_code

    section_url = reverse("capabilities:domain", args=[draft.pk, SECTION])
    all_url = reverse("capabilities:questionnaire_all", args=[draft.pk])
    figures: dict[str, Measured | Failed] = {
        "form_section": measure(lambda _a: get(section_url)),
        "form_all": measure(lambda _a: get(all_url)),
    }
    # A browser posts a form without files urlencoded (the test client's default is multipart).
    body = urlencode(_post_data(list(data.questions)), doseq=True)
    user_model = get_user_model()

    def fresh() -> tuple[Client, int]:
        counter[0] += 1
        n = counter[0]
        country = Country.objects.create(
            code=f"SAVE-{n:04d}",
            kind=CountryKind.ANONYMISED,
            name_en=f"Saving {n}",
            name_fr=f"Saving {n}",
        )
        user = user_model.objects.create(username=f"save-{n:04d}")
        Profile.objects.create(user=user, role=Role.FOCAL_POINT, country=country)
        Participation.objects.create(cycle=cycle, country=country, income_group="high")
        assessment = Assessment.objects.create(country=country, cycle=cycle)
        c = Client(HTTP_HOST="127.0.0.1")
        c.force_login(user)
        return c, assessment.pk

    def save(arg: tuple[Client, int]) -> None:
        c, pk = arg
        url = reverse("capabilities:questionnaire_all", args=[pk])
        response = c.post(url, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 302, response.status_code

    try:
        with _quiet("django.request"):
            figures["save"] = measure(save, prepare=fresh)
    except Exception as exc:  # a failing save is a finding to print, not a crash
        figures["save"] = Failed(f"{type(exc).__name__}: {exc}".splitlines()[0][:150])
    else:
        saved = Assessment.objects.get(country__code=f"SAVE-{counter[0]:04d}").answers.count()
        assert saved == len(data.questions), saved
    # The exports as a person downloads them: the download view (streamed CSV), its body read
    # to the end, with the session of a signed-in administrator (second factor given).
    downloader = Client(HTTP_HOST="127.0.0.1")
    assert data.admin is not None
    downloader.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(data.admin)

    def export(layout: str) -> bytes:
        url = reverse("reports:cycle_answers", args=[cycle.code, layout, "csv"])
        response = downloader.get(url)
        assert response.status_code == 200, response.status_code
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]

    figures["export"] = measure(lambda _a: export("wide"))
    figures["export_long"] = measure(lambda _a: export("long"))
    return figures


def measure_ours() -> dict[str, Any]:
    """MRN Assess's operations at each size of SIZES on the bench database, as JSON-ready data
    (what ``run`` prints beside the package's)."""
    ours: dict[str, dict[str, dict[str, Any]]] = {}
    counter = [0]
    chunks: dict[str, int] = {}
    with dataset.bench_database():
        data = dataset.build(SIZES[0])
        for size in SIZES:
            if size != len(data.countries):
                dataset.grow_to(data, size)
            dataset.analyze()
            ours[str(size)] = {
                key: {"error": value.error} if isinstance(value, Failed) else asdict(value)
                for key, value in mrn_operations(data, counter).items()
            }
            # the streamed exports read the answers of CHUNK_COUNTRIES countries per query
            countries = Assessment.objects.filter(cycle=data.cycle).count()
            chunks[str(size)] = -(-countries // exports.CHUNK_COUNTRIES)
        # the answers the long export wrote (one row each), for the time per answer cell
        cells = Answer.objects.filter(assessment__cycle=data.cycle).count()
    return {"ours": ours, "chunks": chunks, "cells": cells, "questions": len(data.questions)}


def run_ours_in_own_process() -> dict[str, Any]:
    """``measure_ours`` in a new Python process (benchmarks/survey_ours.py), as the package runs
    in its own: each side is timed in a process that holds only its application, not what the
    benchmarks before this one left in memory (in one ``make bench`` process, after the
    reports, scale and load benchmarks, the same operations took 1.4× as long: form for one
    section 21.5 ms against 15.5 ms run alone, the long export 33.0 µs against 23.6 µs per
    cell)."""
    command = [sys.executable, "-m", "benchmarks.survey_ours"]
    return _json_of(command, os.environ.copy(), "MRN Assess's side")


# ---------------------------------------------------------------------------------------------


def run() -> list[Aim]:
    heading("Side by side: the same survey workload on django-survey-and-report")
    postgres = connection.vendor == "postgresql"
    python = survey_python(postgres)
    if python is None:
        print(
            f"  skipped: could not install {REQUIREMENT} into {cache_dir() / 'survey-venv'} "
            "(no access to PyPI?)."
        )
        return []
    package = run_survey_package(python)
    theirs = package["results"]
    mine_run = run_ours_in_own_process()
    ours: dict[str, dict[str, Measured | Failed]] = {
        size: {
            key: Failed(value["error"]) if "error" in value else Measured(**value)
            for key, value in figures.items()
        }
        for size, figures in mine_run["ours"].items()
    }
    chunks: dict[str, int] = mine_run["chunks"]
    cells: int = mine_run["cells"]
    row(
        "set-up",
        f"MRN Assess: {mine_run['questions']} questions in 6 domains; package: "
        f"{package['questions']} in {package['sections']} sections; both Django "
        f"{package['django']} on {package['database']}",
    )
    small, large = str(SIZES[0]), str(SIZES[-1])
    print(
        f"  {'operation':<32} {'MRN Assess':>11} {'queries':>12} {'package':>11} "
        f"{'queries':>13} {'ratio':>8}"
    )
    aims = []
    growth = []
    for key, label in OPERATIONS:
        mine_small, mine = ours[small][key], ours[large][key]
        pkg_small, pkg = theirs[small][key], theirs[large][key]
        theirs_text = (
            f"{pkg['seconds'] * 1000:8.1f} ms {pkg_small['queries']:>6} → {pkg['queries']:<6}"
        )
        if isinstance(mine, Failed) or isinstance(mine_small, Failed):
            error = next(m.error for m in (mine, mine_small) if isinstance(m, Failed))
            print(f"  {label:<32} {'FAILED':>11} {'':>12} {theirs_text}")
            print(f"      MRN Assess failed: {error}")
            aims.append(Aim(f"MRN Assess vs django-survey-and-report: {label}", 0, 10, True))
            continue
        ratio = pkg["seconds"] / mine.seconds
        print(
            f"  {label:<32} {mine.seconds * 1000:8.1f} ms {mine_small.queries:>5} → "
            f"{mine.queries:<5} {theirs_text} {ratio:6.1f}×",
            flush=True,
        )
        aims.append(Aim(f"MRN Assess vs django-survey-and-report: {label}", ratio, 10, True))
        # queries beyond the one per 50 countries of a streamed export
        streamed = chunks[large] - chunks[small] if key.startswith("export") else 0
        growth.append(mine.queries - mine_small.queries - streamed)
    long_small, long = ours[small]["export_long"], ours[large]["export_long"]
    assert isinstance(long, Measured) and isinstance(long_small, Measured)  # (exports raise)
    per_cell = long.seconds / cells * 1e6
    row(
        "  (MRN Assess long export, one row per answer)",
        f"{long.seconds * 1000:.1f} ms, {long_small.queries} → {long.queries} queries, "
        f"{cells:,} answers: {per_cell:.1f} µs per answer cell",
    )
    aims.append(Aim("long CSV export, time per answer cell", per_cell, 30, unit=" µs"))
    print(
        f"  times at {large} respondents; queries at {small} → {large} respondents; ratio = "
        "package time ÷ MRN Assess time (higher is better for MRN Assess)"
    )
    slow = [
        f"{k} ({v['runs']} runs)"
        for k, v in theirs[large].items()
        if isinstance(v, dict) and v["runs"] < 5
    ]
    if slow:
        print(f"  (slow package operations timed fewer times: {', '.join(slow)})")
    aims.append(
        Aim(
            f"MRN Assess extra queries at {large} vs {small} respondents (worst operation; "
            "exports: beyond one per 50 countries)",
            max(growth, default=0),
            0,
            unit=" queries",
        )
    )
    return aims
