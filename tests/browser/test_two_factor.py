"""An analyst signs in with a password and a code from an authenticator app, in real headless
Chromium; without the right code nothing opens."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from capabilities.models import Profile, Role

from ._helpers import authenticator, current_code, watch

PASSWORD = "analyst browser password 2026"


@pytest.fixture
def analyst_with_app(db):
    user = get_user_model().objects.create_user(
        username="ana", password=PASSWORD, first_name="Ana", last_name="Lyst"
    )
    Profile.objects.create(user=user, role=Role.ANALYST)
    authenticator("ana")
    return user


@pytest.mark.django_db(transaction=True)
def test_an_analyst_signs_in_with_password_and_code_and_is_refused_without_the_code(
    page: Page, live_server, analyst_with_app, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the throttle after a wrong code: tests/test_two_factor
    url = live_server.url
    seen = watch(page)
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_username").fill("ana")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")

    # Without the code: every page leads back here.
    page.goto(f"{url}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    assert "/accounts/two-factor/" in page.url

    # A wrong code is refused with a message.
    page.locator("#id_code").fill("000000" if current_code("ana") != "000000" else "111111")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#error-summary")).to_contain_text("This code is not right")
    page.goto(f"{url}/review/")
    assert "/accounts/two-factor/" in page.url

    # The right code opens the page asked for.
    page.locator("#id_code").fill(current_code("ana"))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{url}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Submitted assessments waiting for review"
    )
    assert seen.csp_console == []
