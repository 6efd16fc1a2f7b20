from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapabilitiesConfig(AppConfig):
    name = "capabilities"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from .caching import connect_signals

        connect_signals()
