#!/usr/bin/env bash
# Imports the illustrative 2021 baseline (../shared/data/mnr_2021_baseline.csv) as cycle baseline-2021.
# Idempotent: a second import changes nothing.
set -euo pipefail
MANAGE=${1:-".venv/bin/python manage.py"}
FILE=${MRN_BASELINE_FILE:-../shared/data/mnr_2021_baseline.csv}
if [ ! -f "$FILE" ]; then
  echo "Baseline file $FILE not found: the illustrative 2021 cycle is not loaded (set MRN_BASELINE_FILE)."
  exit 0
fi
if ! DJANGO_DEBUG=true $MANAGE help import_responses >/dev/null 2>&1; then
  echo "The importer is not available yet: the illustrative 2021 cycle is not loaded."
  exit 0
fi
DJANGO_DEBUG=true $MANAGE import_responses "$FILE" --cycle baseline-2021 --create-participants --illustrative
