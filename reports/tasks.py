"""Background tasks (Django's task framework; ``django_tasks_db`` worker: ``manage.py db_worker``).

``build_bulk_export`` prints every country report of a cycle that the requesting analyst may read
into one ZIP under MEDIA_ROOT, counting ``done`` of ``total`` on its ``BulkExport`` row as it goes.
"""

from __future__ import annotations

import tempfile
import zipfile

from django.contrib.auth.models import User
from django.core.files import File
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from capabilities.models import Assessment, Cycle
from capabilities.permissions import require_analyst, visible_assessments

from . import pdf
from .models import BulkExport, BulkExportStatus


def bulk_assessments(export: BulkExport) -> list[Assessment]:
    """The assessments of the export's cycle its requester may read, by country code. 1 query."""
    user = export.requested_by
    if user is None:
        return []
    return list(
        visible_assessments(user)
        .filter(cycle_id=export.cycle_id)
        .select_related("country", "cycle__framework")
        .order_by("country__code")
    )


def request_bulk_export(*, cycle: Cycle, lang: str, user: User) -> BulkExport:
    """Records a bulk export for an analyst or administrator and queues the task."""
    require_analyst(user)  # analysts and administrators
    export = BulkExport.objects.create(cycle=cycle, lang=lang, requested_by=user)
    result = build_bulk_export.enqueue(export.pk)
    BulkExport.objects.filter(pk=export.pk).update(task_id=str(result.id)[:64])
    export.refresh_from_db()
    return export


@task
def build_bulk_export(export_id: int) -> int:
    """Builds the ZIP of a BulkExport; returns the number of reports written."""
    export = BulkExport.objects.select_related("cycle__framework", "requested_by").get(pk=export_id)
    try:
        assessments = bulk_assessments(export)
        visible = (
            visible_assessments(export.requested_by)
            if export.requested_by
            else Assessment.objects.none()
        )
        BulkExport.objects.filter(pk=export.pk).update(
            status=BulkExportStatus.RUNNING, total=len(assessments), done=0, error=""
        )
        with tempfile.TemporaryFile() as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
                for assessment in assessments:
                    data = pdf.country_report_pdf(assessment, lang=export.lang, assessments=visible)
                    archive.writestr(pdf.country_report_filename(assessment, export.lang), data)
                    BulkExport.objects.filter(pk=export.pk).update(done=F("done") + 1)
            handle.seek(0)
            export.refresh_from_db()
            name = f"mrn-{export.cycle.code}-country-reports-{export.lang}-{export.pk}.zip"
            export.file.save(name, File(handle), save=False)
        export.status = BulkExportStatus.DONE
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "status", "finished_at"])
        return len(assessments)
    except Exception as exc:
        BulkExport.objects.filter(pk=export.pk).update(
            status=BulkExportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
