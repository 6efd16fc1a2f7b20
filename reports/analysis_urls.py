"""Matrix, country profile, heat map, comparison, trend, methodology, import (scoring issue)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/download.<str:fmt>", views.matrix_download, name="matrix_download"),
    path("countries/<str:code>/profile/", views.country_profile, name="country_profile"),
    path("analysis/heatmap/", views.heatmap, name="heatmap"),
    path("analysis/heatmap/download.<str:fmt>", views.heatmap_download, name="heatmap_download"),
    path("analysis/compare/", views.compare, name="compare"),
    path("analysis/compare/download.<str:fmt>", views.compare_download, name="compare_download"),
    path("analysis/trend/", views.trend, name="trend"),
    path("analysis/trend/download.<str:fmt>", views.trend_download, name="trend_download"),
    path("methodology/", views.methodology, name="methodology"),
    path("import/", views.import_upload, name="import_upload"),
]
