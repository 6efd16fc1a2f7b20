"""Limits on abuse that work across several app servers (the database keeps the counts).

- ``client_ip(request)``: the client's address behind ``MRN_TRUSTED_PROXY_COUNT`` trusted proxies
  (django-axes uses it too, through ``AXES_CLIENT_IP_CALLABLE``).
- ``allow(key, limit=, window=)``: whether one more use of ``key`` fits ``limit`` uses per
  ``window`` seconds; records the use when it does.
- ``slot(key, limit=, timeout=)``: a context manager holding one of ``limit`` concurrent slots
  (heavy work such as a PDF); raises ``Busy`` when all are taken. A slot left by a crashed
  process frees itself after ``timeout`` seconds.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from .models import UsageEvent


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind ``n = MRN_TRUSTED_PROXY_COUNT`` proxies the n-th address from the
    right of X-Forwarded-For: each trusted proxy appends the address it was reached from
    (nginx's ``$proxy_add_x_forwarded_for``), so addresses further left are whatever the client
    sent and are never trusted."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.MRN_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def allow(key: str, *, limit: int, window: int) -> bool:
    """Records one use of ``key`` and returns True, or returns False when ``limit`` uses
    already happened in the last ``window`` seconds. Two queries and an insert."""
    now = timezone.now()
    UsageEvent.objects.filter(key=key, expires_at__lte=now).delete()
    if UsageEvent.objects.filter(key=key).count() >= limit:
        return False
    UsageEvent.objects.create(key=key, created_at=now, expires_at=now + timedelta(seconds=window))
    return True


class Busy(Exception):
    """All slots for this key are taken: the person already runs as much heavy work as allowed."""


@contextmanager
def slot(key: str, *, limit: int, timeout: int) -> Iterator[None]:
    """Holds one of ``limit`` slots of ``key`` while the block runs (Busy when none is free)."""
    now = timezone.now()
    UsageEvent.objects.filter(key=key, expires_at__lte=now).delete()
    if UsageEvent.objects.filter(key=key).count() >= limit:
        raise Busy(key)
    event = UsageEvent.objects.create(
        key=key, created_at=now, expires_at=now + timedelta(seconds=timeout)
    )
    try:
        yield
    finally:
        UsageEvent.objects.filter(pk=event.pk).delete()
