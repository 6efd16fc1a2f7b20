"""Two-factor sign-in with django-otp: an authenticator app (TOTP) and ten recovery codes.

Why django-otp rather than django-allauth's MFA: the project signs in with Django's own login
view, password reset and admin; django-otp adds devices and verification on top of them (two
small apps and a middleware), where allauth would replace the whole account flow, its URLs and
templates. django-otp has no WebAuthn of its own (a separate plugin would add it): not offered.

Who must use it: analysts and administrators always, everyone when MRN_REQUIRE_2FA_FOR_ALL is on;
country users may turn it on (then it is asked at each sign-in). Demo logins are exempt only when
DEBUG is on. ``TwoFactorMiddleware`` sends a signed-in person who must verify and has not yet
done so in this session to the code page (or to the set-up page when they have no device yet),
and lets nothing else through. The session flag ``SESSION_KEY`` holds the id of the verified user.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import device_classes, devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role

SESSION_KEY = "mrn_two_factor_user"
RECOVERY_CODES = 10


def is_required(user: Any) -> bool:
    """Whether ``user`` must sign in with a second factor."""
    if not user.is_authenticated:
        return False
    if settings.DEBUG and _is_demo(user):
        return False
    if settings.MRN_REQUIRE_2FA_FOR_ALL or user.is_superuser or user.is_staff:
        return True
    profile = getattr(user, "profile", None)
    return profile is not None and profile.role == Role.ANALYST


def _is_demo(user: Any) -> bool:
    from .demo import DEMO_USERS

    return user.get_username() in {row[0] for row in DEMO_USERS}


DEVICE_ANNOTATION = "_mrn_has_device_{}"


@functools.cache
def _device_models() -> tuple[type[Device], ...]:
    """django-otp's device classes of the installed apps (fixed once the apps are loaded)."""
    return tuple(device_classes())


def device_annotations() -> dict[str, Exists]:
    """One ``Exists`` per django-otp device class (authenticator, recovery codes), for the
    query that reads the signed-in user (auth.ModelBackend.get_user): ``has_device_at_start``
    then needs no query of its own."""
    return {
        DEVICE_ANNOTATION.format(index): Exists(
            model.objects.filter(user=OuterRef("pk"), confirmed=True)
        )
        for index, model in enumerate(_device_models())
    }


def has_device(user: Any) -> bool:
    """Whether ``user`` has a confirmed device now (queries every device class)."""
    return any(devices_for_user(user, confirmed=True))


def has_device_at_start(user: Any) -> bool:
    """Whether ``user`` had a confirmed device when the request began: read with the user
    (``device_annotations``) when they were, else queried. For the middleware, which runs
    before any view can add or remove a device; the views ask ``has_device``."""
    known = [
        getattr(user, DEVICE_ANNOTATION.format(index), None)
        for index in range(len(_device_models()))
    ]
    if None in known:
        return has_device(user)
    return any(known)


def is_verified(request: HttpRequest) -> bool:
    return request.session.get(SESSION_KEY) == str(request.user.pk)


def mark_verified(request: HttpRequest) -> None:
    """Records in the session that its user gave a second factor (tests' force_login uses it)."""
    request.session[SESSION_KEY] = str(request.user.pk)


class TwoFactorMiddleware:
    """After AuthenticationMiddleware and django-otp's OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not is_verified(request):
            open_paths = (
                reverse("two_factor_verify"),
                reverse("two_factor_setup"),
                reverse("logout"),
                reverse("set_language"),
                reverse("health"),
                settings.STATIC_URL,
            )
            device = has_device_at_start(user)
            if (device or is_required(user)) and not request.path.startswith(open_paths):
                target = "two_factor_verify" if device else "two_factor_setup"
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse(target)}?{query}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
        error_messages={"required": gettext_lazy("Enter the code.")},
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or one recovery code."""
    if not has_device(request.user):
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            mark_verified(request)
            return redirect(_next(request))
        form.add_error(
            "code",
            _(
                "This code is not right, or has expired. Enter the code your app shows now, "
                "or one of your recovery codes. After a wrong code, wait a few seconds before "
                "the next one."
            ),
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Adds an authenticator app: scan the QR code (or type the key), confirm with one code; then
    the recovery codes are shown once."""
    user = request.user
    if has_device(user) and not is_verified(request):
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': _next(request)})}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = _confirm(user, device)
            otp_login(request, device)
            mark_verified(request)
            return render(
                request,
                "registration/two_factor_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error(
            "code",
            _("This code is not right. Enter the six digits your app shows now for MRN Assess."),
        )
    qr = segno.make(device.config_url, error="m")  # issuer: settings.OTP_TOTP_ISSUER
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": qr.svg_data_uri(scale=5, dark="#000", light="#fff"),
            "key": _spaced(_base32(device)),
            "required": is_required(user),
            "has_device": has_device(user),
            "next": _next(request),
        },
        status=400 if request.method == "POST" else 200,
    )


@transaction.atomic
def _confirm(user: Any, device: TOTPDevice) -> list[str]:
    """Confirms the app, replaces any other app and the recovery codes; returns the new codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def _base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


def _spaced(key: str) -> str:
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
