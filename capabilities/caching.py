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
is seen at the next request. Bulk updates that bypass ``save()`` must call ``bump_generation``.

The generation lives in the cache itself: with the default local-memory cache each process has
its own, so with several gunicorn workers an edit made through one worker reaches the others when
their entries expire (MRN_CACHE_SECONDS, 10 minutes by default). Answers and status changes are
never affected (cycle aggregates are keyed by the cycle's latest change, read from the database).
Set MRN_CACHE_URL (database or Redis) to share one cache, and so one generation, between workers.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

GENERATION_KEY = "generation"


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

    for model in (
        FrameworkVersion, Domain, Capability, CapabilityPhase, Question, AnswerOption,
        MaturityPhase, Cycle, Participation, Country,
    ):  # fmt: skip
        name = model.__name__
        post_save.connect(bump_generation, sender=model, dispatch_uid=f"generation-save-{name}")
        post_delete.connect(bump_generation, sender=model, dispatch_uid=f"generation-del-{name}")
