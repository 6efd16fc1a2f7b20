"""The parts of every page's header that depend only on the language and the person's role:
the navigation links and the language switch's options. Rendered once per process and key
(URL reversals and translations were a fifth of a signed-in page with no data: the methodology
page, benchmarks/profile_pages.py) and kept in the process. What differs per request (the CSRF
token, the page's own path, the person's name) stays in templates/base.html."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def site_nav(context: template.Context) -> SafeString:
    """The navigation links (templates/_nav_items.html and reports/_nav_items.html) for the
    person's role flags and country (capabilities.context_processors.roles)."""
    user = context.get("user")
    country = context.get("user_country")
    return mark_safe(  # noqa: S308  (rendered by the templates, which escape)
        _nav(
            get_language(),
            get_script_prefix(),
            bool(user is not None and user.is_authenticated),
            str(context.get("user_role") or ""),
            bool(context.get("is_analyst")),
            bool(context.get("is_admin")),
            getattr(country, "code", None),
        )
    )


@lru_cache(maxsize=1024)
def _nav(
    lang: str,
    prefix: str,
    authenticated: bool,
    role: str,
    is_analyst: bool,
    is_admin: bool,
    country_code: str | None,
) -> str:
    del lang, prefix  # part of the key: reverse() and the translations use them (active now)
    values: dict[str, Any] = {
        "user": SimpleNamespace(is_authenticated=authenticated),
        "user_role": role,
        "is_analyst": is_analyst,
        "is_admin": is_admin,
        "user_country": SimpleNamespace(code=country_code) if country_code else None,
    }
    return render_to_string("_nav_items.html", values) + render_to_string(
        "reports/_nav_items.html", values
    )


@register.simple_tag
def language_options() -> SafeString:
    """The language switch's options, the current language selected."""
    return mark_safe(_language_options(get_language()))  # noqa: S308  (escaped by the template)


@lru_cache(maxsize=16)
def _language_options(lang: str) -> str:
    return render_to_string(
        "_language_options.html", {"LANGUAGES": settings.LANGUAGES, "LANGUAGE_CODE": lang}
    )
