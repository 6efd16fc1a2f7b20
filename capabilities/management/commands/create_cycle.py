"""``manage.py create_cycle CODE --name "…" [--name-fr "…"] --framework CODE --deadline YYYY-MM-DD
--participants FILE [--dry-run]``: opens a cycle for every participant in one step.

Participations, one assessment per country, focal point accounts (created or reused) and invitation
e-mails. All or nothing; idempotent: a second run creates nothing and sends nothing. The last line
says how many assessments were opened and how many invitations were sent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capabilities.cycles import cycle_open, cycle_plan
from capabilities.management.files import read_input_file


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--deadline: {value!r} is not a date as YYYY-MM-DD.") from exc


def _days(value: str | None) -> list[int] | None:
    if not value:
        return None
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(
            f"--reminder-days: {value!r} is not a list of days like 30,7,1."
        ) from exc


class Command(BaseCommand):
    help = (
        "Opens an assessment cycle for every participant of a CSV/XLSX file (columns: country, "
        "income_group, region, focal_point_email, focal_point_name, optional language and "
        "survey) and invites the focal points by e-mail. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="cycle code, e.g. review-2027")
        parser.add_argument("--name", required=True, help="cycle name in English")
        parser.add_argument("--name-fr", default="", help="cycle name in French (default: --name)")
        parser.add_argument("--framework", required=True, help="framework version code")
        parser.add_argument("--deadline", required=True, help="deadline, YYYY-MM-DD")
        parser.add_argument("--participants", required=True, help="participants CSV or XLSX")
        parser.add_argument(
            "--reminder-days",
            help="days before the deadline to remind focal points, e.g. 30,7,1 (the default)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would happen; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path, data = read_input_file(options["participants"])
        plan = cycle_plan(
            code=options["code"],
            name_en=options["name"],
            name_fr=options["name_fr"],
            framework_code=options["framework"],
            deadline=_date(options["deadline"]),
            data=data,
            file_name=path.name,
            reminder_days=_days(options.get("reminder_days")),
        )
        if not plan.ok:
            raise CommandError(
                "Nothing was written. Correct the file and run again:\n"
                + "\n".join(f"- {p}" for p in plan.problems)
            )
        for row in plan.rows:
            account = "reused" if row.user is not None else "new account"
            invite = ", invitation" if row.invite else ""
            self.stdout.write(f"{row.country.code}: {row.email} ({account}{invite})")
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run, nothing written: {plan.new_assessments} assessments would be opened, "
                f"{plan.invitations} invitations sent."
            )
            return
        result = cycle_open(plan=plan, user=None)
        self.stdout.write(
            f"{result.participations} participants; {result.accounts_created} focal point "
            f"accounts created, {result.accounts_reused} reused."
        )
        self.stdout.write(
            f"Opened {result.assessments_opened} assessments; "
            f"sent {result.invitations_sent} invitations."
        )
