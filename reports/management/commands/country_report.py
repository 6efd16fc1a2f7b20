"""``manage.py country_report COUNTRY --cycle CODE --lang en|fr --output FILE``: one country's PDF."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from capabilities.models import Assessment
from reports import pdf


class Command(BaseCommand):
    help = "Writes the printed country report (PDF) of one country in one cycle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("country", help="Country code, e.g. GHA.")
        parser.add_argument("--cycle", required=True, help="Cycle code, e.g. review-2021.")
        parser.add_argument(
            "--lang", default="en", choices=[code for code, _ in settings.LANGUAGES]
        )
        parser.add_argument("--output", required=True, help="Where to write the PDF.")

    def handle(self, *args: object, **options: object) -> None:
        country, cycle = str(options["country"]), str(options["cycle"])
        assessment = (
            Assessment.objects.select_related("country", "cycle__framework")
            .filter(country__code__iexact=country, cycle__code=cycle)
            .first()
        )
        if assessment is None:
            raise CommandError(
                f"No assessment of country {country!r} in cycle {cycle!r}. Check the codes "
                "(the country code as in the admin, e.g. GHA; the cycle code, e.g. review-2021)."
            )
        output = Path(str(options["output"]))
        if not output.parent.exists():
            raise CommandError(f"The folder {output.parent} does not exist.")
        data = pdf.country_report_pdf(assessment, lang=str(options["lang"]))
        output.write_bytes(data)
        self.stdout.write(f"Wrote {output} ({len(data) // 1024} KB).")
