"""Browser tests in real headless Chromium (the system's, no downloaded browser).

They are skipped with a reason when Chromium is absent, except in CI (MRN_REQUIRE_BROWSER=true),
where .ci/run installs it and a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                if os.environ.get("MRN_REQUIRE_BROWSER") == "true":
                    continue  # let it fail loudly in CI
                item.add_marker(
                    pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
                )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def artifacts_dir() -> str:
    """Screenshots for people to look at (not committed): test-artifacts/ at the project root."""
    path = os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "test-artifacts"
    )
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture
def demo_world(settings):
    """Reference data and the demo cycle (transactional live-server tests start empty): demo
    users (password _helpers.BROWSER_PASSWORD) and Demo countries A–F in every state."""
    from capabilities import demo
    from capabilities.reference_data import load_all

    load_all()
    from ._helpers import use_browser_passwords

    settings.DEBUG = True  # demo logins exist only in DEBUG
    demo.load_demo()
    settings.DEBUG = False
    use_browser_passwords()  # the demo password is refused with DEBUG off
    return demo.DEMO_CYCLE


def fill_required(assessment, *, user, skip_domain: str = "") -> None:
    """Answers every required question of ``assessment`` not answered yet (outside ``skip_domain``)
    through the services, so that a journey only has to answer one domain by hand."""
    from capabilities import services
    from capabilities.models import Question

    answered = set(assessment.answers.exclude(value="").values_list("question_id", flat=True))
    framework = assessment.cycle.framework
    for question in Question.objects.for_framework(framework).with_structure():
        if not question.required or question.pk in answered:
            continue
        if question.capability.domain.code == skip_domain:
            continue
        value = {"maturity": "2", "yes_no": "yes"}.get(question.kind)
        if value is None:
            option = question.options.first()
            value = option.code if option else "1"
        services.answer_save(
            assessment=assessment, question=question, value=value, user=user, base_version=0
        )


@pytest.fixture(scope="session")
def french_catalogue() -> bool:
    """Whether the French interface catalogue exists; compiled here when its .mo is missing or
    older than the .po (``make test`` compiles it first; this covers a bare pytest run)."""
    from django.conf import settings
    from django.core.management import call_command

    po = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    if not po.exists():
        return False
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        call_command("compilemessages", locale=["fr"], ignore_patterns=[".venv", "node_modules"])
        from django.utils.translation import trans_real

        trans_real._translations = {}  # forget catalogues loaded before the compilation
    return True
