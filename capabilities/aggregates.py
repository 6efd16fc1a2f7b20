"""Scoring queries: the capability matrix (Figure 1), breakdowns, maturity, country status and
trends, read from the database.

Each function reads what it needs in a fixed number of queries (one GROUP BY over the answers,
never a loop over countries) and hands plain rows to the pure functions of capabilities.scoring,
which hold the dataclasses and the arithmetic (no Django there). The rules are written in
capabilities.scoring and docs/scoring.md.

Public API (each says how many queries it costs):
    build_matrix(**kwargs) -> Matrix   scoring.build_matrix with the group threshold from settings
    group_order(by) -> tuple[str, ...]
    load_capabilities(framework) -> tuple[CapabilityRef, ...]           1 query
    capability_matrix(cycle, *, by="", min_cell=None, assessments=None) -> Matrix   3 queries
    question_breakdown(cycle, question_code, *, by="", min_cell=None) -> Breakdown  3 queries
    statuses_of(assessment) -> tuple[CapabilityStatus, ...]
    country_profile(assessment, *, assessments) -> CountryProfile   3–4 queries
    cohort_domain_maturity(cycle, *, by="", group="", min_cell) -> tuple[DomainMaturity, ...]
    heatmap(cycle, *, assessments) -> Heatmap                        3 queries
    capability_trend(code, *, cycles, min_cell=None) -> tuple[TrendPoint, ...]   3 queries

``by`` is "" (no breakdown) or one of scoring.GROUP_FIELDS; the group of an assessment is its
country's Participation in that cycle ("" when the country has none).
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

from . import scoring
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
from .scoring import (
    GROUP_FIELDS,
    Breakdown,
    CapabilityRef,
    CapabilityStatus,
    Change,
    CountryProfile,
    Counts,
    DomainMaturity,
    Heatmap,
    HeatmapCountry,
    Matrix,
    TrendPoint,
    changes_since,
    cohort_domain_from_rows,
    counts_from_rows,
    domain_maturity,
    phases_from_rows,
    score_cell,
    statuses_by_code,
)


def build_matrix(**kwargs: Any) -> Matrix:
    """scoring.build_matrix with group cells suppressed below settings.MRN_MIN_CELL when no
    ``min_cell`` is given (the keyword arguments of scoring.build_matrix)."""
    kwargs.setdefault("group_min_cell", int(settings.MRN_MIN_CELL))
    return scoring.build_matrix(**kwargs)


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
