"""Template context for every page: the user's role flags (from capabilities.permissions)."""

from django.http import HttpRequest

from . import permissions


def roles(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "is_analyst": permissions.is_analyst(user),
        "is_admin": permissions.is_admin(user),
        "user_role": permissions.role_of(user),
        "user_country": permissions.country_of(user),
    }
