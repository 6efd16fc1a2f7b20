"""Bulk export of every country report of a cycle in the background (django.tasks)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reports.models import BulkExport, BulkExportStatus
from reports.tasks import request_bulk_export

from ._report_data import fill

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def both_filled(assessment_a, assessment_b, questions, focal_a, focal_b):
    fill(assessment_a, questions, focal_a, seed="a")
    fill(assessment_b, questions, focal_b, seed="b")


def test_bulk_task_builds_a_zip_with_one_pdf_per_country(
    immediate_tasks, both_filled, analyst, cycle
):
    export = request_bulk_export(cycle=cycle, lang="fr", user=analyst)
    export.refresh_from_db()
    assert export.status == BulkExportStatus.DONE, export.error
    assert export.done == export.total == 2
    assert export.finished_at is not None
    with export.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        names = sorted(archive.namelist())
        assert names == ["mrn-test-2025-GHA-fr.pdf", "mrn-test-2025-SRB-fr.pdf"]
        first = PdfReader(io.BytesIO(archive.read(names[0]))).pages[0].extract_text()
    assert "Ghana" in first


def test_bulk_export_leaves_out_drafts_the_analyst_may_not_read(
    immediate_tasks, assessment_a, assessment_b, questions, focal_a, focal_b, analyst, cycle
):
    fill(assessment_a, questions, focal_a, seed="a")
    fill(assessment_b, questions, focal_b, seed="b", submit=False)
    export = request_bulk_export(cycle=cycle, lang="en", user=analyst)
    export.refresh_from_db()
    assert (export.done, export.total) == (1, 1)


def test_analyst_page_shows_progress_and_offers_the_zip(
    client, immediate_tasks, both_filled, analyst, cycle
):
    client.force_login(analyst)
    url = reverse("reports:bulk_exports", args=[cycle.code])
    response = client.post(url, {"lang": "en"})
    assert response.status_code == 302
    export = BulkExport.objects.get()
    page = client.get(url).content.decode()
    assert "2 of 2 reports" in page
    download = reverse("reports:bulk_export_download", args=[export.pk])
    assert download in page
    assert "js/bulk_progress.js" in page
    status = client.get(reverse("reports:bulk_export_status", args=[export.pk])).json()
    assert status["done"] == status["total"] == 2
    assert status["finished"] is True
    assert status["download_url"] == download
    zipped = client.get(download)
    assert zipped.status_code == 200
    assert zipped["Content-Type"] == "application/zip"


def test_only_analysts_may_ask_for_bulk_exports(client, immediate_tasks, focal_a, cycle):
    client.force_login(focal_a)
    url = reverse("reports:bulk_exports", args=[cycle.code])
    assert client.post(url, {"lang": "en"}).status_code == 403
    assert client.get(url).status_code == 403
    assert not BulkExport.objects.exists()


def test_an_analyst_cannot_follow_or_download_another_analysts_export(
    client, immediate_tasks, both_filled, analyst, make_user, cycle
):
    export = request_bulk_export(cycle=cycle, lang="en", user=analyst)
    other = make_user("analyst2", "analyst")
    client.force_login(other)
    assert client.get(reverse("reports:bulk_export_status", args=[export.pk])).status_code == 404
    assert client.get(reverse("reports:bulk_export_download", args=[export.pk])).status_code == 404


def test_queued_export_waits_for_the_database_worker(both_filled, analyst, cycle, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    export = request_bulk_export(cycle=cycle, lang="en", user=analyst)
    assert export.status == BulkExportStatus.QUEUED
    assert export.task_id
    assert (export.done, export.total) == (0, 0)
