"""``manage.py capability_matrix --cycle CODE [--by income_group|region|survey]
[--format csv|json] [--lang en|fr]``: prints the capability matrix (Figure 1) of a cycle.

The rows and columns are those of every matrix download (``reports.tables``, docs/scoring.md
"The matrix table"): one row per capability with any yes or no answer, all countries first,
then, with ``--by``, one per capability and group. Exact figures, as analysts see them.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from capabilities.aggregates import capability_matrix
from capabilities.models import Cycle
from capabilities.scoring import GROUP_FIELDS
from reports.exports import csv_chunks
from reports.tables import MATRIX_COLUMNS, matrix_rows


class Command(BaseCommand):
    help = "Prints the capability matrix of a cycle (share of countries with each capability in place)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", required=True, help="cycle code")
        parser.add_argument("--by", choices=GROUP_FIELDS, default="", help="break down by group")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
        parser.add_argument(
            "--lang", default="en", choices=[code for code, _name in settings.LANGUAGES]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cycle = Cycle.objects.select_related("framework").filter(code=options["cycle"]).first()
        if cycle is None:
            codes = ", ".join(Cycle.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"No cycle has the code {options['cycle']} (cycles: {codes}).")
        matrix = capability_matrix(cycle, by=options["by"])
        rows = matrix_rows(matrix, options["lang"])
        if options["format"] == "json":
            records = [row.as_dict() for row in rows]
            self.stdout.write(json.dumps(records, ensure_ascii=False, indent=2))
            return
        for chunk in csv_chunks(MATRIX_COLUMNS, (row.values() for row in rows), bom=False):
            self.stdout.write(chunk.decode("utf-8"), ending="")
