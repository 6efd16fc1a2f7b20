"""``manage.py questionnaire_import FILE --user USERNAME [--dry-run]``: applies a filled offline
questionnaire with the same rules as the upload page: the user's access and domains, conflicts
keep the online answer, all or nothing, one history row per change (source "offline_file")."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from capabilities import offline, permissions, services
from capabilities.management.files import read_input_file


class Command(BaseCommand):
    help = "Previews, then applies, a filled offline questionnaire as the given user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The filled .xlsx file.")
        parser.add_argument("--user", required=True, help="Username of the person it is from.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; write nothing."
        )

    def handle(self, *args: object, **options: object) -> None:
        translation.activate("en")
        _path, data = read_input_file(options["file"])
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user {options['user']!r}.")
        try:
            # The assessment the file names; then the user's access decides.
            probe = offline.read_workbook(data, questions={})
            assessment = (
                permissions.visible_assessments(user)
                .select_related("country", "cycle__framework")
                .filter(pk=probe.assessment_id)
                .first()
            )
            if assessment is None:
                raise CommandError(f"{user.get_username()} may not read this file's assessment.")
            if not (
                permissions.can_use_offline_questionnaire(user, assessment)
                and permissions.can_edit_assessment(user, assessment)
            ):
                raise CommandError(
                    f"{user.get_username()} may not change {assessment} now "
                    f"(status: {assessment.get_status_display()})."
                )
            parsed = offline.read_workbook(data, questions=offline.questions_by_code(assessment))
            preview = offline.build_preview(assessment, user=user, parsed=parsed)
        except offline.OfflineFileError as exc:
            raise CommandError(str(exc)) from exc
        self._report(preview)
        if preview.invalid:
            raise CommandError("The file has cells that cannot be read; nothing was changed.")
        if options["dry_run"] or not preview.changes:
            self.stdout.write("Nothing was written." if options["dry_run"] else "Nothing to do.")
            return
        try:
            results = services.answers_save_offline(
                assessment=assessment, user=user, entries=preview.entries(set())
            )
        except services.StaleEntries as exc:
            raise CommandError(
                "Answers changed while importing; nothing was changed. Run the command again."
            ) from exc
        except services.WorkflowError as exc:
            raise CommandError(str(exc)) from exc
        saved = sum(1 for r in results if r.changed)
        self.stdout.write(f"Saved {saved} answers of {assessment}.")

    def _report(self, preview: offline.Preview) -> None:
        for cell in preview.invalid:
            self.stdout.write(
                f"INVALID sheet {cell.sheet!r} row {cell.row} column {cell.column}: {cell.reason}"
            )
        for domain in preview.domains:
            for change in domain.changes:
                self.stdout.write(
                    f"{change.kind.upper()} {change.question.code}: "
                    f"{change.old or '-'} -> {change.new}"
                )
            for conflict in domain.conflicts:
                self.stdout.write(
                    f"CONFLICT {conflict.question.code} (kept online): changed online by "
                    f"{conflict.who} at {conflict.when:%Y-%m-%d %H:%M}; online {conflict.online}; "
                    f"file {conflict.file}"
                )
            for cell in domain.refused:
                self.stdout.write(f"REFUSED {cell.code} row {cell.row}: {cell.reason}")
        self.stdout.write(
            f"{len(preview.changes)} changes, {len(preview.conflicts)} conflicts (online kept), "
            f"{len(preview.refused)} refused, {len(preview.invalid)} invalid cells."
        )
