"""``manage.py capability_matrix --cycle CODE [--by income_group|region|survey]
[--format csv|json]``: prints the capability matrix (Figure 1) of a cycle.

CSV columns: capability,label,group,yes,no,no_answer,answered,yes_pct,suppressed — one row per
capability with any answers (with ``--by``, one per capability and group, "all" rows omitted).
"""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capabilities.models import Cycle
from capabilities.scoring import GROUP_FIELDS, Matrix, capability_matrix

COLUMNS = (
    "capability",
    "label",
    "group",
    "yes",
    "no",
    "no_answer",
    "answered",
    "yes_pct",
    "suppressed",
)


def matrix_records(matrix: Matrix) -> list[dict[str, Any]]:
    """The rows the command prints: exact counts; suppressed cells without yes, no and share."""
    groups = matrix.groups[1:] if matrix.by else ("",)
    records = []
    for cap in matrix.answered_capabilities():
        for group in groups:
            cell = matrix.cell(cap.code, group)
            if cell is None:
                continue
            records.append(
                {
                    "capability": cap.code,
                    "label": cap.name_en,
                    "group": group,
                    "yes": cell.yes,
                    "no": cell.no,
                    "no_answer": cell.no_answer,
                    "answered": cell.answered,
                    "yes_pct": cell.yes_pct,
                    "suppressed": cell.suppressed,
                }
            )
    return records


class Command(BaseCommand):
    help = "Prints the capability matrix of a cycle (share of countries with each capability in place)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", required=True, help="cycle code")
        parser.add_argument("--by", choices=GROUP_FIELDS, default="", help="break down by group")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")

    def handle(self, *args: Any, **options: Any) -> None:
        cycle = Cycle.objects.select_related("framework").filter(code=options["cycle"]).first()
        if cycle is None:
            codes = ", ".join(Cycle.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"No cycle has the code {options['cycle']} (cycles: {codes}).")
        records = matrix_records(capability_matrix(cycle, by=options["by"]))
        if options["format"] == "json":
            self.stdout.write(json.dumps(records, ensure_ascii=False, indent=2))
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in records:
            writer.writerow(
                [
                    ""
                    if r[c] is None
                    else ("true" if r[c] else "false")
                    if c == "suppressed"
                    else r[c]
                    for c in COLUMNS
                ]
            )
