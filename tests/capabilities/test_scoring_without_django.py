"""capabilities.scoring (the dataclasses and the arithmetic) imports and runs without Django
configured: no settings, no models (the queries are in capabilities.aggregates)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from capabilities import scoring as a
assert "django" not in sys.modules, sorted(m for m in sys.modules if m.startswith("django"))
counts = {("C01", ""): a.Counts(population=3, yes=1, no=1)}
ref = a.CapabilityRef("C01", "x", "x", "D1", "d", "d")
m = a.build_matrix(cycle_code="c", capabilities=[ref], counts=counts, populations={"": 3})
assert m.cell("C01").yes_pct == 50
print("ok")
"""


def test_scoring_runs_without_django():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "MRN"))}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
