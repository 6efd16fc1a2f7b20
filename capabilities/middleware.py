"""Per-request middleware of the site: the sliding session expiry, and the signed-in user's saved
language (which wins over the browser's: profile, then cookie, then header)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .permissions import profile_of


class UserLanguageMiddleware:
    """Runs after AuthenticationMiddleware and LocaleMiddleware; activates ``profile.language``.

    The language switch (capabilities.views.set_language) stores the choice in the profile and in
    the language cookie, so it follows the user to other devices and survives logout.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        profile = profile_of(request.user)
        if profile and profile.language and translation.check_for_language(profile.language):
            translation.activate(profile.language)
            request.LANGUAGE_CODE = profile.language
        return self.get_response(request)


SESSION_STAMP = "_mrn_refreshed"


def session_refreshed(request: HttpRequest | None = None, **_kwargs: object) -> None:
    """At sign-in (the ``user_logged_in`` signal): the new session counts as just refreshed."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STAMP] = int(time.time())


class SessionRefreshMiddleware:
    """Slides a signed-in user's session expiry without writing the session at every request.

    Runs after AuthenticationMiddleware. When the session was last refreshed more than
    ``MRN_SESSION_REFRESH_SECONDS`` ago, it stores the time in the session, which makes
    SessionMiddleware save it with a new expiry (SESSION_COOKIE_AGE from now). An idle session so
    expires between SESSION_COOKIE_AGE minus the refresh interval and SESSION_COOKIE_AGE after the
    last request; the other requests cost no write.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # After the view: a login or logout during the request has already cycled the session.
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            last = session.get(SESSION_STAMP, 0)
            if not isinstance(last, int) or now - last >= settings.MRN_SESSION_REFRESH_SECONDS:
                session[SESSION_STAMP] = now
        return response
