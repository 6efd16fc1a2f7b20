"""Shared helpers for the benchmarks: timing with medians, aims, a printed table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


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
