"""Scoring: the capability matrix (Figure 1), breakdowns, maturity, country status and trends.

The arithmetic (PRODUCT.md, "Matrix arithmetic"; docs/scoring.md has a worked example):

- The population ``N`` of a cycle (or of a group in a breakdown) is every *scored* assessment of
  the cycle (submitted or validated, ``AssessmentQuerySet.scored()``); drafts never count.
- Per capability, from the headline question ``Cnn.in_place``: ``yes`` and ``no`` are the scored
  assessments answering yes / no; ``no_answer = N - yes - no`` (no answer row, an empty answer or
  "don't know"). ``answered = yes + no`` is the denominator: "don't know" and missing answers never
  count as "no" and never enter it.
- ``yes_pct`` = 100 × yes ÷ answered as a whole percent rounded half up (12.5 → 13), computed with
  ``Decimal``; None when ``answered == 0``. ``no_pct = 100 - yes_pct`` so the bar adds up to 100.
- Suppression (``min_cell`` = settings.MRN_MIN_CELL, K): a cell with ``answered < K`` shows no yes,
  no or share, and says why. Group breakdowns are always suppressed; the overall matrix is
  suppressed for people below analyst (``permissions.aggregate_min_cell`` decides, callers pass
  ``min_cell``). For analysts, when exactly one group of a capability is suppressed, the smallest
  other group is suppressed as well ("complementary"); below analyst the breakdown follows the
  stricter ``protect_breakdown`` (docs/scoring.md, "Small cells and disclosure control").
- Maturity: per capability the number of answers in each phase 1–4 of ``Cnn.maturity`` (any
  question of kind maturity) and the median phase (``statistics.median``: x.5 when the two middle
  answers differ), both suppressed with the same rule.

The pure part (dataclasses and arithmetic, no Django) lives in capabilities.arithmetic and is
re-exported here; this module adds the ORM functions.

Public API (all dataclasses are frozen; pure functions take and return them, ORM functions say
how many queries they cost, none loops over countries):

Pure (no database):
    round_half_up_pct(numerator, denominator) -> int | None
    score_cell(code, group, counts, min_cell) -> Cell
    suppress_complementary(cells) -> tuple[Cell, ...]
    build_matrix(...) -> Matrix                (from Counts and populations)
    maturity_summary(code, group, distribution, min_cell) -> MaturitySummary
    median_phase(distribution) -> Decimal | None
    domain_maturity(capabilities, statuses) -> tuple[DomainMaturity, ...]
    changes_since(current, previous) -> tuple[Change, ...]
Dataclasses: CapabilityRef, Counts, Cell, MaturitySummary, Matrix, Breakdown,
    CapabilityStatus, CountryProfile, Change, DomainMaturity, Heatmap, TrendPoint
ORM:
    load_capabilities(framework) -> tuple[CapabilityRef, ...]           1 query
    capability_matrix(cycle, *, by="", min_cell=None, assessments=None) -> Matrix   3 queries
    question_breakdown(cycle, question_code, *, by="", min_cell=None) -> Breakdown  3 queries
    country_profile(assessment, *, assessments) -> CountryProfile   3–4 queries
    cohort_domain_maturity(cycle, *, by="", group="", min_cell) -> tuple[DomainMaturity, ...]
    heatmap(cycle, *, assessments) -> Heatmap                        3 queries
    capability_trend(code, *, cycles, min_cell=None) -> tuple[TrendPoint, ...]   3 queries

``by`` is "" (no breakdown) or one of GROUP_FIELDS; the group of an assessment is its country's
Participation in that cycle ("" when the country has none).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from . import arithmetic
from .arithmetic import (  # re-exported: the public API of scoring
    GROUP_FIELDS,
    PHASES,
    REASON_COMPLEMENTARY,
    REASON_NO_ANSWERS,
    REASON_SMALL_CELL,
    Breakdown,
    CapabilityRef,
    CapabilityStatus,
    Cell,
    Change,
    CountryProfile,
    Counts,
    DomainMaturity,
    Heatmap,
    HeatmapCountry,
    Matrix,
    MaturitySummary,
    TrendPoint,
    breakdown_is_safe,
    changes_since,
    cohort_cell,
    cohort_domain_from_rows,
    counts_from_rows,
    domain_maturity,
    maturity_summary,
    median_phase,
    phases_from_rows,
    protect_breakdown,
    round_half_up_pct,
    score_cell,
    statuses_by_code,
    suppress_complementary,
)
from .models import (
    Answer,
    Assessment,
    AssessmentQuerySet,
    Capability,
    Cycle,
    FrameworkVersion,
    IncomeGroup,
    QuestionKind,
    Region,
)

__all__ = [
    "GROUP_FIELDS",
    "PHASES",
    "REASON_COMPLEMENTARY",
    "REASON_NO_ANSWERS",
    "REASON_SMALL_CELL",
    "Breakdown",
    "CapabilityRef",
    "CapabilityStatus",
    "Cell",
    "Change",
    "CountryProfile",
    "Counts",
    "DomainMaturity",
    "Heatmap",
    "HeatmapCountry",
    "Matrix",
    "MaturitySummary",
    "TrendPoint",
    "answer_rows",
    "breakdown_is_safe",
    "build_matrix",
    "capability_matrix",
    "capability_trend",
    "changes_since",
    "cohort_cell",
    "cohort_domain_from_rows",
    "cohort_domain_maturity",
    "country_profile",
    "counts_from_rows",
    "cycle_sort_key",
    "domain_maturity",
    "group_order",
    "heatmap",
    "load_capabilities",
    "maturity_summary",
    "median_phase",
    "phases_from_rows",
    "populations",
    "protect_breakdown",
    "question_breakdown",
    "round_half_up_pct",
    "score_cell",
    "statuses_by_code",
    "statuses_of",
    "suppress_complementary",
]


def build_matrix(**kwargs: Any) -> Matrix:
    """arithmetic.build_matrix with group cells suppressed below settings.MRN_MIN_CELL when no
    ``min_cell`` is given (the keyword arguments of arithmetic.build_matrix)."""
    kwargs.setdefault("group_min_cell", int(settings.MRN_MIN_CELL))
    return arithmetic.build_matrix(**kwargs)


# ---------------------------------------------------------------------------------------------
# ORM: each function costs a fixed number of queries, whatever the number of countries.


def group_order(by: str) -> tuple[str, ...]:
    """Display order of a grouping's codes (the model's choices order; surveys alphabetical)."""

    if by == "income_group":
        return tuple(IncomeGroup.values)
    if by == "region":
        return tuple(Region.values)
    return ()


def _check_by(by: str) -> None:
    if by and by not in GROUP_FIELDS:
        raise ValueError(f"Unknown grouping {by!r}: expected one of {', '.join(GROUP_FIELDS)}.")


def _with_group(qs: QuerySet, by: str, cycle: Cycle, country_path: str) -> QuerySet:
    """Annotates ``grp``: the country's ``by`` attribute in ``cycle`` ("" without one).

    One LEFT JOIN on the cycle's Participation (unique per cycle and country), not a subquery per
    row: the GROUP BY stays a single pass over the answers (docs/benchmarks.md).
    """
    relation = f"{country_path}__participations"
    return qs.annotate(
        cycle_participation=FilteredRelation(relation, condition=Q(**{f"{relation}__cycle": cycle}))
    ).annotate(grp=Coalesce(F(f"cycle_participation__{by}"), Value("")))


def _scored(cycle: Cycle, assessments: AssessmentQuerySet | None) -> AssessmentQuerySet:

    base = assessments if assessments is not None else Assessment.objects.all()
    return base.scored().filter(cycle=cycle)


def load_capabilities(framework: FrameworkVersion) -> tuple[CapabilityRef, ...]:
    """The framework's capabilities in order, with their domain. 1 query."""

    return tuple(
        CapabilityRef(
            code=c.code,
            name_en=c.name_en,
            name_fr=c.name_fr,
            domain_code=c.domain.code,
            domain_name_en=c.domain.name_en,
            domain_name_fr=c.domain.name_fr,
            order=c.order,
            domain_order=c.domain.order,
        )
        for c in Capability.objects.filter(framework=framework)
        .select_related("domain")
        .order_by("domain__order", "order", "code")
    )


