"""Production settings: safe by default, secrets only from the environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-0123456789-abcdefghijklmnop",
    "DJANGO_ALLOWED_HOSTS": "mrn.example.org",
    "DJANGO_BEHIND_TLS_PROXY": "true",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_https_protections_are_switched_off():
    env = {**PRODUCTION_ENV, "DJANGO_HSTS_SECONDS": "0", "DJANGO_SECURE_COOKIES": "false"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_a_misspelt_boolean_setting_is_refused_loudly():
    result = _manage("check", env={**PRODUCTION_ENV, "DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_debug_is_off_unless_asked():
    assert settings.DEBUG is False


def test_demo_logins_are_refused_when_debug_is_off(reference):
    with pytest.raises(CommandError, match="only when DJANGO_DEBUG=true"):
        call_command("load_demo_data")


def test_demo_logins_are_created_when_debug_is_on(reference, settings):
    settings.DEBUG = True
    call_command("load_demo_data")
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(["focal", "analyst"], field_name="username")
    assert users["focal"].check_password("demo")
    assert users["focal"].profile.country.code == "DEMO-A"
    assert users["analyst"].profile.role == "analyst"


def test_cache_is_local_memory_by_default_and_the_database_or_redis_by_setting():
    show = ["shell", "-c", "from django.conf import settings; print(settings.CACHES['default'])"]
    default = _manage(*show, env=PRODUCTION_ENV)
    assert "LocMemCache" in default.stdout, default.stderr
    database = _manage(*show, env={**PRODUCTION_ENV, "MRN_CACHE_URL": "db://"})
    assert "DatabaseCache" in database.stdout and "mrn_cache" in database.stdout
    redis = _manage(*show, env={**PRODUCTION_ENV, "MRN_CACHE_URL": "redis://127.0.0.1:6379/1"})
    assert "RedisCache" in redis.stdout and "redis://127.0.0.1:6379/1" in redis.stdout
    wrong = _manage(*show, env={**PRODUCTION_ENV, "MRN_CACHE_URL": "memcached://x"})
    assert wrong.returncode != 0 and "MRN_CACHE_URL must be empty" in wrong.stderr


@pytest.mark.django_db
def test_the_session_expiry_slides_without_a_write_at_every_request(client, analyst):
    """A request soon after the last refresh writes nothing; once the refresh interval has passed,
    the next request saves the session with a new expiry (SESSION_COOKIE_AGE from now)."""
    from django.contrib.sessions.models import Session
    from django.urls import reverse

    from capabilities.middleware import SESSION_STAMP

    client.force_login(analyst)
    client.get(reverse("reports:methodology"))
    key = client.session.session_key
    first = Session.objects.get(session_key=key)
    client.get(reverse("reports:methodology"))
    assert Session.objects.get(session_key=key).expire_date == first.expire_date  # no write

    session = client.session  # as if the last refresh were just over the interval ago
    session[SESSION_STAMP] -= settings.MRN_SESSION_REFRESH_SECONDS
    session.save()
    before = Session.objects.get(session_key=key).expire_date
    client.get(reverse("reports:methodology"))
    after = Session.objects.get(session_key=key)
    assert after.expire_date > before
    assert after.get_decoded()[SESSION_STAMP] > session[SESSION_STAMP]


@pytest.mark.django_db
def test_an_anonymous_request_creates_no_session(client):
    from django.contrib.sessions.models import Session
    from django.urls import reverse

    assert client.get(reverse("login")).status_code == 200
    assert Session.objects.count() == 0
