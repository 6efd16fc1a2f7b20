"""Matrix, country profile, heat map, comparison, trend, methodology, import (scoring issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
