"""``manage.py send_reminders [--date YYYY-MM-DD]``: e-mails the reminders due today, once each.

Run daily (deploy/mrn-assess-reminders.timer). Focal points of assessments not yet submitted are
reminded at each cycle's offsets before the deadline (default 30, 7 and 1 days) and once after it.
The last line says how many reminders were sent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capabilities.cycles import reminders_send


class Command(BaseCommand):
    help = "Sends the deadline reminders due today; never the same reminder twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", help="act as if today were this date (YYYY-MM-DD); default: today"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: {options['date']!r} is not YYYY-MM-DD.") from exc
        sent = reminders_send(today=today)
        self.stdout.write(f"Sent {sent} reminders.")
