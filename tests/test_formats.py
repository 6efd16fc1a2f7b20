"""Dates and numbers in the reader's language, on the web and in print (issue 13): French
abbreviates months in lower case with a full stop ("3 déc. 2026") and writes "2,7"."""

from datetime import date, datetime
from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from capabilities.scoring import DomainMaturity
from reports.charts import radar_spec


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_short_dates_follow_the_language():
    day, moment = date(2026, 12, 3), datetime(2026, 12, 3, 14, 5)
    with translation.override("fr"):
        assert _render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=day) == "3 déc. 2026"
        assert _render('{{ d|date:"SHORT_DATETIME_FORMAT" }}', d=moment) == "3 déc. 2026, 14:05"
    with translation.override("en"):
        assert _render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=day) == "3 Dec 2026"


def test_radar_means_use_the_decimal_comma_in_french():
    domains = [DomainMaturity("D1", "Policy", "Politique", Decimal("2.7"), 3)]
    with translation.override("fr"):
        assert "2,7" in radar_spec([("A", domains)]).series[0].texts[0]
    with translation.override("en"):
        assert "2.7" in radar_spec([("A", domains)]).series[0].texts[0]


def test_percentages_follow_the_reader_language():
    from reports import charts

    template = Template("{% load report_format %}{{ value|percent }}|{{ none|percent }}")
    with translation.override("en"):
        assert charts.percent(71) == "71%"
        assert template.render(Context({"value": 71, "none": None})) == "71%|–"
    with translation.override("fr"):
        assert charts.percent(71) == "71\u00a0%"  # a no-break space before the sign
        assert template.render(Context({"value": 71, "none": None})) == "71\u00a0%|–"
