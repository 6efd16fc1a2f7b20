"""A signed-in user's saved language wins over the browser's (profile, then cookie, then header)."""

from collections.abc import Callable

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
