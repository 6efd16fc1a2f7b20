"""The matrix and its income-group breakdown at 200 and 1,000 countries, against raw SQL.

For each size: ``capabilities.aggregates.capability_matrix(cycle)`` and
``capability_matrix(cycle, by="income_group")`` (3 queries each, then pure Python), timed as the
median of 9 runs, and a hand-written ``SELECT … GROUP BY`` over the same rows (the headline
and maturity answers of the scored assessments of the cycle, joined to questions, capabilities,
assessments and, for the breakdown, participations) run with ``cursor.execute`` and fetched. The
ratio says what the ORM, the population query and the Python arithmetic cost on top of the one
aggregate query a DBA would write. Growth is the time at 1,000 countries over the time at 200.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks import dataset
from benchmarks.common import Aim, heading, row
from capabilities import aggregates
from capabilities.models import (
    Answer,
    Assessment,
    Capability,
    Cycle,
    Participation,
    Question,
    QuestionKind,
    Status,
)

SIZES = (200, 1000)
REPEAT = 9


def _sql(by: str) -> tuple[str, list[str]]:
    answer, question, capability, assessment, participation = (
        m._meta.db_table for m in (Answer, Question, Capability, Assessment, Participation)
    )
    group_col = f"COALESCE(p.{by}, '')" if by else "''"
    group_join = (
        f"LEFT JOIN {participation} p ON p.cycle_id = s.cycle_id AND p.country_id = s.country_id"
        if by
        else ""
    )
    # Table names come from the models, values are parameters: nothing user-supplied.
    sql = f"""
        SELECT c.code, q.kind, {group_col} AS grp, a.value, COUNT(*)
        FROM {answer} a
        JOIN {question} q ON q.id = a.question_id
        JOIN {capability} c ON c.id = q.capability_id
        JOIN {assessment} s ON s.id = a.assessment_id
        {group_join}
        WHERE s.cycle_id = %s AND s.status IN (%s, %s) AND a.value <> ''
          AND (q.is_headline OR q.kind = %s)
        GROUP BY c.code, q.kind, grp, a.value
    """  # noqa: S608
    return sql, [Status.SUBMITTED, Status.VALIDATED, QuestionKind.MATURITY]


def raw_group_by(cycle: Cycle, by: str = "") -> list[tuple[Any, ...]]:
    sql, params = _sql(by)
    with connection.cursor() as cursor:
        cursor.execute(sql, [cycle.pk, *params])
        return cursor.fetchall()


def interleaved(first: Callable[[], object], second: Callable[[], object]) -> tuple[float, float]:
    """Medians of REPEAT runs of each, alternating, after a warm-up of each: on a shared machine
    both see the same background load, so their ratio is steadier than two separate medians."""
    first(), second()
    a: list[float] = []
    b: list[float] = []
    for _ in range(REPEAT):
        for fn, times in ((first, a), (second, b)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b)


def _measure(cycle: Cycle, label: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    for by, name in (("", "matrix"), ("income_group", "breakdown")):
        with CaptureQueriesContext(connection) as queries:
            aggregates.capability_matrix(cycle, by=by)
        orm, sql = interleaved(
            functools.partial(aggregates.capability_matrix, cycle, by=by),
            functools.partial(raw_group_by, cycle, by),
        )
        figures[f"{name}_s"] = orm
        figures[f"{name}_sql_s"] = sql
        figures[f"{name}_queries"] = len(queries)
        row(
            f"{label}: {name} ({len(queries)} queries)",
            f"{orm * 1000:8.1f} ms   raw SQL {sql * 1000:7.1f} ms   ratio {orm / sql:5.2f}×",
        )
    return figures


def _check_same_answers(cycle: Cycle) -> None:
    """The matrix and the raw query count the same yes answers (the comparison is fair)."""
    yes_orm = sum(cell.yes or 0 for cell in aggregates.capability_matrix(cycle).cells)
    yes_sql = sum(
        n
        for _code, kind, _grp, value, n in raw_group_by(cycle)
        if kind != "maturity" and value == "yes"
    )
    if yes_orm != yes_sql:
        raise AssertionError(f"The matrix counts {yes_orm} yes answers, the raw SQL {yes_sql}.")


def run() -> list[Aim]:
    heading("Scale: capability matrix and income-group breakdown vs a raw SQL GROUP BY")
    results: dict[int, dict[str, float]] = {}
    with dataset.bench_database():
        data = dataset.build(SIZES[0])
        for size in SIZES:
            if size != len(data.countries):
                started = time.perf_counter()
                dataset.grow_to(data, size)
                print(
                    f"  (grown to {size} countries, {Answer.objects.count():,} answers, "
                    f"in {time.perf_counter() - started:.1f} s)",
                    flush=True,
                )
            dataset.analyze()
            cycle = Cycle.objects.select_related("framework").get(pk=data.cycle.pk)
            scored = Assessment.objects.for_cycle(cycle).scored().count()
            _check_same_answers(cycle)
            results[size] = _measure(cycle, f"{size:>5} countries ({scored} scored)")
    small, large = results[SIZES[0]], results[SIZES[-1]]
    aims = []
    for name in ("matrix", "breakdown"):
        for size in SIZES:
            r = results[size]
            aims.append(
                Aim(
                    f"{name} vs raw SQL at {size} countries",
                    r[f"{name}_s"] / r[f"{name}_sql_s"],
                    2,
                )
            )
        growth = large[f"{name}_s"] / small[f"{name}_s"]
        sql_growth = large[f"{name}_sql_s"] / small[f"{name}_sql_s"]
        row(
            f"growth {SIZES[0]} → {SIZES[-1]} countries: {name}",
            f"{growth:5.2f}×   (raw SQL {sql_growth:5.2f}×; data 5×)",
        )
        aims.append(Aim(f"{name} growth {SIZES[0]} → {SIZES[-1]} countries", growth, 4))
        extra = large[f"{name}_queries"] - small[f"{name}_queries"]
        aims.append(
            Aim(f"{name} extra queries at {SIZES[-1]} countries", extra, 0, unit=" queries")
        )
    return aims
