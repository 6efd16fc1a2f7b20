"""Runs every benchmark module and prints one summary line of pass/fail against the aims.

Usage: ``make bench`` (``python -m benchmarks [module ...]``). Runs on the database of
DATABASE_URL (PostgreSQL for meaningful numbers) or SQLite otherwise. Each module defines
``run() -> list[Aim]``; add a new module to MODULES.
"""

from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mrn_assess.settings")
os.environ.setdefault("MRN_TESTING", "true")

import django

django.setup()

from benchmarks.common import Aim  # noqa: E402

MODULES = [
    "benchmarks.reports_bench",  # one country report PDF, bulk export per report
    "benchmarks.scale_bench",  # matrix/breakdown at 200 and 1,000 countries vs raw SQL
    "benchmarks.load_bench",  # pages under concurrent load (gunicorn), autosave soak
    "benchmarks.survey_bench",  # the same workload on django-survey-and-report
]


def main(argv: list[str]) -> int:
    wanted = [f"benchmarks.{name}" for name in argv] or MODULES
    aims: list[Aim] = []
    for name in wanted:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                print(f"(skipped {name}: not written yet)")
                continue
            raise
        try:
            aims.extend(module.run())
        except Exception as exc:  # one broken module must not hide the others' figures
            print(f"!! {name} stopped: {type(exc).__name__}: {exc}")
            aims.append(Aim(f"{name} ran to the end", 0, 1, higher_is_better=True, unit=""))
    print()
    for aim in aims:
        print(aim.line())
    failed = [aim for aim in aims if not aim.passed]
    print(
        f"SUMMARY: {len(aims) - len(failed)} of {len(aims)} aims met"
        + (f"; missed: {', '.join(a.name for a in failed)}" if failed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
