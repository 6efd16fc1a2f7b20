"""Sign-in: the authentication backend, password reset and the limits around them.

``ModelBackend`` refuses the demo password when DEBUG is off, whatever the database holds: a
database seeded in development (where ``load_demo`` gives its users the password "demo") cannot
be signed into in production. Real passwords are at least 12 characters, so no real account
shares it.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth import backends, get_user_model
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.tokens import default_token_generator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.utils.decorators import method_decorator
from django.utils.http import base36_to_int

from . import throttle, two_factor


class ModelBackend(backends.ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not settings.DEBUG and password == settings.MRN_DEMO_PASSWORD:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a request with their profile and its country, and whether they
        have a confirmed second-factor device, in one query (every page reads the role, the
        language and the country's links; two_factor.TwoFactorMiddleware reads the devices of
        everyone who has not given a second factor in this session, which were two more queries
        per request for every country user without one)."""
        try:
            user = _signed_in_users().get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _signed_in_users() -> QuerySet[Any]:
    """The query of ``ModelBackend.get_user`` before its ``pk`` filter, built once per process:
    resolving the ``Exists`` annotations cost about 1 ms on every signed-in request. Never
    evaluated itself (``get`` filters a clone), so it holds no rows."""
    return (
        get_user_model()
        ._default_manager.select_related("profile__country")
        .annotate(**two_factor.device_annotations())
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()[:40]


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, also for invited people who never chose a password (their
    invitation link expired): they get a new link instead of nothing."""

    def get_users(self, email: str) -> Iterator[Any]:
        User = get_user_model()
        email_field = User.get_email_field_name()
        candidates = User._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
        return (
            user for user in candidates if _unicode_ci_compare(email, getattr(user, email_field))
        )


def _unicode_ci_compare(first: str, second: str) -> bool:
    return (
        unicodedata.normalize("NFKC", first).casefold()
        == unicodedata.normalize("NFKC", second).casefold()
    )


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Sends reset links, at most MRN_RESET_MAILS_PER_ADDRESS per address and
    MRN_RESET_REQUESTS_PER_IP per client address in an hour. Over the address limit the page
    looks exactly as when a mail was sent (it never tells whether an address has an account)."""

    form_class = PasswordResetForm

    def form_valid(self, form: auth_forms.PasswordResetForm) -> HttpResponse:
        ip = throttle.client_ip(self.request)
        if not throttle.allow(
            f"reset-ip:{ip}", limit=settings.MRN_RESET_REQUESTS_PER_IP, window=3600
        ):
            return too_many_requests(self.request)
        email = form.cleaned_data["email"]
        if not throttle.allow(
            f"reset-mail:{_digest(email)}",
            limit=settings.MRN_RESET_MAILS_PER_ADDRESS,
            window=3600,
        ):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Says whether a refused link expired (and what to do) or was already used."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if not context.get("validlink"):
            user = self.get_user(self.kwargs.get("uidb64", ""))
            context["expired"] = user is not None and _expired(user, self.kwargs.get("token", ""))
            context["invited"] = user is not None and not user.has_usable_password()
        return context


def _expired(user: Any, token: str) -> bool:
    """Whether ``token`` was a right link for ``user`` that is now too old."""
    generator = default_token_generator
    try:
        ts_b36, _hash = token.split("-")
        timestamp = base36_to_int(ts_b36)
    except ValueError:
        return False
    secrets = [generator.secret, *generator.secret_fallbacks]
    if not any(
        constant_time_compare(generator._make_token_with_timestamp(user, timestamp, s), token)
        for s in secrets
    ):
        return False
    age = generator._num_seconds(generator._now()) - timestamp
    return age > settings.PASSWORD_RESET_TIMEOUT


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """429 with a page that says to wait."""
    return render(request, "registration/too_many_requests.html", status=429)
