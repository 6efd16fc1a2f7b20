"""Scoring: the dataclasses and the pure arithmetic of the capability matrix (Figure 1),
breakdowns, maturity, country status and trends.

No Django here (no settings, no models): it imports and runs without Django configured
(tests/capabilities/test_arithmetic.py). The queries that feed it are in capabilities.aggregates.

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

Pure functions (all dataclasses are frozen):
    round_half_up_pct(numerator, denominator) -> int | None
    score_cell(code, group, counts, min_cell) -> Cell
    suppress_complementary(cells) -> tuple[Cell, ...]
    protect_breakdown(...), breakdown_is_safe(...)      disclosure control below analyst
    build_matrix(...) -> Matrix                (from Counts and populations)
    maturity_summary(code, group, distribution, min_cell) -> MaturitySummary
    median_phase(distribution) -> Decimal | None
    domain_maturity(capabilities, statuses) -> tuple[DomainMaturity, ...]
    changes_since(current, previous) -> tuple[Change, ...]
Dataclasses: CapabilityRef, Counts, Cell, MaturitySummary, Matrix, Breakdown,
    CapabilityStatus, CountryProfile, Change, DomainMaturity, Heatmap, TrendPoint
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from . import labels

GROUP_FIELDS = ("income_group", "region", "survey")
PHASES = (1, 2, 3, 4)

# Why a cell shows no share (Cell.reason); translated for display by reports.charts.reason_text.
REASON_SMALL_CELL = "small_cell"  # fewer than K answering countries
REASON_COMPLEMENTARY = "complementary"  # hidden so a smaller hidden group cannot be derived
REASON_NO_ANSWERS = "no_answers"  # nobody answered yes or no


# ---------------------------------------------------------------------------------------------
# Dataclasses


@dataclass(frozen=True)
class CapabilityRef:
    """A capability with its domain, as plain data (from the ORM by ``load_capabilities``)."""

    code: str
    name_en: str
    name_fr: str
    domain_code: str
    domain_name_en: str
    domain_name_fr: str
    order: int = 0
    domain_order: int = 0

    def label(self, lang: str = "en") -> str:
        return labels.pick(self.name_en, self.name_fr, lang)

    def domain_label(self, lang: str = "en") -> str:
        return labels.pick(self.domain_name_en, self.domain_name_fr, lang)


@dataclass(frozen=True)
class Counts:
    """Raw counts of one yes/no question within one population (the input of score_cell)."""

    population: int  # N: scored assessments in the population
    yes: int = 0
    no: int = 0
    dont_know: int = 0

    def __post_init__(self) -> None:
        if min(self.population, self.yes, self.no, self.dont_know) < 0:
            raise ValueError("Counts cannot be negative.")
        if self.yes + self.no + self.dont_know > self.population:
            raise ValueError("More answers than assessments in the population.")


@dataclass(frozen=True)
class Cell:
    """One capability (or question) in one group: what is shown and exported.

    When ``suppressed``, ``yes``, ``no`` and ``yes_pct`` are None and ``reason`` says why.
    """

    code: str
    group: str  # "" for all scored assessments of the cycle
    population: int  # N
    answered: int | None  # yes + no (None: withheld, hidden cells below analyst)
    no_answer: int | None  # N - answered ("don't know" and missing); None when withheld
    yes: int | None
    no: int | None
    yes_pct: int | None
    suppressed: bool = False
    reason: str = ""

    @property
    def no_pct(self) -> int | None:
        return None if self.yes_pct is None else 100 - self.yes_pct

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.yes_pct is not None


@dataclass(frozen=True)
class MaturitySummary:
    code: str
    group: str
    distribution: tuple[int, int, int, int]  # answers in phases 1, 2, 3, 4
    median: Decimal | None
    suppressed: bool = False

    @property
    def answered(self) -> int:
        return sum(self.distribution)


@dataclass(frozen=True)
class Matrix:
    """The capability matrix of a cycle: one Cell per capability and group.

    ``groups`` is ("",) without a breakdown; with one, "" (all) comes first, then each group.
    """

    cycle_code: str
    by: str
    groups: tuple[str, ...]
    capabilities: tuple[CapabilityRef, ...]
    cells: tuple[Cell, ...]
    populations: tuple[tuple[str, int], ...]
    maturity: tuple[MaturitySummary, ...] = ()
    min_cell: int | None = None

    def cell(self, code: str, group: str = "") -> Cell | None:
        return self._cells.get((code, group))

    def maturity_of(self, code: str, group: str = "") -> MaturitySummary | None:
        return self._maturity.get((code, group))

    def population(self, group: str = "") -> int:
        return dict(self.populations).get(group, 0)

    def answered_capabilities(self) -> tuple[CapabilityRef, ...]:
        """Capabilities with at least one yes or no answer in the whole cycle (rows of Figure 1)."""
        return tuple(
            cap
            for cap in self.capabilities
            if (c := self.cell(cap.code)) is not None and (c.answered or 0) > 0
        )

    def rows(self, group: str = "") -> tuple[tuple[CapabilityRef, Cell], ...]:
        """(capability, cell) for the answered capabilities in one group."""
        out = []
        for cap in self.answered_capabilities():
            cell = self.cell(cap.code, group)
            if cell is not None:
                out.append((cap, cell))
        return tuple(out)

    @property
    def _cells(self) -> dict[tuple[str, str], Cell]:
        return {(c.code, c.group): c for c in self.cells}

    @property
    def _maturity(self) -> dict[tuple[str, str], MaturitySummary]:
        return {(m.code, m.group): m for m in self.maturity}


@dataclass(frozen=True)
class Breakdown:
    """One yes/no question across a cycle and its groups (used for the review's text facts)."""

    code: str
    overall: Cell
    groups: tuple[Cell, ...] = ()

    def group(self, name: str) -> Cell | None:
        return next((c for c in self.groups if c.group == name), None)


@dataclass(frozen=True)
class CapabilityStatus:
    """One country's answer for one capability: in_place is yes, no, dont_know or "" (none)."""

    code: str
    in_place: str = ""
    maturity: int | None = None


@dataclass(frozen=True)
class Change:
    """Change of one capability between the previous cycle and this one (by capability code)."""

    code: str
    before: CapabilityStatus | None
    after: CapabilityStatus
    kind: str  # "gained", "lost", "same", "new" (no comparable answer before), "unknown"
    maturity_delta: int | None = None


@dataclass(frozen=True)
class DomainMaturity:
    """Mean maturity phase of a domain (one decimal, rounded half up) over ``answered`` answers."""

    domain_code: str
    domain_name_en: str
    domain_name_fr: str
    mean: Decimal | None
    answered: int
    countries: int = 1
    suppressed: bool = False

    def label(self, lang: str = "en") -> str:
        return labels.pick(self.domain_name_en, self.domain_name_fr, lang)


@dataclass(frozen=True)
class CountryProfile:
    country_code: str
    cycle_code: str
    capabilities: tuple[CapabilityRef, ...]
    statuses: tuple[CapabilityStatus, ...]
    domains: tuple[DomainMaturity, ...]
    previous_cycle_code: str = ""
    previous_cycle_name_en: str = ""
    previous_cycle_name_fr: str = ""
    changes: tuple[Change, ...] = ()

    def status(self, code: str) -> CapabilityStatus:
        return next((s for s in self.statuses if s.code == code), CapabilityStatus(code))

    def previous_cycle_label(self, lang: str = "en") -> str:
        return labels.pick(self.previous_cycle_name_en, self.previous_cycle_name_fr, lang)


@dataclass(frozen=True)
class HeatmapCountry:
    code: str
    name_en: str
    name_fr: str

    def label(self, lang: str = "en") -> str:
        return labels.pick(self.name_en, self.name_fr, lang)


@dataclass(frozen=True)
class Heatmap:
    """Country × capability in-place values of a cycle (analysts only; no aggregation)."""

    cycle_code: str
    countries: tuple[HeatmapCountry, ...]
    capabilities: tuple[CapabilityRef, ...]
    values: tuple[tuple[str, str, str], ...]  # (country code, capability code, in_place value)
    maturity: tuple[tuple[str, str, int], ...] = field(default=())

    def value(self, country: str, capability: str) -> str:
        return self._values.get((country, capability), "")

    def phase(self, country: str, capability: str) -> int | None:
        return self._maturity.get((country, capability))

    @property
    def _values(self) -> dict[tuple[str, str], str]:
        return {(a, b): v for a, b, v in self.values}

    @property
    def _maturity(self) -> dict[tuple[str, str], int]:
        return {(a, b): v for a, b, v in self.maturity}


@dataclass(frozen=True)
class TrendPoint:
    cycle_code: str
    cycle_name_en: str
    cycle_name_fr: str
    cell: Cell
    illustrative: bool = False

    def label(self, lang: str = "en") -> str:
        return labels.pick(self.cycle_name_en, self.cycle_name_fr, lang)


# ---------------------------------------------------------------------------------------------
# Pure arithmetic


def round_half_up_pct(numerator: int, denominator: int) -> int | None:
    """100 × numerator ÷ denominator as a whole percent rounded half up; None for 0 ÷ 0."""
    if denominator == 0:
        return None
    value = Decimal(100 * numerator) / Decimal(denominator)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def score_cell(code: str, group: str, counts: Counts, min_cell: int | None) -> Cell:
    """The cell of one question in one population; suppressed when answered < min_cell."""
    answered = counts.yes + counts.no
    no_answer = counts.population - answered
    if min_cell is not None and answered < min_cell:
        return Cell(
            code=code,
            group=group,
            population=counts.population,
            answered=answered,
            no_answer=no_answer,
            yes=None,
            no=None,
            yes_pct=None,
            suppressed=True,
            reason=REASON_SMALL_CELL,
        )
    return Cell(
        code=code,
        group=group,
        population=counts.population,
        answered=answered,
        no_answer=no_answer,
        yes=counts.yes,
        no=counts.no,
        yes_pct=round_half_up_pct(counts.yes, answered),
        reason=REASON_NO_ANSWERS if answered == 0 else "",
    )


def suppress_complementary(cells: Sequence[Cell]) -> tuple[Cell, ...]:
    """Given the group cells of one capability: if exactly one is suppressed, also hide the
    smallest visible one (fewest answers, then name) so the hidden one cannot be derived by
    subtracting the visible groups from the overall total."""
    hidden = [c for c in cells if c.suppressed and (c.answered or 0) > 0]
    visible = [c for c in cells if not c.suppressed and (c.answered or 0) > 0]
    if len(hidden) != 1 or not visible:
        return tuple(cells)
    target = min(visible, key=lambda c: (c.answered, c.group))
    return tuple(
        replace(
            c,
            yes=None,
            no=None,
            yes_pct=None,
            suppressed=True,
            reason=REASON_COMPLEMENTARY,
        )
        if c is target
        else c
        for c in cells
    )


def _hidden_cell(code: str, group: str, counts: Counts, reason: str, withhold: bool) -> Cell:
    answered = counts.yes + counts.no
    return Cell(
        code=code,
        group=group,
        population=counts.population,
        answered=None if withhold else answered,
        no_answer=None if withhold else counts.population - answered,
        yes=None,
        no=None,
        yes_pct=None,
        suppressed=True,
        reason=reason,
    )


def breakdown_is_safe(hidden: Sequence[Counts]) -> bool:
    """Whether hidden cells, known only together (their sum is the total minus the shown
    groups), keep each one's yes count unknowable: at least two of them have answers, and
    together they hold at least one yes and one no (else "all yes"/"all no" gives every one)."""
    with_answers = [c for c in hidden if c.yes + c.no > 0]
    return (
        len(with_answers) >= 2
        and sum(c.yes for c in hidden) >= 1
        and sum(c.no for c in hidden) >= 1
    )


def protect_breakdown(
    code: str,
    overall: Counts,
    groups: Sequence[tuple[str, Counts]],
    min_cell: int,
) -> tuple[Cell, ...]:
    """The group cells of one capability as people below analyst see them (docs/scoring.md,
    "Small cells"): the disclosure guarantee, checked by capabilities.disclosure.

    1. A group with fewer than ``min_cell`` answers is hidden; so is every group when the overall
       cell is, and the countries without a group always form a hidden cell of their own.
    2. While the hidden cells are not safe together (``breakdown_is_safe``), the smallest shown
       group (fewest answers, then code) is hidden too; at worst the whole breakdown of this
       capability is hidden and only the overall figure remains.
    3. Hidden cells show N only: their answered and no-answer counts are withheld (None).
    """
    rest = Counts(
        population=overall.population - sum(c.population for _g, c in groups),
        yes=overall.yes - sum(c.yes for _g, c in groups),
        no=overall.no - sum(c.no for _g, c in groups),
        dont_know=overall.dont_know - sum(c.dont_know for _g, c in groups),
    )
    overall_hidden = overall.yes + overall.no < min_cell
    hidden: dict[str, str] = {
        g: REASON_SMALL_CELL
        for g, c in groups
        if overall_hidden or (c.yes + c.no < min_cell and c.population > 0)
    }
    if hidden or rest.population > 0:
        while not breakdown_is_safe([rest] + [c for g, c in groups if g in hidden]):
            shown = [(c.yes + c.no, g) for g, c in groups if g not in hidden and c.population]
            if not shown:
                break
            hidden[min(shown)[1]] = REASON_COMPLEMENTARY
    out = []
    for g, c in groups:
        if g in hidden:
            out.append(_hidden_cell(code, g, c, hidden[g], withhold=True))
        else:
            out.append(score_cell(code, g, c, None))
    return tuple(out)


def median_phase(distribution: Sequence[int]) -> Decimal | None:
    """Median phase of answers counted per phase 1–4 (x.5 between two middle phases)."""
    values = [phase for phase, n in zip(PHASES, distribution, strict=True) for _ in range(n)]
    if not values:
        return None
    return Decimal(str(statistics.median(values)))


def maturity_summary(
    code: str, group: str, distribution: Sequence[int], min_cell: int | None
) -> MaturitySummary:
    dist = tuple(int(n) for n in distribution)
    if len(dist) != 4:
        raise ValueError("A maturity distribution has four phases.")
    if min_cell is not None and sum(dist) < min_cell:
        return MaturitySummary(code, group, (0, 0, 0, 0), None, suppressed=True)
    return MaturitySummary(code, group, dist, median_phase(dist))


def build_matrix(
    *,
    cycle_code: str,
    capabilities: Sequence[CapabilityRef],
    counts: Mapping[tuple[str, str], Counts],
    populations: Mapping[str, int],
    by: str = "",
    min_cell: int | None = None,
    phases: Mapping[tuple[str, str], Sequence[int]] | None = None,
    group_order: Sequence[str] = (),
    group_min_cell: int | None = None,
) -> Matrix:
    """Scores every capability in the whole population ("") and, with ``by``, in each group.

    ``counts`` maps (capability code, group) to Counts (missing = nobody answered);
    ``populations`` maps group to N (with the "" key for the whole cycle, computed as the sum of
    the groups when absent). Group cells are always suppressed below ``min_cell`` (or, when it
    is None, ``group_min_cell``: capabilities.aggregates.build_matrix passes settings.MRN_MIN_CELL);
    the overall cells only when ``min_cell`` is given.
    """
    populations = dict(populations)
    protect = bool(by) and min_cell is not None
    if by:
        populations.setdefault("", sum(populations.values()))
        group_cells_min = min_cell if min_cell is not None else group_min_cell
        if group_cells_min is None:
            raise ValueError("A breakdown needs min_cell or group_min_cell.")
    else:
        populations = {"": populations.get("", sum(populations.values()))}
        group_cells_min = min_cell
    groups = [""]
    if by:
        present = [g for g in populations if g != ""]
        ordered = [g for g in group_order if g in present]
        groups += ordered + sorted(g for g in present if g not in ordered)
    phases = phases or {}
    cells: list[Cell] = []
    maturity: list[MaturitySummary] = []
    for cap in capabilities:
        overall = score_cell(
            cap.code, "", _counts_for(counts, cap.code, "", populations[""]), min_cell
        )
        group_cells = [
            score_cell(
                cap.code, g, _counts_for(counts, cap.code, g, populations[g]), group_cells_min
            )
            for g in groups[1:]
        ]
        cells.append(overall)
        if protect:
            assert group_cells_min is not None  # protect: min_cell was given
            cells.extend(
                protect_breakdown(
                    cap.code,
                    _counts_for(counts, cap.code, "", populations[""]),
                    [(g, _counts_for(counts, cap.code, g, populations[g])) for g in groups[1:]],
                    group_cells_min,
                )
            )
        else:
            cells.extend(suppress_complementary(group_cells))
        for g in groups:
            dist = phases.get((cap.code, g), (0, 0, 0, 0))
            if protect and g != "":
                # Group maturity below analyst: never shown (nothing displays it), so nothing
                # can be differenced against the overall distribution.
                maturity.append(MaturitySummary(cap.code, g, (0, 0, 0, 0), None, suppressed=True))
                continue
            maturity.append(
                maturity_summary(cap.code, g, dist, min_cell if g == "" else group_cells_min)
            )
    return Matrix(
        cycle_code=cycle_code,
        by=by,
        groups=tuple(groups),
        capabilities=tuple(capabilities),
        cells=tuple(cells),
        populations=tuple((g, populations[g]) for g in groups),
        maturity=tuple(maturity),
        min_cell=min_cell,
    )


def _counts_for(
    counts: Mapping[tuple[str, str], Counts], code: str, group: str, population: int
) -> Counts:
    found = counts.get((code, group))
    if found is None:
        return Counts(population=population)
    return Counts(population=population, yes=found.yes, no=found.no, dont_know=found.dont_know)


def counts_from_rows(
    rows: Iterable[tuple[str, str, str, int]], by: str = ""
) -> dict[tuple[str, str], Counts]:
    """Turns (code, group, value, n) rows into Counts per (code, group), adding the "" totals.

    Without ``by`` every row counts towards "" whatever its group; rows of assessments without
    a group ("") count in the total only. ``population`` is left at the answers' count here:
    build_matrix applies each group's N.
    """
    tallies: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, group, value, n in rows:
        keys = [(code, "")] + ([(code, group)] if by and group else [])
        for key in keys:
            tallies[key][value] += n
    return {
        key: Counts(
            population=t["yes"] + t["no"] + t["dont_know"],
            yes=t["yes"],
            no=t["no"],
            dont_know=t["dont_know"],
        )
        for key, t in tallies.items()
    }


def phases_from_rows(
    rows: Iterable[tuple[str, str, str, int]], by: str = ""
) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """Turns (code, group, phase value, n) rows into phase distributions per (code, group)."""
    dist: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for code, group, value, n in rows:
        if value not in ("1", "2", "3", "4"):
            continue
        keys = [(code, "")] + ([(code, group)] if by and group else [])
        for key in keys:
            dist[key][int(value) - 1] += n
    return {key: tuple(v) for key, v in dist.items()}  # type: ignore[misc]


def _mean(values: Sequence[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def domain_maturity(
    capabilities: Sequence[CapabilityRef], statuses: Iterable[CapabilityStatus]
) -> tuple[DomainMaturity, ...]:
    """Per domain (in framework order): the mean of the country's maturity phases answered."""
    by_code = {s.code: s for s in statuses}
    domains: dict[str, tuple[CapabilityRef, list[int]]] = {}
    for cap in sorted(capabilities, key=lambda c: (c.domain_order, c.order, c.code)):
        entry = domains.setdefault(cap.domain_code, (cap, []))
        status = by_code.get(cap.code)
        if status is not None and status.maturity is not None:
            entry[1].append(status.maturity)
    return tuple(
        DomainMaturity(
            domain_code=code,
            domain_name_en=cap.domain_name_en,
            domain_name_fr=cap.domain_name_fr,
            mean=_mean(values),
            answered=len(values),
        )
        for code, (cap, values) in domains.items()
    )


def changes_since(
    current: Sequence[CapabilityStatus], previous: Sequence[CapabilityStatus] | None
) -> tuple[Change, ...]:
    """Compares two cycles by capability code (framework versions may differ)."""
    before = {s.code: s for s in previous or ()}
    out = []
    for now in current:
        then = before.get(now.code)
        if then is None or then.in_place not in ("yes", "no"):
            kind = "new" if now.in_place in ("yes", "no") else "unknown"
        elif now.in_place not in ("yes", "no"):
            kind = "unknown"
        elif then.in_place == now.in_place:
            kind = "same"
        else:
            kind = "gained" if now.in_place == "yes" else "lost"
        delta = (
            now.maturity - then.maturity
            if then is not None and then.maturity is not None and now.maturity is not None
            else None
        )
        out.append(Change(code=now.code, before=then, after=now, kind=kind, maturity_delta=delta))
    return tuple(out)


def cohort_domain_from_rows(
    capabilities: Sequence[CapabilityRef],
    rows: Iterable[tuple[str, int, int, int]],
    min_cell: int | None,
    own: Mapping[str, int] | None = None,
) -> tuple[DomainMaturity, ...]:
    """Cohort means per domain from (domain code, sum of phases, answers, countries) rows;
    suppressed when fewer than ``min_cell`` countries answered in the domain *other than the
    country compared with it* (``own``: domain code → 1 when that country is counted there)."""
    own = own or {}
    found = {code: (total, n, countries) for code, total, n, countries in rows}
    seen: dict[str, CapabilityRef] = {}
    for cap in sorted(capabilities, key=lambda c: (c.domain_order, c.order, c.code)):
        seen.setdefault(cap.domain_code, cap)
    out = []
    for code, cap in seen.items():
        total, n, countries = found.get(code, (0, 0, 0))
        hide = min_cell is not None and countries - own.get(code, 0) < min_cell
        mean = None
        if n and not hide:
            mean = (Decimal(total) / Decimal(n)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        out.append(
            DomainMaturity(
                domain_code=code,
                domain_name_en=cap.domain_name_en,
                domain_name_fr=cap.domain_name_fr,
                mean=mean,
                answered=n,
                countries=countries,
                suppressed=hide,
            )
        )
    return tuple(out)


def statuses_by_code(statuses: Iterable[CapabilityStatus], code: str) -> CapabilityStatus:
    return next((s for s in statuses if s.code == code), CapabilityStatus(code))


def cohort_cell(cell: Cell | None, own: CapabilityStatus, min_cell: int | None) -> Cell | None:
    """A cohort cell beside one country's profile: hidden (as a small cell, counts withheld)
    when fewer than ``min_cell`` countries other than that country answered yes or no."""
    if cell is None or min_cell is None or not cell.shown:
        return cell
    mine = 1 if own.in_place in ("yes", "no") else 0
    if (cell.answered or 0) - mine >= min_cell:
        return cell
    return replace(
        cell,
        yes=None,
        no=None,
        yes_pct=None,
        answered=None,
        no_answer=None,
        suppressed=True,
        reason=REASON_SMALL_CELL,
    )
