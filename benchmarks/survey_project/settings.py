"""Settings of the django-survey-and-report host project (benchmarks only).

The database comes from SURVEY_DB_ENGINE (postgresql or sqlite3), SURVEY_DB_NAME and, for
PostgreSQL, SURVEY_DB_HOST / SURVEY_DB_PORT / SURVEY_DB_USER / SURVEY_DB_PASSWORD; ``run.py``
creates that database (Django's test-database machinery) and drops it at the end.
"""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(
    os.environ.get("SURVEY_WORK_DIR") or Path(tempfile.gettempdir()) / "mrn-bench" / "survey-work"
)
SECRET_KEY = "benchmark-only-survey-project-key-not-secret-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "survey",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "benchmarks.survey_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

_engine = os.environ.get("SURVEY_DB_ENGINE", "sqlite3")
DATABASES = {
    "default": {
        "ENGINE": f"django.db.backends.{_engine}",
        "NAME": os.environ.get("SURVEY_DB_NAME", str(BASE_DIR / "survey.sqlite3")),
        "HOST": os.environ.get("SURVEY_DB_HOST", ""),
        "PORT": os.environ.get("SURVEY_DB_PORT", ""),
        "USER": os.environ.get("SURVEY_DB_USER", ""),
        "PASSWORD": os.environ.get("SURVEY_DB_PASSWORD", ""),
        "TEST": {"NAME": os.environ.get("SURVEY_DB_NAME", str(BASE_DIR / "survey.sqlite3"))},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# The same cheap hasher as MRN Assess's benchmark run (MRN_TESTING): no password is checked.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/accounts/login/"

LANGUAGE_CODE = "en"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"

# django-survey-and-report's own settings (see survey/settings.py of the package).
CSV_DIRECTORY = BASE_DIR / "csv"
TEX_DIRECTORY = BASE_DIR / "tex"
USER_DID_NOT_ANSWER = "Left blank"
CHOICES_SEPARATOR = ","
EXCEL_COMPATIBLE_CSV = False
DEFAULT_SURVEY_PUBLISHING_DURATION = 7
