"""A minimal Django project hosting django-survey-and-report, run in its own virtualenv by
benchmarks/survey_bench.py (never imported by MRN Assess itself)."""
