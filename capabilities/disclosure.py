"""The disclosure auditor: can a hidden cell's yes count be worked out from what a persona sees?

Input: the numbers one persona receives about one capability of one cycle — the overall cell and
the cells of one breakdown (as in the matrix download: N, answered, yes, no, no answer; hidden
cells with yes and no empty, and answered/no answer empty when withheld). The countries without a
group are an implicit hidden cell: N overall minus the N of the listed groups.

For every hidden cell the auditor computes the bounds of its yes count that follow from the shown
numbers, the way an attacker would: the hidden cells together hold ``Y_H = yes(all) − Σ yes(shown)``
yes answers and ``M_H`` no answers, and a cell of N_i countries (a_i answering, when shown) holds

    lower = max(0, Y_H − Σ_{j≠i} cap_j, a_i − M_H  (a_i shown), N_i − (N_H − Y_H))
    upper = min(cap_i, Y_H)                      cap = a when shown, else N

(differencing against the total, unanimity of the hidden rest, counts shown for hidden cells).
A cell whose bounds meet is *workable* — unless the overall figures alone already fix it (the whole
cycle answered yes, or nobody did): that is public from the total without any breakdown, and
is reported as ``inherent``, not as a leak.

Scope: one breakdown at a time against the overall (each breakdown is a partition of the cycle's
scored countries). Combining two breakdowns (income group × region) is not modelled.

Pure Python, no Django: used by the tests on the real download views (tests/capabilities/
test_disclosure.py) and usable on any exported file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

NO_GROUP = "(no group)"


@dataclass(frozen=True)
class Shown:
    """One cell as a persona receives it: None for every number that is not shown."""

    group: str
    population: int
    answered: int | None = None
    yes: int | None = None
    no: int | None = None

    @property
    def hidden(self) -> bool:
        return self.yes is None or self.no is None


@dataclass(frozen=True)
class Bounds:
    capability: str
    breakdown: str
    group: str
    lower: int
    upper: int
    inherent: bool = False

    @property
    def workable(self) -> bool:
        return self.lower == self.upper and not self.inherent


def _int(value: object) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    return int(text) if text != "" else None


def hidden_bounds(
    overall: Shown, groups: Sequence[Shown], *, capability: str = "", breakdown: str = ""
) -> list[Bounds]:
    """Bounds of every hidden cell's yes count in one breakdown of one capability."""
    if overall.hidden or overall.yes is None or overall.no is None:
        return []  # no total to difference against: every hidden cell stays within [0, N]
    cells = list(groups)
    rest = overall.population - sum(c.population for c in cells)
    if rest > 0:
        cells.append(Shown(NO_GROUP, rest))
    shown = [c for c in cells if not c.hidden]
    hidden = [c for c in cells if c.hidden and c.population > 0]
    if not hidden:
        return []
    y_h = overall.yes - sum(c.yes or 0 for c in shown)
    m_h = overall.no - sum(c.no or 0 for c in shown)
    n_h = sum(c.population for c in hidden)
    caps = [c.answered if c.answered is not None else c.population for c in hidden]
    out = []
    for i, cell in enumerate(hidden):
        others = sum(caps) - caps[i]
        lower = max(0, y_h - others, cell.population - (n_h - y_h))
        if cell.answered is not None:
            lower = max(lower, cell.answered - m_h)
        upper = min(caps[i], y_h)
        # From the total alone (no breakdown), the countries of this cell answered yes at least
        # N_i − (N − Y) and at most min(N_i, Y) times: when these meet, no breakdown is needed.
        alone_low = max(0, cell.population - (overall.population - overall.yes))
        alone_up = min(cell.population, overall.yes)
        out.append(
            Bounds(
                capability=capability,
                breakdown=breakdown,
                group=cell.group,
                lower=lower,
                upper=upper,
                inherent=alone_low == alone_up,
            )
        )
    return out


def audit_rows(rows: Iterable[Mapping[str, object]]) -> list[Bounds]:
    """Audits the rows of a matrix download (the columns of ``reports.tables.MATRIX_COLUMNS``
    it reads: ``breakdown``, ``group``, ``capability``, ``population``, ``answered``, ``yes``,
    ``no``). Returns the bounds of every hidden cell; ``[b for b in result if b.workable]`` are
    the leaks."""
    overall: dict[str, Shown] = {}
    breakdowns: dict[tuple[str, str], list[Shown]] = defaultdict(list)
    for row in rows:
        cell = Shown(
            group=str(row.get("group") or ""),
            population=_int(row.get("population")) or 0,
            answered=_int(row.get("answered")),
            yes=_int(row.get("yes")),
            no=_int(row.get("no")),
        )
        code = str(row["capability"])
        if not row.get("breakdown") and not cell.group:
            overall[code] = cell
        elif cell.group:
            breakdowns[(code, str(row["breakdown"]))].append(cell)
    out: list[Bounds] = []
    for (code, by), cells in breakdowns.items():
        if code in overall:
            out += hidden_bounds(overall[code], cells, capability=code, breakdown=by)
    return out


def leaks(rows: Iterable[Mapping[str, object]]) -> list[Bounds]:
    return [b for b in audit_rows(rows) if b.workable]
