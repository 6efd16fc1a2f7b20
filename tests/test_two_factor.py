"""Two-factor sign-in: required for analysts and administrators, offered to country users,
required for everyone with a setting; demo logins exempt only with DEBUG on."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from capabilities import demo
from tests.conftest import PASSWORD


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the person's app shows (``steps_ahead``: a later 30-second step, since a code
    once used is refused)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, steps_ahead)
    return str(value).zfill(device.digits)


def sign_in(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def set_up(client: Client) -> tuple[TOTPDevice, list[str]]:
    """Adds an authenticator app through the set-up page; returns the device and the codes."""
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert "data:image/svg+xml" in page.content.decode()
    device = TOTPDevice.objects.get(user=page.wsgi_request.user)
    done = client.post(reverse("two_factor_setup"), {"code": code(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]+)</li>", done.content.decode())
    device.refresh_from_db()
    return device, codes


def test_an_analyst_must_set_up_two_factor_before_seeing_anything(client, analyst):
    response = sign_in(client, "analyst", next_url=reverse("capabilities:review_queue"))
    assert response.status_code == 302
    queue = client.get(reverse("capabilities:review_queue"))
    assert queue.status_code == 302 and queue["Location"].startswith(reverse("two_factor_setup"))
    device, codes = set_up(client)
    assert device.confirmed and len(codes) == 10
    assert client.get(reverse("capabilities:review_queue")).status_code == 200


def test_an_analyst_is_refused_without_the_code_and_admitted_with_it(client, analyst, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the throttle after a wrong code: the next test
    sign_in(client, "analyst")
    device, _codes = set_up(client)
    client.post(reverse("logout"))

    response = sign_in(client, "analyst", next_url=reverse("capabilities:review_queue"))
    assert response.status_code == 302
    queue = client.get(reverse("capabilities:review_queue"))
    assert queue.status_code == 302 and queue["Location"].startswith(reverse("two_factor_verify"))
    wrong = client.post(reverse("two_factor_verify"), {"code": "000000"})
    assert wrong.status_code == 400 and "This code is not right" in wrong.content.decode()
    assert client.get(reverse("capabilities:review_queue")).status_code == 302
    assert client.get(reverse("two_factor_setup")).status_code == 302  # cannot replace the app
    right = client.post(
        reverse("two_factor_verify"),
        {"code": code(device, 1), "next": reverse("capabilities:review_queue")},
    )
    assert right.status_code == 302 and right["Location"] == reverse("capabilities:review_queue")
    assert client.get(reverse("capabilities:review_queue")).status_code == 200


def test_a_recovery_code_works_once(client, analyst):
    sign_in(client, "analyst")
    _device, codes = set_up(client)
    for attempt in range(2):
        client.post(reverse("logout"))
        sign_in(client, "analyst")
        response = client.post(reverse("two_factor_verify"), {"code": codes[0]})
        assert response.status_code == (302 if attempt == 0 else 400)
    assert StaticToken.objects.count() == 9


def test_administrators_need_it_for_the_admin_too(client, admin_user):
    sign_in(client, "boss")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("two_factor_setup")
    )


def test_country_users_are_offered_it_and_then_asked_at_each_sign_in(client, focal_a):
    sign_in(client, "focal_a")
    assert client.get(reverse("home")).status_code == 200  # not required
    device, _codes = set_up(client)
    client.post(reverse("logout"))
    sign_in(client, "focal_a")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_verify"))
    client.post(reverse("two_factor_verify"), {"code": code(device, 1)})
    assert client.get(reverse("home")).status_code == 200


def test_a_session_opened_before_the_app_was_added_is_asked_for_the_code_next(client, focal_a):
    """The middleware reads whether the person has a device with the user at each request
    (capabilities.auth.ModelBackend.get_user), never from an earlier request."""
    sign_in(client, "focal_a")
    assert client.get(reverse("home")).status_code == 200
    other = Client()
    sign_in(other, "focal_a")
    set_up(other)
    assert other.get(reverse("home")).status_code == 200  # verified by setting it up
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_verify"))


def test_a_setting_requires_it_for_everyone(client, focal_a, settings):
    settings.MRN_REQUIRE_2FA_FOR_ALL = True
    sign_in(client, "focal_a")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))


def test_demo_logins_are_exempt_only_with_debug_on(client, reference, settings):
    settings.DEBUG = True
    demo.load_demo()
    sign_in(client, "analyst", password=settings.MRN_DEMO_PASSWORD)
    assert client.get(reverse("capabilities:review_queue")).status_code == 200


def test_the_next_address_cannot_leave_the_site(client, analyst):
    sign_in(client, "analyst")
    device, _codes = set_up(client)
    client.post(reverse("logout"))
    sign_in(client, "analyst")
    response = client.post(
        reverse("two_factor_verify"), {"code": code(device, 1), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_after_a_wrong_code_even_the_right_one_waits(client, analyst):
    """django-otp's throttle: each wrong code doubles the wait, so six digits cannot be tried
    in a loop."""
    sign_in(client, "analyst")
    device, _codes = set_up(client)
    client.post(reverse("logout"))
    sign_in(client, "analyst")
    client.post(reverse("two_factor_verify"), {"code": "000000"})
    response = client.post(reverse("two_factor_verify"), {"code": code(device, 1)})
    assert response.status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
