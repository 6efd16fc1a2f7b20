"""The capability matrix as a table: one function, one column scheme (docs/scoring.md, "The
matrix table"), used by the matrix page, its CSV/XLSX download, the cycle's matrix export, the
matrix PDF and ``manage.py capability_matrix``.

``matrix_rows(matrix, lang)`` turns a ``capabilities.scoring.Matrix`` into ``MatrixRow``s: group
by group (all countries first, then each group of the breakdown), one row per capability that
at least one country answered yes or no in the whole cycle (the rows of Figure 1). It reads no
database and decides nothing about disclosure: the matrix already holds what the user may see
(``permissions.aggregate_min_cell``; ``scoring.protect_breakdown`` below analyst), and a
withheld number stays None here, an empty cell in every file and "–" on the page.

``MatrixRow.values()`` gives the row in ``MATRIX_COLUMNS`` order as plain file cells;
``matrix_table`` wraps the rows in an ``exports.Table`` for the CSV and XLSX writers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from capabilities.labels import group_label
from capabilities.scoring import Matrix

from .charts import reason_text
from .exports import Cell, Table

# The column scheme, in order (docs/scoring.md, "The matrix table", says what each one means).
MATRIX_COLUMNS = (
    "cycle",
    "breakdown",
    "group",
    "group_label",
    "domain",
    "domain_label",
    "capability",
    "capability_label",
    "population",
    "answered",
    "yes",
    "no",
    "no_answer",
    "yes_pct",
    "suppressed",
    "reason",
)


@dataclass(frozen=True)
class MatrixRow:
    """One capability in one group. Counts are numbers of countries (scored assessments);
    None where the number is not shown (``yes``, ``no``, ``yes_pct`` of a suppressed cell;
    ``answered`` and ``no_answer`` of a hidden breakdown cell below analyst)."""

    cycle: str
    breakdown: str  # "" (none), income_group, region or survey
    group: str  # "" for all countries, else the group's code
    group_label: str
    domain: str  # domain code, "D1"
    domain_label: str
    capability: str  # capability code, "C01"
    capability_label: str
    population: int  # N
    answered: int | None  # yes + no
    yes: int | None
    no: int | None
    no_answer: int | None  # N - answered: "don't know" or no answer
    yes_pct: int | None  # 100 × yes ÷ answered, whole percent rounded half up
    suppressed: bool
    reason: str  # why no share is shown, "" when one is

    @property
    def shown(self) -> bool:
        """Whether the row shows a share."""
        return not self.suppressed and self.yes_pct is not None

    def as_dict(self) -> dict[str, Cell | bool]:
        """The row as a mapping of column to value (``suppressed`` stays a bool)."""
        return {column: getattr(self, column) for column in MATRIX_COLUMNS}

    def values(self) -> tuple[Cell, ...]:
        """The row in MATRIX_COLUMNS order as file cells (``suppressed`` as "true"/"false")."""
        return tuple(
            ("true" if self.suppressed else "false")
            if column == "suppressed"
            else getattr(self, column)
            for column in MATRIX_COLUMNS
        )


def matrix_rows(matrix: Matrix, lang: str) -> tuple[MatrixRow, ...]:
    """The matrix table (see the module docstring), labels and reasons in ``lang``."""
    rows = []
    with translation.override(lang):
        for group in matrix.groups:
            label = group_label(matrix.by, group)
            for cap, cell in matrix.rows(group):
                rows.append(
                    MatrixRow(
                        cycle=matrix.cycle_code,
                        breakdown=matrix.by,
                        group=group,
                        group_label=label,
                        domain=cap.domain_code,
                        domain_label=cap.domain_label(lang),
                        capability=cap.code,
                        capability_label=cap.label(lang),
                        population=cell.population,
                        answered=cell.answered,
                        yes=cell.yes,
                        no=cell.no,
                        no_answer=cell.no_answer,
                        yes_pct=cell.yes_pct,
                        suppressed=cell.suppressed,
                        reason=reason_text(cell, matrix.min_cell),
                    )
                )
    return tuple(rows)


def matrix_table(
    matrix: Matrix, lang: str, *, title: str | None = None, include_all: bool = True
) -> Table:
    """The matrix table as an ``exports.Table`` (header MATRIX_COLUMNS). ``include_all=False``
    leaves out the all-countries rows of a breakdown (a file that already has them)."""
    rows = [row.values() for row in matrix_rows(matrix, lang) if include_all or row.group != ""]
    if title is None:
        with translation.override(lang):
            title = _("Matrix")
    return Table(title, MATRIX_COLUMNS, rows)
