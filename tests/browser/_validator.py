"""The W3C Nu HTML Checker (vnu.jar from the npm package ``vnu-jar``, installed by ``npm ci`` at
the project root, run with the machine's Java) over the HTML the server sent.

All the pages of a walk are checked in one run of the checker (it takes seconds to start).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def validator_or_skip() -> None:
    """Skips the calling test with a reason when the checker cannot run, except in CI
    (MRN_REQUIRE_BROWSER=true), where it fails."""
    missing = []
    if not VNU.exists():
        missing.append(f"{VNU.relative_to(ROOT)} (run `npm ci` at the project root)")
    if shutil.which("java") is None:
        missing.append("java (apt-get install default-jre-headless)")
    if missing:
        reason = "W3C validator unavailable: " + ", ".join(missing)
        if os.environ.get("MRN_REQUIRE_BROWSER") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def validate_html(pages: dict[str, str]) -> list[str]:
    """Errors of the checker, one line each ("url: line n: message"), for ``{url: html}``."""
    if not pages:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        names = {}
        for i, (url, html) in enumerate(pages.items()):
            path = Path(tmp) / f"page{i:03d}.html"
            path.write_text(html, encoding="utf-8")
            names[path.as_uri()] = url
        result = subprocess.run(
            [
                "java",
                "-jar",
                str(VNU),
                "--format",
                "json",
                "--exit-zero-always",
                *map(str, sorted(Path(tmp).iterdir())),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    out = []
    for message in report.get("messages", []):
        if message.get("type") not in ("error", "non-document-error"):
            continue
        url = names.get(
            message.get("url", "").replace("file:/", "file:///", 1), message.get("url", "")
        )
        out.append(f"{url}: line {message.get('lastLine')}: {message.get('message')}")
    return out
