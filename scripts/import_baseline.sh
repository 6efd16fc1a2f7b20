#!/usr/bin/env bash
# Imports the illustrative 2021 baseline (fixtures/baseline/mnr_2021_baseline.csv, part of the project) as cycle baseline-2021.
# Idempotent: a second import changes nothing.
set -euo pipefail
MANAGE=${1:-".venv/bin/python manage.py"}
FILE=${MRN_BASELINE_FILE:-fixtures/baseline/mnr_2021_baseline.csv}
if [ ! -f "$FILE" ]; then
  echo "Baseline file $FILE not found: run this from the project folder or set MRN_BASELINE_FILE." >&2
  exit 1
fi
DJANGO_DEBUG=true $MANAGE import_responses "$FILE" --cycle baseline-2021 --create-participants --illustrative
