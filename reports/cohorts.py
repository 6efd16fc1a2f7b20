"""Cycle aggregates (the capability matrix, cohort maturity) kept in Django's cache.

Every signed-in user sees the same cohort aggregates of a cycle (only the suppression threshold
differs, and it is part of the key), and they change only when an assessment of the cycle
changes. Profiling the matrix page and the country profile (docs/benchmarks.md) showed their
GROUP BY queries over every answer of the cycle took half of the server time; they are computed
once per change and kept in the cache (local memory by default, see MRN_CACHE_URL).

The key holds the cycle's *stamp*, read in one query: the number of its assessments and
participations and the latest ``Assessment.updated_at``. Every service that changes what is
scored touches ``updated_at`` (a saved answer, a status change), so a change is seen at the next
request. Changes that touch no assessment (a participation's income group edited in the admin, a
framework reloaded) bump the generation number of capabilities/caching.py; the cache timeout
(MRN_CACHE_SECONDS) bounds anything else. Only aggregates over *all* scored assessments are
cached: a query limited to what one user may see (``assessments=``) is never cached here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from capabilities import aggregates, scoring
from capabilities.caching import generation, local
from capabilities.models import (
    Assessment,
    Cycle,
    FrameworkVersion,
    Participation,
)


def _per_cycle(queryset: QuerySet[Any], **aggregate: Aggregate) -> Subquery:
    """One aggregate of ``queryset``'s rows of the outer cycle, as a scalar subquery."""
    ((name, _expression),) = aggregate.items()
    grouped = queryset.filter(cycle=OuterRef("pk")).order_by().values("cycle")
    return Subquery(grouped.annotate(**aggregate).values(name))


def _stamp_annotations() -> dict[str, Any]:
    """The stamp's parts as scalar subqueries on a Cycle queryset: each runs once per cycle on
    the cycle_id indexes. (A join of the assessments with GROUP BY made PostgreSQL run the
    participations subquery once per assessment row: 28 ms at 200 countries, now under 1 ms.)"""
    return {
        "stamp_assessments": Coalesce(_per_cycle(Assessment.objects.all(), n=Count("id")), 0),
        "stamp_changed": _per_cycle(Assessment.objects.all(), m=Max("updated_at")),
        "stamp_participations": Coalesce(_per_cycle(Participation.objects.all(), n=Count("id")), 0),
    }


def _stamp_text(assessments: int, participations: int, changed: object) -> str:
    if not assessments:
        return "empty"
    # a datetime on PostgreSQL, the stored text on SQLite (read without the ORM's converters);
    # either changes whenever the latest change does
    when = (
        changed.isoformat()
        if isinstance(changed, datetime)
        else str(changed or "").replace(" ", "T")
    )
    return f"{assessments}.{participations}.{when}"


_compiled: dict[str, tuple[str, tuple[Any, ...]]] = {}


def _cycles_sql() -> tuple[str, tuple[Any, ...]]:
    """The SQL of ``cycles()``, compiled once per process and database: Django took longer to
    compile this query (four subqueries) than PostgreSQL to run it, on every analysis page."""
    alias = connection.alias
    if alias not in _compiled:
        scored = Assessment.objects.scored()
        queryset = Cycle.objects.annotate(
            scored=Coalesce(_per_cycle(scored, n=Count("id")), 0), **_stamp_annotations()
        )
        sql, params = queryset.query.sql_with_params()
        _compiled[alias] = (sql, tuple(params))
    return _compiled[alias]


def cycles() -> list[Cycle]:
    """Every cycle, in the model's order (newest first), each with ``scored`` (its submitted or
    validated assessments) and its stamp read in the same query, and its framework version
    from the process (``caching.local``). 1 query."""
    sql, params = _cycles_sql()
    frameworks = local(
        "framework-versions", lambda: {f.pk: f for f in FrameworkVersion.objects.all()}
    )
    rows: list[Cycle] = []
    for cycle in Cycle.objects.raw(sql, params):
        cycle._mrn_aggregates_stamp = _stamp_text(  # type: ignore[attr-defined]  # request memo
            cycle.stamp_assessments,  # type: ignore[attr-defined]
            cycle.stamp_participations,  # type: ignore[attr-defined]
            cycle.stamp_changed,  # type: ignore[attr-defined]
        )
        if cycle.framework_id in frameworks:  # shared and read-only, as local() requires
            cycle.framework = frameworks[cycle.framework_id]
        rows.append(cycle)
    return rows


def cycle_stamp(cycle: Cycle) -> str:
    """What changes whenever a scored aggregate of the cycle may change. 1 query."""
    found = next((c for c in cycles() if c.pk == cycle.pk), None)
    return found._mrn_aggregates_stamp if found else "empty"  # type: ignore[attr-defined]


def stamp_of(cycle: Cycle) -> str:
    """The cycle's stamp: read by ``cycles()``, else now (1 query, once per instance)."""
    return _stamp_of(cycle)


def _stamp_of(cycle: Cycle) -> str:
    """The stamp, read once per Cycle instance (one request)."""
    stamp = getattr(cycle, "_mrn_aggregates_stamp", None)
    if stamp is None:
        stamp = cycle_stamp(cycle)
        cycle._mrn_aggregates_stamp = stamp  # type: ignore[attr-defined]
    return stamp


def _cached[T](cycle: Cycle, name: str, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    key = ":".join(
        str(p) for p in ("aggregates", generation(), cycle.pk, _stamp_of(cycle), name, *parts)
    )
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value


def capability_matrix(cycle: Cycle, *, by: str = "", min_cell: int | None = None) -> scoring.Matrix:
    """``aggregates.capability_matrix`` over all scored assessments, cached: 1 query (the stamp, once
    per request) when cached."""
    return _cached(
        cycle,
        "matrix",
        (by, min_cell),
        lambda: aggregates.capability_matrix(cycle, by=by, min_cell=min_cell),
    )


def cohort_domain_maturity(
    cycle: Cycle,
    *,
    by: str = "",
    group: str = "",
    min_cell: int | None = None,
    compared: Assessment | None = None,
) -> tuple[scoring.DomainMaturity, ...]:
    """``aggregates.cohort_domain_maturity``, cached (as ``capability_matrix``); the compared
    assessment is part of the key (its country is not counted towards the cohort's size)."""
    return _cached(
        cycle,
        "maturity",
        (by, group, min_cell, compared.pk if compared is not None else ""),
        lambda: aggregates.cohort_domain_maturity(
            cycle, by=by, group=group, min_cell=min_cell, compared=compared
        ),
    )
