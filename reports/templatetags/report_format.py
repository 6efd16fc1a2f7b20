"""Template filters for figures in the reader's language."""

from __future__ import annotations

from django import template

from reports.charts import percent as percent_text

register = template.Library()


@register.filter
def percent(value: int | None) -> str:
    """{{ row.yes_pct|percent }}: "71%" in English, "71 %" in French; "–" for None."""
    return "–" if value is None else percent_text(value)