def populations(
    cycle: Cycle, *, by: str = "", assessments: AssessmentQuerySet | None = None
) -> dict[str, int]:
    """N per group (scored assessments), plus "" for the whole cycle. 1 query."""

    _check_by(by)
    qs = _scored(cycle, assessments)
    if not by:
        return {"": qs.count()}
    rows = _with_group(qs, by, cycle, "country").values("grp").annotate(n=Count("id")).order_by()
    result = {"": 0}
    for row in rows:
        result[""] += row["n"]
        if row["grp"]:  # countries without the attribute count in "all" only
            result[row["grp"]] = row["n"]
    return result


def answer_rows(
    cycle: Cycle,
    *,
    by: str = "",
    question_codes: Sequence[str] | None = None,
    assessments: AssessmentQuerySet | None = None,
) -> tuple[list[tuple[str, str, str, int]], list[tuple[str, str, str, int]]]:
    """ONE GROUP BY query over the scored answers of a cycle.

    Returns (yes/no rows, maturity rows), each (code, group, value, count). Without
    ``question_codes``: the headline questions (code = capability code) and the maturity questions
    (code = capability code). With ``question_codes``: those questions (code = question code).
    """

    _check_by(by)
    qs = Answer.objects.filter(assessment__in=_scored(cycle, assessments)).exclude(value="")
    if question_codes is None:
        qs = qs.filter(Q(question__is_headline=True) | Q(question__kind=QuestionKind.MATURITY))
        code_field = "question__capability__code"
    else:
        qs = qs.filter(question__code__in=list(question_codes))
        code_field = "question__code"
    fields = [code_field, "question__kind", "value"]
    if by:
        qs = _with_group(qs, by, cycle, "assessment__country")
        fields.append("grp")
    yes_no, maturity = [], []
    for row in qs.values(*fields).annotate(n=Count("id")).order_by():
        item = (row[code_field], row.get("grp", "") or "", row["value"], row["n"])
        if row["question__kind"] == QuestionKind.MATURITY:
            maturity.append(item)
        else:
            yes_no.append(item)
    return yes_no, maturity


