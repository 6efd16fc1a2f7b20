"""Shared fixtures: the real framework and countries, a cycle, and named personas.

Personas: a focal point and a contributor of country A (Ghana), a focal point of country B (Serbia),
an analyst and an administrator.

The reference data (framework, countries, reference cycles: about 1,200 queries) is loaded once per
test database, in ``django_db_setup``; every test's transaction rolls back to it. Tests with
``transaction=True`` flush the database when they end, so ``reference`` reloads it when it is missing
(pytest-django runs those tests last on one worker, but with two workers a module can follow
them: module-scoped fixtures call ``tests.factories.ensure_reference_data`` first). Answers are built in bulk by ``tests/factories.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import translation

from capabilities import services
from capabilities.models import (
    Assessment,
    Country,
    Cycle,
    FrameworkVersion,
    Profile,
    Question,
    Role,
)
from capabilities.reference_data import load_all
from tests.factories import ensure_reference_data

PASSWORD = "correct horse battery staple"


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook; ignored when xdist is not installed
def pytest_xdist_make_scheduler(config, log):
    """``make test`` runs the suite on two workers (pytest-xdist, ``-n 2 --dist loadscope``), each
    with its own test database (pytest-django adds the worker's id to its name) and so its own
    reference data. Each module outside tests/browser runs whole on one worker, so its
    module-scoped fixtures (the PDFs rendered once, the 2021 baseline imported once) are built
    once; the browser tests, each independent (its own live-server data) and some a minute long,
    are handed out one at a time to keep both workers busy. (``--dist loadgroup`` with
    ``xdist_group`` marks would say the same, but pytest-xdist 3.8 does not see the marks under
    pytest 9.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleOrBrowserTest(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/browser/"):
                return nodeid
            return nodeid.split("::", 1)[0]

    return ModuleOrBrowserTest(config, log)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the reference data loaded once (committed; tests roll back to it)."""
    with django_db_blocker.unblock():
        load_all()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (English), whatever an earlier test activated
    (a request in French activates French in the test's thread); a test that wants French says so."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (cycle aggregates, reports/cohorts.py)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reference(db) -> FrameworkVersion:
    """Framework, countries and reference cycles (loaded once per database; reloaded after a flush)."""
    ensure_reference_data()
    return FrameworkVersion.objects.get(code="MNR-2016")


@pytest.fixture
def framework(reference) -> FrameworkVersion:
    return reference


@pytest.fixture
def cycle(framework) -> Cycle:
    return Cycle.objects.create(
        code="test-2025",
        name_en="Test cycle 2025",
        name_fr="Cycle de test 2025",
        framework=framework,
    )


@pytest.fixture
def country_a(reference) -> Country:
    return Country.objects.get(code="GHA")


@pytest.fixture
def country_b(reference) -> Country:
    return Country.objects.get(code="SRB")


@pytest.fixture
def make_user(db) -> Callable[..., object]:
    def make(
        username: str,
        role: str = "",
        country: Country | None = None,
        domains: list[str] | None = None,
        superuser: bool = False,
    ) -> object:
        user = get_user_model().objects.create_user(
            username=username,
            password=PASSWORD,
            email=f"{username}@example.org",
            first_name=username.capitalize(),
            is_superuser=superuser,
            is_staff=superuser,
        )
        Profile.objects.create(user=user, role=role, country=country, domain_codes=domains or [])
        return user

    return make


@pytest.fixture
def focal_a(make_user, country_a):
    return make_user("focal_a", Role.FOCAL_POINT, country_a)


@pytest.fixture
def contributor_a(make_user, country_a):
    return make_user("contrib_a", Role.CONTRIBUTOR, country_a, ["D2"])


@pytest.fixture
def focal_b(make_user, country_b):
    return make_user("focal_b", Role.FOCAL_POINT, country_b)


@pytest.fixture
def analyst(make_user):
    return make_user("analyst", Role.ANALYST)


@pytest.fixture
def admin_user(make_user):
    return make_user("boss", superuser=True)


@pytest.fixture
def assessment_a(cycle, country_a) -> Assessment:
    return services.assessment_get_or_create(country=country_a, cycle=cycle)


@pytest.fixture
def assessment_b(cycle, country_b) -> Assessment:
    return services.assessment_get_or_create(country=country_b, cycle=cycle)


@pytest.fixture
def questions(framework) -> list[Question]:
    return list(Question.objects.for_framework(framework).with_structure())


def login(client, user) -> None:
    client.force_login(user)


@pytest.fixture(autouse=True)
def _force_login_counts_as_two_factor(monkeypatch) -> None:
    """Sessions made by ``client.force_login`` count as having given the second factor
    (capabilities.two_factor); the login form and client.login() still ask for it."""
    from django.test import Client

    from capabilities import two_factor

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[two_factor.SESSION_KEY] = str(user.pk)
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


def pytest_configure(config):
    """The cycle collector runs less often in the test processes (each xdist worker too): tests
    build and drop many model instances, and with Python's default thresholds (700, 10, 10) the
    collector kept walking a heap of Django, WeasyPrint and Playwright objects. Measured on
    tests/capabilities and tests/test_security.py (two workers, this 2-core machine), CPU of five
    runs before: 79.7, 83.4, 87.8, 96.7, 101.5 s; of five after: 68.8, 72.2, 73.7, 76.9 s and one
    at 101.7 s; peak memory 230 → 250 MB. Reference counting still frees at once everything that
    is not in a cycle. The thresholds are those of a PDF render (reports.pdf._rare_cyclic_gc)."""
    import gc

    from reports.pdf import RENDER_GC_THRESHOLDS

    gc.set_threshold(*RENDER_GC_THRESHOLDS)
