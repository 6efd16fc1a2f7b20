"""``manage.py questionnaire_export --country CODE --cycle CODE --lang fr --output FILE``: the
offline questionnaire workbook (all domains) of one country in one cycle."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from capabilities import offline, services
from capabilities.models import Country, Cycle


class Command(BaseCommand):
    help = "Writes a country's offline questionnaire (XLSX, all domains, current answers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", required=True, help="Country code, e.g. GHA.")
        parser.add_argument("--cycle", required=True, help="Cycle code, e.g. review-2021.")
        parser.add_argument(
            "--lang", default="en", choices=[code for code, _ in settings.LANGUAGES]
        )
        parser.add_argument("--output", required=True, help="Where to write the .xlsx file.")

    def handle(self, *args: object, **options: object) -> None:
        country = Country.objects.filter(code__iexact=str(options["country"])).first()
        if country is None:
            raise CommandError(
                f"No country with code {options['country']!r} (use the code in the admin, e.g. GHA)."
            )
        cycle = Cycle.objects.select_related("framework").filter(code=options["cycle"]).first()
        if cycle is None:
            raise CommandError(f"No cycle with code {options['cycle']!r}.")
        output = Path(str(options["output"]))
        if not output.parent.exists():
            raise CommandError(f"The folder {output.parent} does not exist.")
        assessment = services.assessment_get_or_create(country=country, cycle=cycle)
        data = offline.build_workbook(assessment, user=None, lang=str(options["lang"]))
        output.write_bytes(data)
        self.stdout.write(f"Wrote {output} ({len(data) // 1024} KB).")
