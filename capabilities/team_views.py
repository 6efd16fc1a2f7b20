"""A focal point's team: who may answer for the country, and in which domains.

The focal point adds contributors (they receive an e-mail link to choose a password), changes
their domains, or removes their access. Administrators manage everyone in the Django admin.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import auth, permissions, services, throttle
from .forms import ContributorDomainsForm, ContributorForm
from .models import Role
from .permissions import AuthenticatedRequest


class InvitationForm(PasswordResetForm):
    """Sends one new contributor the link to choose a password (Django's reset token)."""

    def __init__(self, *args: Any, invited: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invited = invited

    def get_users(self, email: str) -> list[User]:
        return [self.invited]


def invitations_allowed(request: HttpRequest) -> bool:
    """Whether the signed-in person may send one more invitation this hour (and counts it)."""
    return throttle.allow(
        f"invite:{request.user.pk}", limit=settings.MRN_INVITATIONS_PER_HOUR, window=3600
    )


def send_invitation(request: HttpRequest, user: User, country_name: str) -> None:
    """Sends ``user`` the link to choose a password (a new one each time: the old ones stay
    valid until they expire or a password is chosen)."""
    form = InvitationForm({"email": user.email}, invited=user)
    form.is_valid()
    form.save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name="registration/invitation_subject.txt",
        email_template_name="registration/invitation_email.txt",
        # django-stubs types this dict[str, str]; Django hands any value to the template, which
        # reads inviter.get_full_name.
        extra_email_context={"country": country_name, "inviter": request.user},  # type: ignore[dict-item]
    )


@require_http_methods(["GET", "POST"])
def team(request: AuthenticatedRequest) -> HttpResponse:
    """The country's team, and a form to add a contributor."""
    permissions.require_team_manager(request.user)
    country = permissions.country_of(request.user)
    assert (
        country is not None
    )  # a focal point always has a country (ProfileForm.clean in the admin)
    members = list(
        permissions.team_members(request.user)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name")
    )
    form = ContributorForm(request.POST or None)
    if request.method == "POST" and not invitations_allowed(request):
        return auth.too_many_requests(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.contributor_add(
                country=country,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                domain_codes=data["domain_codes"],
                added_by=request.user,
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            send_invitation(request, user, country.name)
            messages.success(
                request,
                _(
                    "%(name)s can now answer for %(country)s. An e-mail went to %(email)s "
                    "with a link to choose a password."
                )
                % {"name": user.get_full_name(), "country": country.name, "email": user.email},
            )
            return redirect("capabilities:team")
    rows = [
        {
            "profile": profile,
            "form": ContributorDomainsForm(
                initial={"domain_codes": profile.domain_codes, "active": profile.user.is_active},
                prefix=f"m{profile.pk}",
            )
            if profile.role == Role.CONTRIBUTOR
            else None,
            "invited": profile.user.is_active and not profile.user.has_usable_password(),
        }
        for profile in members
    ]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "capabilities/team.html",
        {"country": country, "rows": rows, "form": form},
        status=status,
    )


@require_POST
def team_member(request: HttpRequest, pk: int) -> HttpResponse:
    """Changes one contributor's domains or access."""
    permissions.require_team_manager(request.user)
    profile = get_object_or_404(
        permissions.team_members(request.user).select_related("user"), pk=pk
    )
    form = ContributorDomainsForm(request.POST, prefix=f"m{profile.pk}")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("capabilities:team")
    try:
        services.contributor_update(
            profile=profile,
            domain_codes=form.cleaned_data["domain_codes"],
            active=form.cleaned_data["active"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Saved the changes for %(name)s.") % {"name": profile.user.get_full_name()}
        )
    return redirect("capabilities:team")


@require_POST
def team_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Sends the invitation again to a team member who has not chosen a password yet."""
    permissions.require_team_manager(request.user)
    profile = get_object_or_404(
        permissions.team_members(request.user).select_related("user", "country"), pk=pk
    )
    user = profile.user
    if not user.is_active or user.has_usable_password():
        messages.error(
            request,
            _("%(name)s has already chosen a password: they can sign in, or reset it.")
            % {"name": user.get_full_name()},
        )
        return redirect("capabilities:team")
    if not invitations_allowed(request):
        return auth.too_many_requests(request)
    assert profile.country is not None  # team_members: the manager's own country
    send_invitation(request, user, profile.country.name)
    messages.success(
        request,
        _("The invitation went again to %(email)s.") % {"email": user.email},
    )
    return redirect("capabilities:team")
