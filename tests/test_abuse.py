"""Abuse an attacker could try: lockouts turned on a user, mail floods, stuck invitations, demo
logins in production, heavy work in loops."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from capabilities import demo, throttle
from capabilities.models import UsageEvent
from tests.conftest import PASSWORD


def _login(client: Client, username: str, password: str, **headers: str):
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


# --- Login throttling ---------------------------------------------------------------------------


def test_behind_the_proxy_wrong_passwords_from_one_client_do_not_lock_another(focal_a, settings):
    settings.AXES_ENABLED = True
    settings.MRN_TRUSTED_PROXY_COUNT = 1
    attacker, owner = Client(), Client()
    # Every request reaches the app from nginx (127.0.0.1); nginx appends the client's address.
    # The attacker also forges an address of its own at the left: it is never trusted.
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _login(
            attacker,
            "focal_a",
            "wrong",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7",
        )
    locked = _login(
        attacker, "focal_a", PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert locked.status_code == 429
    response = _login(
        owner, "focal_a", PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.44"
    )
    assert response.status_code == 302
    assert "_auth_user_id" in owner.session


def test_without_the_proxy_setting_the_forwarded_header_is_ignored(focal_a, settings, rf):
    settings.MRN_TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert throttle.client_ip(request) == "192.0.2.1"
    settings.MRN_TRUSTED_PROXY_COUNT = 2
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.1"
    )
    assert throttle.client_ip(request) == "203.0.113.7"
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip, 10.0.0.1")
    assert throttle.client_ip(request) == "10.0.0.2"


# --- Demo logins ----------------------------------------------------------------------------


def test_demo_logins_cannot_sign_in_with_debug_off_whatever_the_database_holds(reference, settings):
    settings.DEBUG = True
    demo.load_demo()
    settings.DEBUG = False
    client = Client()
    response = _login(client, "analyst", settings.MRN_DEMO_PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    settings.DEBUG = True
    response = _login(client, "analyst", settings.MRN_DEMO_PASSWORD)
    assert response.status_code == 302


# --- Password reset and invitations -------------------------------------------------------------


def _reset(client: Client, email: str, ip: str = "192.0.2.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_mails_are_limited_per_address_without_saying_so(focal_a, settings):
    settings.MRN_RESET_MAILS_PER_ADDRESS = 3
    client = Client()
    responses = [_reset(client, "focal_a@example.org", ip=f"192.0.2.{i}") for i in range(10)]
    assert [r.status_code for r in responses] == [302] * 10  # the same page every time
    assert len(mail.outbox) == 3


def test_password_reset_requests_are_limited_per_client_address(focal_a, settings):
    settings.MRN_RESET_REQUESTS_PER_IP = 5
    client = Client()
    statuses = [_reset(client, f"x{i}@example.org").status_code for i in range(6)]
    assert statuses == [302] * 5 + [429]
    assert "Too many requests" in _reset(client, "focal_a@example.org").content.decode()
    assert len(mail.outbox) == 0
    assert _reset(client, "focal_a@example.org", ip="192.0.2.99").status_code == 302
    assert len(mail.outbox) == 1


def test_usage_older_than_its_window_no_longer_counts(db):
    assert throttle.allow("k", limit=1, window=60)
    assert not throttle.allow("k", limit=1, window=60)
    UsageEvent.objects.update(expires_at=UsageEvent.objects.get().created_at)
    assert throttle.allow("k", limit=1, window=60)


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)


def _add_contributor(client: Client):
    return client.post(
        reverse("capabilities:team"),
        {
            "first_name": "Ama",
            "last_name": "Owusu",
            "email": "ama@example.gov",
            "domain_codes": ["D3"],
        },
    )


def test_an_expired_invitation_says_so_and_the_focal_point_sends_it_again(
    client, focal_a, reference, settings, time_machine
):
    client.force_login(focal_a)
    _add_contributor(client)
    first = _link(mail.outbox[0])
    time_machine.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60))
    guest = Client()
    page = guest.get(first, follow=True).content.decode()
    assert "This invitation link has expired" in page
    assert "Ask your focal point to send the invitation again" in page

    team = client.get(reverse("capabilities:team")).content.decode()
    assert "Send the invitation to Ama Owusu again" in team
    from capabilities.models import Profile

    profile = Profile.objects.get(user__email="ama@example.gov")
    response = client.post(reverse("capabilities:team_invite", args=[profile.pk]))
    assert response.status_code == 302 and len(mail.outbox) == 2
    page = guest.get(_link(mail.outbox[1]), follow=True).content.decode()
    assert "Choose your password" in page and 'name="new_password1"' in page


def test_an_invited_person_whose_link_expired_can_also_ask_for_a_new_link(
    client, focal_a, reference
):
    client.force_login(focal_a)
    _add_contributor(client)
    _reset(Client(), "ama@example.gov")
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["ama@example.gov"]


def test_a_used_link_is_not_called_expired(client, focal_a, reference):
    page = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "abc-def"})
    ).content.decode()
    assert "already been used or is not complete" in page


def test_invitations_cannot_be_resent_once_a_password_is_chosen(
    client, focal_a, contributor_a, reference
):
    client.force_login(focal_a)
    response = client.post(
        reverse("capabilities:team_invite", args=[contributor_a.profile.pk]), follow=True
    )
    assert "has already chosen a password" in response.content.decode()
    assert len(mail.outbox) == 0


def test_invitations_are_limited_per_focal_point(client, focal_a, reference, settings):
    settings.MRN_INVITATIONS_PER_HOUR = 2
    client.force_login(focal_a)
    _add_contributor(client)
    from capabilities.models import Profile

    profile = Profile.objects.get(user__email="ama@example.gov")
    url = reverse("capabilities:team_invite", args=[profile.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 429
    assert len(mail.outbox) == 2


@pytest.fixture
def time_machine(monkeypatch):
    """Moves the clock of password reset tokens forward."""
    from django.contrib.auth.tokens import default_token_generator

    class Machine:
        offset = timedelta()

        def shift(self, delta: timedelta) -> None:
            self.offset += delta

    machine = Machine()
    real_now = default_token_generator._now
    monkeypatch.setattr(default_token_generator, "_now", lambda: real_now() + machine.offset)
    return machine


# --- Heavy work -----------------------------------------------------------------------------------


def test_a_person_builds_one_pdf_at_a_time_across_app_servers(
    client, analyst, focal_a, cycle, settings
):
    from django.utils import timezone

    settings.MRN_HEAVY_PER_USER = 1
    url = reverse("reports:matrix_report", args=[cycle.code])
    client.force_login(analyst)
    # A PDF of the analyst's is being built by another app server: its slot is in the database.
    now = timezone.now()
    UsageEvent.objects.create(
        key=f"heavy:{analyst.pk}", created_at=now, expires_at=now + timedelta(seconds=120)
    )
    busy = client.get(url)
    assert busy.status_code == 429 and busy["Retry-After"] == "10"
    assert "already being prepared" in busy.content.decode()
    other = Client()
    other.force_login(focal_a)
    assert other.get(url).status_code == 200  # someone else is not held up
    UsageEvent.objects.filter(key=f"heavy:{analyst.pk}").update(expires_at=now)  # crashed
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert not UsageEvent.objects.filter(key__startswith="heavy:").exists()  # slots released


def test_the_secretariat_resends_invitations_from_the_admin(client, focal_a, admin_user, reference):
    client.force_login(focal_a)
    _add_contributor(client)
    from django.contrib.auth import get_user_model

    invited = get_user_model().objects.get(email="ama@example.gov")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "resend_invitation", "_selected_action": [invited.pk, focal_a.pk]},
        follow=True,
    )
    assert "The invitation went again to 1 person." in response.content.decode()
    assert [m.to for m in mail.outbox] == [["ama@example.gov"], ["ama@example.gov"]]
