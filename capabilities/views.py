"""Pages of the capabilities app: home, language switch, health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import permissions
from .models import Assessment, Cycle, Profile


def home(request: HttpRequest) -> HttpResponse:
    """Tells each role where to go."""
    user = request.user
    context: dict[str, object] = {"role": permissions.role_of(user)}
    country = permissions.country_of(user)
    if country is not None:
        context["assessments"] = list(
            permissions.visible_assessments(user)
            .select_related("cycle")
            .order_by("-cycle__opens_on")
        )
    if permissions.is_analyst(user):
        context["submitted_count"] = Assessment.objects.submitted().count()
        context["cycles"] = list(Cycle.objects.all())
    return render(request, "capabilities/home.html", context)


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switches the interface language; saved in the profile (signed in) and a cookie."""
    lang = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if lang in dict(settings.LANGUAGES):
        translation.activate(lang)
        profile = permissions.profile_of(request.user)
        if profile is None and request.user.is_authenticated:
            profile = Profile.objects.create(user=request.user)
        if profile is not None and profile.language != lang:
            profile.language = lang
            profile.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
