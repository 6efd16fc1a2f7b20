"""A synthetic national-scale data set for the benchmarks, in a database of its own.

``bench_database()`` never touches the database that ``DATABASE_URL`` names: it creates a fresh
one beside it with Django's test-database machinery (``create_test_db``, which also runs the
migrations) and drops it afterwards.

- PostgreSQL: ``<name of DATABASE_URL>_bench`` on the same server (e.g. ``mrn_bench_run_bench``);
  an old one of that name, left by an interrupted run, is dropped first.
- SQLite: a file in a temporary directory (a file, not memory, so a server process could share it).

``build()`` fills it fast with ``bulk_create`` (not through the services, which write one answer
at a time with its history): the framework and countries from ``reference_data.load_all()``,
three cycles, and for every country a participation (income group, region), an assessment and
one answer with a canonical value (``capabilities.demo.demo_value``) to each of the 108 questions
in every cycle. Statuses: earlier cycles are validated; in the latest cycle one country in four is
still a draft (answers present, not counted in the matrix), the others submitted or validated.
No AnswerChange rows are written (the autosave soak counts the ones it causes).

The first ``n`` countries are the real states and jurisdictions in code order; beyond those,
anonymised countries ``BENCH-0001``… are added (kind ANONYMISED). ``grow_to(n)`` adds countries
and ``shrink_to(n)`` deletes the added ones again.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from capabilities.demo import demo_value
from capabilities.models import (
    Answer,
    AnswerChange,
    Assessment,
    Country,
    CountryKind,
    Cycle,
    FrameworkVersion,
    IncomeGroup,
    Participation,
    Profile,
    Question,
    Region,
    Role,
    Status,
)
from capabilities.reference_data import load_all

FRAMEWORK = "MNR-2016"
# Oldest first; the last is "the" cycle the benchmarks measure.
CYCLES = (
    ("bench-2021", "Benchmark cycle 2021", date(2021, 2, 1)),
    ("bench-2023", "Benchmark cycle 2023", date(2023, 2, 1)),
    ("bench-2025", "Benchmark cycle 2025", date(2025, 2, 1)),
)
EXTRA_PREFIX = "BENCH-"
PASSWORD = "bench-password-not-secret"  # users exist only in the throw-away database
BATCH = 5000


# ---------------------------------------------------------------------------------------------
# The database


@dataclass
class BenchDatabase:
    vendor: str
    name: str
    original_name: str
    tmpdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def is_postgresql(self) -> bool:
        return self.vendor == "postgresql"

    def url(self) -> str:
        """A DATABASE_URL for subprocesses (gunicorn) that points at the bench database."""
        s = connection.settings_dict
        if not self.is_postgresql:
            return f"sqlite:///{self.name}"
        auth = quote(s.get("USER") or "", safe="")
        if s.get("PASSWORD"):
            auth += ":" + quote(s["PASSWORD"], safe="")
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{self.name}"


@contextlib.contextmanager
def bench_database() -> Iterator[BenchDatabase]:
    """Switches Django's default connection to a fresh, migrated database; drops it afterwards."""
    vendor = connection.vendor
    original = connection.settings_dict["NAME"]
    tmpdir = None
    if vendor == "postgresql":
        name = f"{original}_bench"
    elif vendor == "sqlite":
        tmpdir = tempfile.TemporaryDirectory(prefix="mrn-bench-")
        name = str(Path(tmpdir.name) / "bench.sqlite3")
    else:
        raise RuntimeError(f"Benchmarks support PostgreSQL and SQLite, not {vendor}.")
    connection.settings_dict.setdefault("TEST", {})
    saved_test = dict(connection.settings_dict["TEST"])
    connection.settings_dict["TEST"]["NAME"] = name
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    db = BenchDatabase(vendor=vendor, name=name, original_name=original, tmpdir=tmpdir)
    print(
        f"  (bench database {name} created and migrated in {time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    try:
        yield db
    finally:
        connection.close()
        connection.creation.destroy_test_db(original, verbosity=0)
        connection.settings_dict["TEST"] = saved_test
        if tmpdir is not None:
            tmpdir.cleanup()


# ---------------------------------------------------------------------------------------------
# The data


@dataclass
class Dataset:
    framework: FrameworkVersion
    cycles: list[Cycle]
    questions: list[Question]
    countries: list[Country] = field(default_factory=list)
    focal_points: dict[int, User] = field(default_factory=dict)  # country id → user
    analyst: User | None = None
    admin: User | None = None

    @property
    def cycle(self) -> Cycle:
        """The latest cycle: the one the benchmarks measure."""
        return self.cycles[-1]

    def answer_count(self) -> int:
        return Answer.objects.count()


def _groups(index: int) -> tuple[str, str]:
    incomes = list(IncomeGroup.values)
    regions = list(Region.values)
    return incomes[index % len(incomes)], regions[(index * 3) % len(regions)]


def _status(cycle_index: int, last: bool, country_index: int) -> str:
    if not last:
        return Status.VALIDATED
    if country_index % 4 == 3:
        return Status.DRAFT
    return Status.SUBMITTED if country_index % 2 == 0 else Status.VALIDATED


def build(countries: int, *, seed: int = 2025, status_of=None) -> Dataset:
    """Reference data, the three cycles, users, and ``countries`` countries with full answers."""
    started = time.perf_counter()
    load_all()
    framework = FrameworkVersion.objects.get(code=FRAMEWORK)
    cycles = []
    for code, name, opens in CYCLES:
        cycle, _created = Cycle.objects.get_or_create(
            code=code,
            defaults={
                "name_en": name,
                "name_fr": name,
                "framework": framework,
                "opens_on": opens,
                "deadline": opens + timedelta(days=120),
                "is_illustrative": True,
            },
        )
        cycles.append(cycle)
    questions = list(Question.objects.for_framework(framework).with_structure())
    data = Dataset(framework=framework, cycles=cycles, questions=questions)
    user_model = get_user_model()
    hashed = make_password(PASSWORD)
    data.analyst = user_model.objects.create(username="bench-analyst", password=hashed)
    Profile.objects.create(user=data.analyst, role=Role.ANALYST)
    data.admin = user_model.objects.create(
        username="bench-admin", password=hashed, is_superuser=True, is_staff=True
    )
    Profile.objects.create(user=data.admin)
    grow_to(data, countries, seed=seed, status_of=status_of)
    print(
        f"  (data set: {countries} countries × {len(cycles)} cycles × {len(questions)} questions "
        f"= {Answer.objects.count():,} answers, built in {time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    return data


def _country_rows(n: int) -> list[Country]:
    real = list(
        Country.objects.filter(kind__in=[CountryKind.STATE, CountryKind.JURISDICTION]).order_by(
            "code"
        )
    )
    chosen = real[:n]
    missing = n - len(chosen)
    if missing > 0:
        existing = set(
            Country.objects.filter(code__startswith=EXTRA_PREFIX).values_list("code", flat=True)
        )
        new: list[Country] = []
        for number in range(1, n + 1):
            if len(new) + len(existing) >= missing:
                break
            code = f"{EXTRA_PREFIX}{number:04d}"
            if code not in existing:
                new.append(
                    Country(
                        code=code,
                        kind=CountryKind.ANONYMISED,
                        name_en=f"Respondent {number:04d}",
                        name_fr=f"Répondant {number:04d}",
                    )
                )
        Country.objects.bulk_create(new, batch_size=BATCH)
        chosen += list(
            Country.objects.filter(code__startswith=EXTRA_PREFIX).order_by("code")[:missing]
        )
    return chosen


@transaction.atomic
def grow_to(data: Dataset, n: int, *, seed: int = 2025, status_of=None) -> None:
    """Adds countries (with users, participations, assessments, answers) up to ``n``."""
    status_of = status_of or _status
    countries = _country_rows(n)
    have = {c.pk for c in data.countries}
    new = [c for c in countries if c.pk not in have]
    if not new:
        return
    offset = len(data.countries)
    user_model = get_user_model()
    hashed = make_password(PASSWORD)
    users = user_model.objects.bulk_create(
        [user_model(username=f"fp-{c.code.lower()}", password=hashed) for c in new],
        batch_size=BATCH,
    )
    Profile.objects.bulk_create(
        [
            Profile(user=u, role=Role.FOCAL_POINT, country=c)
            for u, c in zip(users, new, strict=True)
        ],
        batch_size=BATCH,
    )
    for u, c in zip(users, new, strict=True):
        data.focal_points[c.pk] = u
    now = timezone.now()
    participations, assessments = [], []
    last_index = len(data.cycles) - 1
    for ci, cycle in enumerate(data.cycles):
        for i, country in enumerate(new, start=offset):
            income, region = _groups(i)
            participations.append(
                Participation(
                    cycle=cycle,
                    country=country,
                    income_group=income,
                    region=region,
                    survey="government",
                )
            )
            status = status_of(ci, ci == last_index, i)
            scored = status in (Status.SUBMITTED, Status.VALIDATED)
            assessments.append(
                Assessment(
                    country=country,
                    cycle=cycle,
                    status=status,
                    submitted_at=now if scored else None,
                    validated_at=now if status == Status.VALIDATED else None,
                )
            )
    Participation.objects.bulk_create(participations, batch_size=BATCH)
    Assessment.objects.bulk_create(assessments, batch_size=BATCH)
    rng = random.Random(seed + offset)
    batch: list[Answer] = []
    for assessment in assessments:
        user = data.focal_points[assessment.country_id]
        for question in data.questions:
            batch.append(
                Answer(
                    assessment=assessment,
                    question=question,
                    value=demo_value(question, rng),
                    version=1,
                    updated_by=user,
                )
            )
        if len(batch) >= BATCH:
            Answer.objects.bulk_create(batch, batch_size=BATCH)
            batch = []
    Answer.objects.bulk_create(batch, batch_size=BATCH)
    data.countries += new


@transaction.atomic
def shrink_to(data: Dataset, n: int) -> None:
    """Deletes the countries past the first ``n`` with everything they own."""
    gone = data.countries[n:]
    if not gone:
        return
    ids = [c.pk for c in gone]
    # One DELETE for the answers (and their history), not Django's collector, which fetches every
    # answer's id to cascade: 260,000 rows take 17 s that way.
    answer, change, assessment = (
        Answer._meta.db_table,
        AnswerChange._meta.db_table,
        Assessment._meta.db_table,
    )
    # Table names come from the models, values are parameters: nothing user-supplied.
    marks = ", ".join(["%s"] * len(ids))
    owned = f"SELECT id FROM {assessment} WHERE country_id IN ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {change} WHERE answer_id IN "  # noqa: S608
            f"(SELECT id FROM {answer} WHERE assessment_id IN ({owned}))",
            ids,
        )
        cursor.execute(f"DELETE FROM {answer} WHERE assessment_id IN ({owned})", ids)  # noqa: S608
    Assessment.objects.filter(country_id__in=ids).delete()
    Participation.objects.filter(country_id__in=ids).delete()
    users = [data.focal_points.pop(i).pk for i in ids]
    Profile.objects.filter(user_id__in=users).delete()
    get_user_model().objects.filter(pk__in=users).delete()
    Country.objects.filter(pk__in=ids, code__startswith=EXTRA_PREFIX).delete()
    data.countries = data.countries[:n]


def analyze() -> None:
    """Refreshes PostgreSQL's planner statistics after a bulk load (as autovacuum would)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