def capability_matrix(
    cycle: Cycle,
    *,
    by: str = "",
    min_cell: int | None = None,
    assessments: AssessmentQuerySet | None = None,
) -> Matrix:
    """The capability matrix of a cycle (Figure 1), optionally by group. 3 queries.

    ``min_cell`` suppresses the overall cells too (pass it for people below analyst); group
    cells are always suppressed below settings.MRN_MIN_CELL (or ``min_cell`` when given).
    """
    capabilities = load_capabilities(cycle.framework)
    pops = populations(cycle, by=by, assessments=assessments)
    yes_no, maturity = answer_rows(cycle, by=by, assessments=assessments)
    return build_matrix(
        cycle_code=cycle.code,
        capabilities=capabilities,
        counts=counts_from_rows(yes_no, by),
        populations=pops,
        by=by,
        min_cell=min_cell,
        phases=phases_from_rows(maturity, by),
        group_order=group_order(by),
    )


def question_breakdown(
    cycle: Cycle,
    question_code: str,
    *,
    by: str = "",
    min_cell: int | None = None,
    assessments: AssessmentQuerySet | None = None,
) -> Breakdown:
    """Any yes/no question of a cycle, overall and by group (same rules as the matrix). 2 queries."""
    pops = populations(cycle, by=by, assessments=assessments)
    yes_no, _maturity = answer_rows(
        cycle, by=by, question_codes=[question_code], assessments=assessments
    )
    ref = CapabilityRef(question_code, question_code, question_code, "", "", "")
    matrix = build_matrix(
        cycle_code=cycle.code,
        capabilities=[ref],
        counts=counts_from_rows(yes_no, by),
        populations=pops,
        by=by,
        min_cell=min_cell,
        group_order=group_order(by),
    )
    overall = matrix.cell(question_code)
    assert overall is not None
    return Breakdown(
        code=question_code,
        overall=overall,
        groups=tuple(c for c in matrix.cells if c.group != ""),
    )


