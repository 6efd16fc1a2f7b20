"""Shared helpers for the benchmarks: timing with medians, aims, a printed table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Aim:
    """One target of docs/benchmarks.md, e.g. 'matrix vs raw SQL ≤ 2×'."""

    name: str
    measured: float
    limit: float
    higher_is_better: bool = False
    unit: str = "×"

    @property
    def passed(self) -> bool:
        return self.measured >= self.limit if self.higher_is_better else self.measured <= self.limit

    def line(self) -> str:
        sign = "≥" if self.higher_is_better else "≤"
        verdict = "PASS" if self.passed else "FAIL"
        return f"{verdict}  {self.name}: {self.measured:.2f}{self.unit} (aim {sign} {self.limit:g}{self.unit})"


def median_seconds(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


def row(label: str, value: str) -> None:
    print(f"  {label:<58} {value}", flush=True)


@dataclass(frozen=True)
class Measured:
    """What ``measure`` found: median seconds, queries of one run, and how many runs were timed."""

    seconds: float
    queries: int
    runs: int


def measure(
    fn: Callable[[Any], object],
    *,
    prepare: Callable[[], Any] | None = None,
    repeat: int = 5,
    slow_seconds: float = 3.0,
    slow_repeat: int = 2,
) -> Measured:
    """Median time of ``fn(prepare())`` after one warm-up, counting the database queries of each
    timed run (``connection.execute_wrapper``: no 9,000-query cap, unlike CaptureQueriesContext).

    ``prepare`` runs untimed before each call (e.g. a fresh user for a save). When the warm-up
    takes longer than ``slow_seconds``, only ``slow_repeat`` runs are timed, so that a slow
    operation of a compared product does not take the whole time budget; ``runs`` says so.
    """
    from django.db import connection

    counts: list[int] = []

    def counter(execute, sql, params, many, context):
        counts[-1] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    fn(prepare() if prepare else None)
    runs = slow_repeat if time.perf_counter() - started > slow_seconds else repeat
    times = []
    for _ in range(runs):
        arg = prepare() if prepare else None
        counts.append(0)
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            fn(arg)
            times.append(time.perf_counter() - start)
    return Measured(statistics.median(times), counts[-1], runs)
