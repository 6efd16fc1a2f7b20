from django.core.management.base import BaseCommand, CommandError

from capabilities.reference_data import ReferenceDataError, load_all


class Command(BaseCommand):
    help = (
        "Load or update the MNR framework (domains, capabilities, questions in English and French), "
        "the countries and the reference cycles from fixtures/. Safe to run again: it changes "
        "only what differs."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            report = load_all()
        except ReferenceDataError as exc:
            raise CommandError(f"Reference data not loaded (nothing was changed): {exc}") from exc
        self.stdout.write(report.summary())
