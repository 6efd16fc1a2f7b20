"""What the cache may keep, and when it is forgotten.

Two kinds of data are cached (Django's cache: local memory by default, MRN_CACHE_URL for the
database or Redis):

- the framework's questions of a domain with their options and phases (``questionnaire.questions_of``),
  which depend only on the framework version: read by every domain, check and review page;
- cycle aggregates (``reports/cohorts.py``), keyed by the cycle's stamp;
- the rendered body of the matrix page and of country profiles (``reports/page_cache.py``),
  keyed by the cycle's stamp and everything else the body shows.

Every key holds a *generation* number. Saving or deleting any framework row (framework, domain,
capability, its phases, question, option, generic phase), a cycle, a participation or a country
bumps it
(signals connected in CapabilitiesConfig.ready), so an edit in the admin or a reloaded framework
is seen at the next request. Bulk updates that bypass ``save()`` must call ``bump_generation``
(``bump_framework_generation`` for framework rows).

The generation lives in the cache itself: with the default local-memory cache each process has
its own, so with several gunicorn workers an edit made through one worker reaches the others when
their entries expire (MRN_CACHE_SECONDS, 10 minutes by default). Answers and status changes are
never affected (cycle aggregates are keyed by the cycle's latest change, read from the database).
Set MRN_CACHE_URL (database or Redis) to share one cache, and so one generation, between workers.
A second number, the *framework generation*, is bumped by the framework rows only (not by cycles
or participations).

``local(key, build)`` keeps what is built from the framework (the questionnaire's pre-rendered
questions, domains, phases: capabilities/question_html.py) in the process itself, without the
pickling of the cache, under the same generation plus a token that changes when the cache is
emptied (so a generation number counted again from zero never finds an old entry).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

GENERATION_KEY = "generation"
FRAMEWORK_KEY = "framework-generation"  # bumped by framework rows only (what ``local`` keeps)
TOKEN_KEY = "generation-token"
LOCAL_MAX = 512  # entries kept in the process (a few per framework version and language)

_local: dict[tuple[str, int, str], Any] = {}
_local_lock = threading.Lock()


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 0, timeout=None)
        value = cache.get(GENERATION_KEY, 0)
    return int(value)


def bump_generation(**_kwargs: Any) -> None:
    """Forgets everything cached (every key holds the generation)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)


def bump_framework_generation(**_kwargs: Any) -> None:
    """A framework row changed: forgets everything cached, and what ``local`` keeps."""
    bump_generation()
    try:
        cache.incr(FRAMEWORK_KEY)
    except ValueError:
        cache.set(FRAMEWORK_KEY, 1, timeout=None)


def stamp() -> tuple[str, int]:
    """(token, framework generation): what a process-local entry is valid for. One cache read
    (cycles and participations do not count: the questionnaire does not depend on them)."""
    found = cache.get_many([TOKEN_KEY, FRAMEWORK_KEY])
    token = found.get(TOKEN_KEY)
    if token is None:
        cache.add(TOKEN_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(TOKEN_KEY, "")
    value = found.get(FRAMEWORK_KEY)
    if value is None:
        cache.add(FRAMEWORK_KEY, 0, timeout=None)
        value = cache.get(FRAMEWORK_KEY, 0)
    return str(token), int(value)


def local[T](key: str, build: Callable[[], T], at: tuple[str, int] | None = None) -> T:
    """``build()`` once per process for this key, framework generation and cache token. The
    value is shared by every request of the process: it must never be changed by its users."""
    token, gen = at or stamp()
    full = (token, gen, key)
    try:
        return _local[full]
    except KeyError:
        pass
    value = build()
    with _local_lock:
        if len(_local) >= LOCAL_MAX:
            _local.clear()
        _local[full] = value
    return value


def connect_signals() -> None:
    from .models import (
        AnswerOption,
        Capability,
        CapabilityPhase,
        Country,
        Cycle,
        Domain,
        FrameworkVersion,
        MaturityPhase,
        Participation,
        Question,
    )

    framework = (
        FrameworkVersion, Domain, Capability, CapabilityPhase, Question, AnswerOption,
        MaturityPhase,
    )  # fmt: skip
    for model in (*framework, Cycle, Participation, Country):
        name = model.__name__
        bump = bump_framework_generation if model in framework else bump_generation
        post_save.connect(bump, sender=model, dispatch_uid=f"generation-save-{name}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"generation-del-{name}")