def statuses_of(assessment: Assessment) -> tuple[CapabilityStatus, ...]:
    """The assessment's headline and maturity answers per capability code. 1 query."""

    found: dict[str, dict[str, object]] = defaultdict(dict)
    rows = (
        Answer.objects.filter(assessment=assessment)
        .filter(Q(question__is_headline=True) | Q(question__kind=QuestionKind.MATURITY))
        .exclude(value="")
        .values_list("question__capability__code", "question__kind", "value")
    )
    for code, kind, value in rows:
        if kind == QuestionKind.MATURITY:
            found[code]["maturity"] = int(value) if value in ("1", "2", "3", "4") else None
        else:
            found[code]["in_place"] = value
    return tuple(
        CapabilityStatus(code, str(v.get("in_place", "")), v.get("maturity"))  # type: ignore[arg-type]
        for code, v in sorted(found.items())
    )


def country_profile(assessment: Assessment, *, assessments: AssessmentQuerySet) -> CountryProfile:
    """A country's status in a cycle, its maturity by domain, and the change since its previous
    scored assessment (by capability code). ``assessments`` is what the viewer may read
    (permissions.visible_assessments). 4 queries (3 when there is no previous cycle)."""
    cycle = assessment.cycle
    capabilities = load_capabilities(cycle.framework)
    statuses = statuses_of(assessment)
    codes = {c.code for c in capabilities}
    statuses = tuple(s for s in statuses if s.code in codes)
    previous = _previous_assessment(assessment, assessments)
    changes: tuple[Change, ...] = ()
    if previous is not None:
        changes = changes_since(
            [statuses_by_code(statuses, c.code) for c in capabilities], statuses_of(previous)
        )
    return CountryProfile(
        country_code=assessment.country.code,
        cycle_code=cycle.code,
        capabilities=capabilities,
        statuses=statuses,
        domains=domain_maturity(capabilities, statuses),
        previous_cycle_code=previous.cycle.code if previous else "",
        previous_cycle_name_en=previous.cycle.name_en if previous else "",
        previous_cycle_name_fr=previous.cycle.name_fr if previous else "",
        changes=changes,
    )


def cycle_sort_key(cycle: Cycle) -> tuple[object, object]:
    """Chronological order of cycles: opening date (or creation date), then creation time."""
    return (cycle.opens_on or cycle.created_at.date(), cycle.created_at)


def _previous_assessment(
    assessment: Assessment, assessments: AssessmentQuerySet
) -> Assessment | None:
    """The country's latest scored assessment in a cycle before this one. 1 query."""
    others = list(
        assessments.scored()
        .filter(country_id=assessment.country_id)
        .exclude(pk=assessment.pk)
        .select_related("cycle")
    )
    mine = cycle_sort_key(assessment.cycle)
    earlier = [a for a in others if cycle_sort_key(a.cycle) < mine]
    return max(earlier, key=lambda a: cycle_sort_key(a.cycle), default=None)


