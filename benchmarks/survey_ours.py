"""MRN Assess's side of the side-by-side benchmark (survey_bench.measure_ours), in a process of
its own as the package's side runs in its own; prints one JSON line for survey_bench.run.

Usage: ``python -m benchmarks.survey_ours`` (survey_bench runs it; DATABASE_URL as for make bench).
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mrn_assess.settings")
os.environ.setdefault("MRN_TESTING", "true")

import django

django.setup()

from benchmarks.survey_bench import measure_ours  # noqa: E402

if __name__ == "__main__":
    print(json.dumps(measure_ours()), flush=True)
    sys.exit(0)
