"""URLs of the reports app: analysis pages (matrix, profiles, comparisons) and downloads."""

from . import analysis_urls, download_urls

app_name = "reports"

urlpatterns = [*analysis_urls.urlpatterns, *download_urls.urlpatterns]
