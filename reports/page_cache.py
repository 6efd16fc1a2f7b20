"""The rendered body of the matrix page and of a country profile, kept in Django's cache.

Profiling under load (docs/benchmarks.md) showed these pages spent most of their time rendering
what is the same for every visitor with the same rights: the chart's JSON, the data table, the
filters. The view reads, in a fixed small number of queries, everything the body depends on and
puts it in the key; the body is rendered once per key and the page around it (navigation, user
menu, messages) at every request.

What goes into a key decides who may be served a cached body, so each view passes every input of
its body: the cycle's stamp (``reports.cohorts``: any change of an assessment or participation of
the cycle), the disclosure threshold of the user's role (``permissions.aggregate_min_cell``), the
rights that change what the body shows (e.g. whether the user may read the country's answers),
the language, and the request's filters. The key is a digest of those parts plus the cache
generation (``capabilities.caching``: framework, cycles, participations and countries edited).
Nothing user-specific (name, CSRF token, messages) may be rendered inside a cached body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from capabilities.caching import generation


def key_for(page: str, parts: tuple[object, ...]) -> str:
    """The cache key of a page body: the page, the generation, the language and a digest of
    ``parts`` (their ``repr``, so give plain values: str, int, None, tuples of those)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"body:{page}:{generation()}:{get_language() or ''}:{digest}"


def body[T](
    page: str, parts: tuple[object, ...], render: Callable[[], tuple[str, T]]
) -> tuple[SafeString, T]:
    """The cached ``(html, extra)`` of a page body; ``render`` makes it when it is not cached.
    ``extra`` is what the page around the body needs from it (e.g. whether it holds a chart)."""
    key = key_for(page, parts)
    found = cache.get(key)
    if found is None:
        found = render()
        cache.set(key, found)
    html, extra = found
    return mark_safe(html), extra  # noqa: S308 - rendered by our templates, autoescaped