def cohort_domain_maturity(
    cycle: Cycle,
    *,
    by: str = "",
    group: str = "",
    min_cell: int | None = None,
    compared: Assessment | None = None,
) -> tuple[DomainMaturity, ...]:
    """Mean maturity per domain over all scored assessments of the cycle (or one group's),
    suppressed when fewer than ``min_cell`` countries answered in the domain, not counting the
    ``compared`` country (the one whose profile shows the cohort). 2 queries (3 with
    ``compared``)."""

    _check_by(by)
    capabilities = load_capabilities(cycle.framework)
    qs = Answer.objects.filter(
        assessment__in=_scored(cycle, None),
        question__kind=QuestionKind.MATURITY,
        value__in=["1", "2", "3", "4"],
    )
    if by:
        qs = _with_group(qs, by, cycle, "assessment__country").filter(grp=group)
    rows = (
        qs.values("question__capability__domain__code")
        .annotate(
            total=Sum(Cast("value", IntegerField())),
            n=Count("id"),
            countries=Count("assessment", distinct=True),
        )
        .order_by()
    )
    own: dict[str, int] = {}
    if compared is not None:
        own = {
            code: 1
            for code in qs.filter(assessment=compared)
            .values_list("question__capability__domain__code", flat=True)
            .distinct()
        }
    return cohort_domain_from_rows(
        capabilities,
        [
            (r["question__capability__domain__code"], r["total"] or 0, r["n"], r["countries"])
            for r in rows
        ],
        min_cell,
        own,
    )


def heatmap(cycle: Cycle, *, assessments: AssessmentQuerySet) -> Heatmap:
    """Every scored assessment of the cycle that ``assessments`` allows, by capability. 3 queries."""

    capabilities = load_capabilities(cycle.framework)
    scored = _scored(cycle, assessments)
    countries = tuple(
        HeatmapCountry(code, en, fr)
        for code, en, fr in scored.order_by("country__name_en").values_list(
            "country__code", "country__name_en", "country__name_fr"
        )
    )
    values, phases = [], []
    rows = (
        Answer.objects.filter(assessment__in=scored)
        .filter(Q(question__is_headline=True) | Q(question__kind=QuestionKind.MATURITY))
        .exclude(value="")
        .values_list(
            "assessment__country__code", "question__capability__code", "question__kind", "value"
        )
    )
    for country, code, kind, value in rows:
        if kind == QuestionKind.MATURITY:
            if value in ("1", "2", "3", "4"):
                phases.append((country, code, int(value)))
        else:
            values.append((country, code, value))
    return Heatmap(
        cycle_code=cycle.code,
        countries=countries,
        capabilities=capabilities,
        values=tuple(values),
        maturity=tuple(phases),
    )


def capability_trend(
    code: str,
    *,
    cycles: Sequence[Cycle],
    min_cell: int | None = None,
) -> tuple[TrendPoint, ...]:
    """The share of one capability (by code, across framework versions) in each cycle, oldest
    first. 2 queries whatever the number of cycles or countries."""

    ordered = sorted(cycles, key=cycle_sort_key)
    ids = [c.pk for c in ordered]
    pops = dict(
        Assessment.objects.scored()
        .filter(cycle_id__in=ids)
        .values("cycle_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("cycle_id", "n")
    )
    tallies: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Answer.objects.filter(
            assessment__in=Assessment.objects.scored().filter(cycle_id__in=ids),
            question__is_headline=True,
            question__capability__code=code,
        )
        .values("assessment__cycle_id", "value")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        tallies[row["assessment__cycle_id"]][row["value"]] += row["n"]
    points = []
    for cycle in ordered:
        t = tallies.get(cycle.pk, {})
        counts = Counts(
            population=pops.get(cycle.pk, 0),
            yes=t.get("yes", 0),
            no=t.get("no", 0),
            dont_know=t.get("dont_know", 0),
        )
        points.append(
            TrendPoint(
                cycle_code=cycle.code,
                cycle_name_en=cycle.name_en,
                cycle_name_fr=cycle.name_fr,
                cell=score_cell(code, "", counts, min_cell),
                illustrative=cycle.is_illustrative,
            )
        )
    return tuple(points)
