"""PDF reports, bulk ZIP and CSV/XLSX exports (reports issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
