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
