from django.core.management.base import BaseCommand, CommandError

from capabilities.demo import DemoRefused, load_demo


class Command(BaseCommand):
    help = "Create the demo logins and a demo cycle with demo countries (DJANGO_DEBUG=true only)."

    def handle(self, *args: object, **options: object) -> None:
        try:
            logins = load_demo()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Demo logins (password in the second column):")
        for username, password, what in logins:
            self.stdout.write(f"  {username:<12} {password:<6} {what}")
