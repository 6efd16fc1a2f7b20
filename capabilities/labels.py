"""Labels in the reader's language, written once: the language rule and the report labels.

The language rule (no Django needed, so ``capabilities.scoring`` uses it without Django
configured):

- ``language(code)``: the site language a code stands for: "fr" for French in any region or
  spelling ("fr", "fr-CA", "fr_BE", "FR"), "en" for everything else (English, an unknown language,
  none at all).
- ``pick(en, fr, lang)``: the French text when the language is French and the French text is not
  empty; otherwise the English text. English is the framework's reference text and always present.
- ``tr(obj, field, lang)``: ``pick`` on ``obj.<field>_en`` and ``obj.<field>_fr`` (models'
  ``Bilingual.tr`` and the dataclasses of ``capabilities.scoring`` delegate to it).
- ``active_language()``: ``language`` of the language active in this request or thread.

The report labels (translated with gettext in the active language): ``status_label`` (a
capability's headline answer as a status: in place, not in place...), ``answer_label`` (a yes/no
question's answer), ``by_label`` (a breakdown), ``group_label`` (an income group, region or
survey). Django is imported inside these functions only, so that importing this module never
loads Django.
"""

from __future__ import annotations

DEFAULT_LANGUAGE = "en"
FRENCH = "fr"


def language(code: str | None) -> str:
    """ "fr" for any French code (fr, fr-CA, fr_BE, FR), else "en" (English, unknown, None)."""
    base = (code or "").replace("_", "-").split("-")[0].lower()
    return FRENCH if base == FRENCH else DEFAULT_LANGUAGE


def active_language() -> str:
    """``language`` of the active language (Django's translation machinery)."""
    from django.utils.translation import get_language

    return language(get_language())


def pick(en: str, fr: str, lang: str | None = None) -> str:
    """The French text when ``lang`` (default: the active language) is French and the French text
    is not empty; otherwise the English text."""
    chosen = active_language() if lang is None else language(lang)
    return (fr if chosen == FRENCH else "") or en


def tr(obj: object, field: str, lang: str | None = None) -> str:
    """``pick`` on ``obj.<field>_en`` and ``obj.<field>_fr`` (missing attributes count as "")."""
    return pick(getattr(obj, f"{field}_en", "") or "", getattr(obj, f"{field}_fr", "") or "", lang)


# ---------------------------------------------------------------------------------------------
# Report labels, in the active language


def _(message: str) -> str:
    """gettext, imported when a label is asked for (makemessages reads the ``_()`` literals)."""
    from django.utils.translation import gettext

    return gettext(message)


def status_label(value: str | None) -> str:
    """A capability's headline answer as a status: yes → "In place", no → "Not in place",
    dont_know → "Don't know", "" → "No answer"; None (no assessment) → "Not assessed"."""
    if value is None:
        return _("Not assessed")
    return {
        "yes": _("In place"),
        "no": _("Not in place"),
        "dont_know": _("Don't know"),
        "": _("No answer"),
    }.get(value, value)


def answer_label(value: str) -> str:
    """A yes/no question's answer as a person reads it: "Yes", "No", "Don't know" (the labels
    of ``models.YesNo``); any other value as it is."""
    return {"yes": _("Yes"), "no": _("No"), "dont_know": _("Don't know")}.get(value, value)


def by_label(by: str) -> str:
    """A breakdown: "" → "All countries", income_group, region, survey."""
    return {
        "": _("All countries"),
        "income_group": _("Income group"),
        "region": _("Region"),
        "survey": _("Survey"),
    }.get(by, by)


def group_label(by: str, code: str) -> str:
    """A group's name for people (income groups and regions translated, surveys as coded)."""
    from .models import IncomeGroup, Region

    if code == "":
        return _("All countries")
    if by == "income_group" and code in IncomeGroup.values:
        return str(IncomeGroup(code).label)
    if by == "region" and code in Region.values:
        return str(Region(code).label)
    if by == "survey":
        return {"government": _("Government survey"), "unicef": _("UNICEF survey")}.get(code, code)
    return code
