"""Background work of the reports app: bulk exports of every country report of a cycle."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from capabilities.models import Cycle
from capabilities.permissions import sees_every_bulk_export


class BulkExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class BulkExportQuerySet(models.QuerySet["BulkExport"]):
    def for_user(self, user: object) -> BulkExportQuerySet:
        """The exports ``user`` asked for (administrators see all). No query until evaluated."""
        if sees_every_bulk_export(user):  # type: ignore[arg-type]
            return self
        return self.filter(requested_by=user)


class BulkExport(models.Model):
    """All country reports of a cycle in one ZIP, built by ``reports.tasks.build_bulk_export``.

    ``done`` of ``total`` reports are built so far; ``file`` is set once ``status`` is done.
    """

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="+", verbose_name=_("cycle")
    )
    lang = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BulkExportStatus.choices,
        default=BulkExportStatus.QUEUED,
    )
    done = models.PositiveIntegerField(_("reports built"), default=0)
    total = models.PositiveIntegerField(_("reports to build"), default=0)
    file = models.FileField(_("file"), upload_to="bulk_exports/", blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = BulkExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bulk export")
        verbose_name_plural = _("bulk exports")
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")),
                name="reports_bulkexport_done_not_above_total",
            ),
        ]

    def __str__(self) -> str:
        return f"bulk export #{self.pk} ({self.lang})"

    @property
    def is_finished(self) -> bool:
        return self.status in (BulkExportStatus.DONE, BulkExportStatus.FAILED)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
