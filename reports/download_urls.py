"""PDF reports, bulk ZIP and CSV/XLSX exports (reports issue). Included under the "reports"
namespace by reports/urls.py."""

from django.urls import URLPattern, path

from . import download_views as views

urlpatterns: list[URLPattern] = [
    path("downloads/<slug:cycle_code>/", views.downloads, name="downloads"),
    path("downloads/<slug:cycle_code>/matrix.pdf", views.matrix_report, name="matrix_report"),
    path("downloads/<slug:cycle_code>/matrix.<str:fmt>", views.matrix_export, name="matrix_export"),
    path(
        "downloads/<slug:cycle_code>/answers-<str:layout>.<str:fmt>",
        views.cycle_answers,
        name="cycle_answers",
    ),
    path(
        "downloads/<slug:cycle_code>/countries/<str:country_code>/report.pdf",
        views.country_report,
        name="country_report",
    ),
    path(
        "downloads/<slug:cycle_code>/countries/<str:country_code>/answers-<str:layout>.<str:fmt>",
        views.country_answers,
        name="country_answers",
    ),
    path(
        "downloads/<slug:cycle_code>/countries/<str:country_code>/action-plan.<str:fmt>",
        views.country_action_plan,
        name="country_action_plan",
    ),
    path("downloads/<slug:cycle_code>/bulk/", views.bulk_exports, name="bulk_exports"),
    path(
        "downloads/bulk/<int:pk>/status.json", views.bulk_export_status, name="bulk_export_status"
    ),
    path(
        "downloads/bulk/<int:pk>/download.zip",
        views.bulk_export_download,
        name="bulk_export_download",
    ),
]
