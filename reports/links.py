"""The links of a page's "Download" menu (templates/reports/_download_menu.html): downloads
where the data is shown. Used by the analysis pages and the assessment page; which links a user
gets is decided by the callers through capabilities.permissions."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from capabilities.labels import active_language
from capabilities.models import Country, Cycle


@dataclass(frozen=True)
class DownloadLink:
    """One entry of a page's "Download" menu (templates/reports/_download_menu.html)."""

    label: str
    url: str
    hreflang: str = ""


def table_links(name: str, query: str) -> list[DownloadLink]:
    """CSV and Excel of exactly the table under a chart (same query string, same filters)."""
    suffix = f"?{query}" if query else ""
    return [
        DownloadLink(_("This table (CSV)"), reverse(name, args=["csv"]) + suffix),
        DownloadLink(_("This table (Excel)"), reverse(name, args=["xlsx"]) + suffix),
    ]


def cycle_links(cycle: Cycle) -> list[DownloadLink]:
    """The matrix report of a cycle in both languages and the page of all its downloads."""
    pdf_url = reverse("reports:matrix_report", args=[cycle.code])
    return [
        DownloadLink(_("Matrix report (PDF, English)"), f"{pdf_url}?lang=en", "en"),
        DownloadLink(_("Matrix report (PDF, French)"), f"{pdf_url}?lang=fr", "fr"),
        DownloadLink(
            _("All downloads of this cycle"), reverse("reports:downloads", args=[cycle.code])
        ),
    ]


def country_report_links(cycle: Cycle, country: Country) -> list[DownloadLink]:
    """A country's report in both languages and its answers (callers check the user may read
    them: capabilities.permissions.can_read_country_answers)."""
    report = reverse("reports:country_report", args=[cycle.code, country.code])
    answers = "reports:country_answers"
    return [
        DownloadLink(_("Country report (PDF, English)"), f"{report}?lang=en", "en"),
        DownloadLink(_("Country report (PDF, French)"), f"{report}?lang=fr", "fr"),
        DownloadLink(
            _("Answers (CSV)"),
            reverse(answers, args=[cycle.code, country.code, "long", "csv"])
            + f"?lang={active_language()}",
        ),
        DownloadLink(
            _("Answers (Excel)"),
            reverse(answers, args=[cycle.code, country.code, "long", "xlsx"])
            + f"?lang={active_language()}",
        ),
    ]
