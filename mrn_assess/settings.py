"""Settings for MRN Assess, read from environment variables only (see .env.example)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = env_bool("MRN_TESTING", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production-0123456789abcdef"
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (50+ random characters) or set DJANGO_DEBUG=true "
            "for local development."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "capabilities",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "capabilities.middleware.SessionRefreshMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "capabilities.two_factor.TwoFactorMiddleware",
    "capabilities.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mrn_assess.urls"
WSGI_APPLICATION = "mrn_assess.wsgi.application"

# Django's form renderer with the plain widgets written in Python (capabilities/renderers.py).
FORM_RENDERER = "capabilities.renderers.LeanFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "capabilities.context_processors.roles",
            ],
        },
    },
]

# SQLite by default (zero set-up); PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# The matrix GROUP BY is short: PostgreSQL's JIT compilation costs more than it saves there
# (docs/benchmarks.md). Set DATABASE_PG_JIT=true to let the server decide.
_postgres = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if _postgres and not env_bool("DATABASE_PG_JIT", False):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "capabilities.auth.ModelBackend",  # refuses the demo password unless DEBUG is on
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Two-factor sign-in (capabilities.two_factor, django-otp): always for analysts and
# administrators; for everyone when this is on (country users may turn it on for themselves).
MRN_REQUIRE_2FA_FOR_ALL = env_bool("MRN_REQUIRE_2FA_FOR_ALL", False)
OTP_TOTP_ISSUER = "MRN Assess"
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_TOTP_THROTTLE_FACTOR = 1

# The client's address behind this many trusted reverse proxies (nginx in front: 1), read from the
# right of X-Forwarded-For (capabilities.throttle.client_ip). 0: REMOTE_ADDR, no proxy.
MRN_TRUSTED_PROXY_COUNT = env_int("MRN_TRUSTED_PROXY_COUNT", 0)
# Login throttling (django-axes): lock a username *and* client address together after repeated
# failures, so that wrong passwords from one client never lock the user out elsewhere.
AXES_CLIENT_IP_CALLABLE = "capabilities.throttle.client_ip"
AXES_FAILURE_LIMIT = env_int("MRN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("MRN_LOGIN_THROTTLING", True)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
# Dates in each language's own short form ("3 Dec 2026", "3 déc. 2026"): mrn_assess/formats/.
FORMAT_MODULE_PATH = ["mrn_assess.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# plotly.min.js is served from the installed plotly package: the exact plotly.js version that
# plotly.py emits figures for, and no 4.8 MB copy in the repository.
import plotly  # noqa: E402

STATICFILES_DIRS: list[Path | tuple[str, Path]] = [
    BASE_DIR / "static",
    ("vendor/plotly", Path(plotly.__file__).parent / "package_data"),
]
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads: the survey importer accepts CSV/XLSX up to this size.
MRN_MAX_UPLOAD_BYTES = env_int("MRN_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MRN_MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MRN_MAX_UPLOAD_BYTES

# Mail-sending forms (capabilities.throttle, counted in the database): password reset links per
# address and requests per client address in an hour; invitations a focal point sends in an hour.
MRN_RESET_MAILS_PER_ADDRESS = env_int("MRN_RESET_MAILS_PER_ADDRESS", 3)
MRN_RESET_REQUESTS_PER_IP = env_int("MRN_RESET_REQUESTS_PER_IP", 20)
MRN_INVITATIONS_PER_HOUR = env_int("MRN_INVITATIONS_PER_HOUR", 30)
# Heavy work (PDF reports built in the request): at most this many at once per person.
MRN_HEAVY_PER_USER = env_int("MRN_HEAVY_PER_USER", 1)
MRN_HEAVY_TIMEOUT = env_int("MRN_HEAVY_TIMEOUT", 120)  # seconds before a crashed slot frees itself

# Scoring: aggregate cells built from fewer than this many countries are suppressed.
MRN_MIN_CELL = env_int("MRN_MIN_CELL", 5)

# Cache (reports/cohorts.py keeps cycle aggregates in it, keyed by the cycle's last change):
# local memory per process by default; MRN_CACHE_URL=db:// for the database table "mrn_cache"
# (run `manage.py createcachetable` once), or redis://host:6379/0 for Redis (needs redis-py).
MRN_CACHE_URL = os.environ.get("MRN_CACHE_URL", "").strip()
MRN_CACHE_SECONDS = env_int("MRN_CACHE_SECONDS", 600)
if MRN_CACHE_URL == "":
    _cache: dict[str, object] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
elif MRN_CACHE_URL == "db://":
    _cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "mrn_cache"}
elif MRN_CACHE_URL.startswith(("redis://", "rediss://")):
    _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": MRN_CACHE_URL}
else:
    raise ImproperlyConfigured(
        f"MRN_CACHE_URL must be empty (local memory), db:// or redis://…, not {MRN_CACHE_URL!r}"
    )
CACHES = {"default": {**_cache, "TIMEOUT": MRN_CACHE_SECONDS, "KEY_PREFIX": "mrn"}}
# Demo logins (password "demo") may only exist when DEBUG is on.
MRN_DEMO_PASSWORD = "demo"

# Sessions expire after inactivity (default 8 hours) and at browser close. The expiry slides:
# capabilities.middleware.SessionRefreshMiddleware saves the session again when it was last saved
# more than MRN_SESSION_REFRESH_SECONDS ago (not at every request: a write per page view cost
# three queries on every page).
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = False
MRN_SESSION_REFRESH_SECONDS = env_int("MRN_SESSION_REFRESH_SECONDS", 300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # autosave script reads the token from the form field, not the cookie
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Behind a TLS proxy in production (docs/deploy.md).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Strict Content Security Policy: no inline script anywhere. Plotly sets inline styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

_email_backend = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or TESTING
    else "django.core.mail.backends.smtp.EmailBackend",
)
_smtp_options = (
    {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": env_int("DJANGO_EMAIL_PORT", 25),
        "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
    }
    if _email_backend.endswith("smtp.EmailBackend")
    else {}
)
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _smtp_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "mrn-assess@localhost")
# The address people reach the site at, for links in e-mails sent without a request
# (create_cycle, send_reminders). No trailing slash.
MRN_SITE_URL = os.environ.get("MRN_SITE_URL", "http://localhost:8000").rstrip("/")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("MRN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
