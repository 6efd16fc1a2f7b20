from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapabilitiesConfig(AppConfig):
    name = "capabilities"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .caching import connect_signals
        from .middleware import session_refreshed

        connect_signals()
        user_logged_in.connect(session_refreshed, dispatch_uid="mrn-session-refreshed")
