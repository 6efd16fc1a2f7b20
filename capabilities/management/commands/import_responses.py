"""``manage.py import_responses FILE --cycle CODE [--framework CODE] [--create-participants]
[--dry-run] [--illustrative]``: imports a wide CSV/XLSX survey file, all or nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capabilities.importer import ImportRefused, import_responses
from capabilities.management.files import read_input_file


class Command(BaseCommand):
    help = (
        "Imports survey responses (one row per respondent, one column per question code) into a "
        "cycle, all or nothing. Every problem is listed with its row and column."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or XLSX file in the wide format")
        parser.add_argument("--cycle", required=True, help="cycle code (created if missing)")
        parser.add_argument(
            "--framework", help="framework version code for a new cycle (default: the latest)"
        )
        parser.add_argument(
            "--create-participants",
            action="store_true",
            help="create unknown respondents as anonymised participants",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )
        parser.add_argument(
            "--illustrative",
            action="store_true",
            help="mark a newly created cycle as illustrative (demo or reconstructed data)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path, data = read_input_file(options["file"])
        try:
            report = import_responses(
                data=data,
                file_name=path.name,
                cycle_code=options["cycle"],
                framework_code=options.get("framework"),
                create_participants=options["create_participants"],
                dry_run=options["dry_run"],
                illustrative=options["illustrative"],
            )
        except ImportRefused as exc:
            raise CommandError("\n".join(exc.report.lines())) from exc
        for line in report.lines():
            self.stdout.write(line)
