"""``manage.py load_framework FILE [--dry-run]``: loads a framework version from a JSON or XLSX
file in the documented format (docs/framework-format.md), all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capabilities.framework_file import FrameworkFileRefused, load, read, to_xlsx
from capabilities.management.files import read_input_file


class Command(BaseCommand):
    help = (
        "Loads a framework version (domains, capabilities, questions, options, phases, rules; "
        "English and French) from a .json or .xlsx file. Every problem is listed with its place; "
        "nothing is written unless the whole file is valid. A version used by a cycle with "
        "answers cannot be changed: give the new version a new code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=".json or .xlsx framework file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check and report what would change; write nothing",
        )
        parser.add_argument(
            "--xlsx-out",
            metavar="OUT.xlsx",
            help="only write the file's XLSX form to OUT.xlsx (to start a new version); load nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path, data = read_input_file(options["file"])
        if options.get("xlsx_out"):
            try:
                structure = read(data, path.name)
            except FrameworkFileRefused as exc:
                raise CommandError("\n".join(exc.problems)) from exc
            Path(options["xlsx_out"]).write_bytes(to_xlsx(structure.data))
            self.stdout.write(f"Wrote {options['xlsx_out']}.")
            return
        try:
            result = load(data, path.name, dry_run=options["dry_run"])
        except FrameworkFileRefused as exc:
            raise CommandError(
                "The file was refused; nothing was written:\n"
                + "\n".join(f"- {p}" for p in exc.problems)
            ) from exc
        for line in result.lines():
            self.stdout.write(str(line))
