"""``manage.py matrix_report --cycle CODE --lang en|fr --output FILE``: the capability matrix PDF."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from capabilities.models import Cycle
from reports import pdf


class Command(BaseCommand):
    help = (
        "Writes the printed capability matrix (PDF) of a cycle: Figure 1 and its breakdowns. "
        "Overall figures are unsuppressed (as analysts see them) unless --suppress is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", required=True, help="Cycle code, e.g. review-2021.")
        parser.add_argument(
            "--lang", default="en", choices=[code for code, _ in settings.LANGUAGES]
        )
        parser.add_argument("--output", required=True, help="Where to write the PDF.")
        parser.add_argument(
            "--suppress",
            action="store_true",
            help="Suppress overall cells below MRN_MIN_CELL too, as for country teams.",
        )

    def handle(self, *args: object, **options: object) -> None:
        cycle = Cycle.objects.select_related("framework").filter(code=options["cycle"]).first()
        if cycle is None:
            codes = ", ".join(Cycle.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"No cycle {options['cycle']!r}. Cycles: {codes}.")
        output = Path(str(options["output"]))
        if not output.parent.exists():
            raise CommandError(f"The folder {output.parent} does not exist.")
        min_cell = settings.MRN_MIN_CELL if options["suppress"] else None
        data = pdf.matrix_report_pdf(cycle, lang=str(options["lang"]), min_cell=min_cell)
        output.write_bytes(data)
        self.stdout.write(f"Wrote {output} ({len(data) // 1024} KB).")
