"""Settings shared by every environment; everything that differs comes from the environment."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django_prometheus",
    "agencies",
    "tasks",
    "tasks.intake",
    "notifications",
    "webhooks",
    "imports",
    "ops",
]

MIDDLEWARE = [
    "ops.requestid.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
# Queries counted per engine for the metrics (django-prometheus wraps the stock backends).
_PROMETHEUS_ENGINES = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}
DATABASES["default"]["ENGINE"] = _PROMETHEUS_ENGINES.get(
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.Official"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Vietnamese first: the Government Office works in Vietnamese; English is complete.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as people write them: 31/05/2025 on Vietnamese pages, 31 May 2025 on English ones
# (config/formats/<lang>/formats.py); templates say |date or |date:"DATETIME_FORMAT".
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
# Deadlines fall at the end of their day in Hanoi; every local date is taken in this zone.
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
# Files per progress report, for the web form and the API alike (tasks.services.evidence_check).
EVIDENCE_MAX_FILES = int(os.environ.get("EVIDENCE_MAX_FILES", "10"))
# Tasks one export of the task list may hold. A file is built while the person waits; at national
# scale a filter left open would build a million rows in memory and outlive the worker's timeout
# (~700 XLSX rows/s, ~2,000 CSV rows/s at 1,000,000 tasks: docs/benchmarks.md). Larger lists are
# refused with advice to narrow them; the API pages through any number.
EXPORT_MAX_ROWS = int(os.environ.get("EXPORT_MAX_ROWS", "10000"))
# Checking an evidence PDF's signatures (docs/signatures.md) runs in a child process with these
# bounds: a signed 10-page report takes ~0.1 s, so a file that needs 10 s is hostile or broken.
SIGNATURE_CHECK_SECONDS = float(os.environ.get("SIGNATURE_CHECK_SECONDS", "10"))
SIGNATURE_CHECK_MEMORY_BYTES = int(os.environ.get("SIGNATURE_CHECK_MEMORY_MB", "512")) * 1024 * 1024

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- email -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
# Django's default is no timeout at all: a hung SMTP server would hang the sender forever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Five Clear <no-reply@fiveclear.gov.vn>")
EMAIL_MESSAGE_ID_DOMAIN = os.environ.get("EMAIL_MESSAGE_ID_DOMAIN", "fiveclear.gov.vn")

# --- cache -------------------------------------------------------------------
# Shared between processes through Redis in production; the backlog is cached only when the
# cache is shared, since its invalidation (a generation counter) must reach every process.
REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL", os.environ.get("REDIS_URL", ""))
if REDIS_CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
BACKLOG_CACHE_SECONDS = int(os.environ.get("BACKLOG_CACHE_SECONDS", "300" if REDIS_CACHE_URL else "0"))
# Pages of the task API, per caller's visibility, filters and cursor (tasks.api.views).
TASK_LIST_CACHE_SECONDS = int(os.environ.get("TASK_LIST_CACHE_SECONDS", "60" if REDIS_CACHE_URL else "0"))

# --- celery ------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Workers log through LOGGING below (JSON with the request id when LOG_FORMAT=json).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The sweep writes the reminders that are due, then enqueues a send; the periodic send also
# picks up retries whose backoff has run out. Beat running twice is harmless: both are idempotent.
CELERY_BEAT_SCHEDULE: dict = {
    "notifications-sweep": {
        "task": "notifications.sweep",
        "schedule": float(os.environ.get("NOTIFICATIONS_SWEEP_EVERY_SECONDS", "300")),
    },
    "notifications-send": {
        "task": "notifications.send_pending",
        "schedule": float(os.environ.get("NOTIFICATIONS_SEND_EVERY_SECONDS", "60")),
    },
    # New history entries become webhook deliveries within seconds; the sender is enqueued on
    # commit, and the periodic send picks up retries whose backoff has run out.
    "webhooks-dispatch": {
        "task": "webhooks.dispatch",
        "schedule": float(os.environ.get("WEBHOOKS_DISPATCH_EVERY_SECONDS", "5")),
    },
    "webhooks-send": {"task": "webhooks.send", "schedule": 30.0},
    # A reorganisation scheduled for a date applies itself that day (hourly: a missed run is
    # caught up by the next; an applied event is left alone).
    "tasks-reorganisations": {"task": "tasks.apply_due_reorganisations", "schedule": 3600.0},
    # Standing tasks' occurrences are written ahead (hourly: idempotent, and a task assigned or
    # rescheduled gets its occurrences at once from the service; this keeps the horizon moving).
    "tasks-occurrences": {"task": "tasks.occurrences_generate", "schedule": 3600.0},
}

# --- standing tasks ----------------------------------------------------------------------
# Occurrences are written for the periods that begin within this many days, so that each exists
# before its first reminder (10 working days before it is due) falls due.
STANDING_TASKS_HORIZON_DAYS = int(os.environ.get("STANDING_TASKS_HORIZON_DAYS", "45"))

# --- reminders -----------------------------------------------------------------------
# Local time at which a day's reminders fall due.
NOTIFICATIONS_SEND_TIME = os.environ.get("NOTIFICATIONS_SEND_TIME", "08:00")
NOTIFICATIONS_BATCH_SIZE = int(os.environ.get("NOTIFICATIONS_BATCH_SIZE", "200"))
# A big sweep starts up to this many send jobs at once (about the worker's concurrency).
NOTIFICATIONS_PARALLEL_SENDERS = int(os.environ.get("NOTIFICATIONS_PARALLEL_SENDERS", "2"))
# Transient SMTP failures: retry after base * 2^(n-1) seconds, at most the cap, up to N attempts.
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_MAX_ATTEMPTS", "8"))
NOTIFICATIONS_RETRY_BASE_SECONDS = int(os.environ.get("NOTIFICATIONS_RETRY_BASE_SECONDS", "60"))
NOTIFICATIONS_RETRY_MAX_SECONDS = int(os.environ.get("NOTIFICATIONS_RETRY_MAX_SECONDS", "3600"))
# A claimed batch belongs to its sender this long; longer than the Celery hard time limit,
# so that rows are taken back only from a sender that is surely dead.
NOTIFICATIONS_CLAIM_LEASE_SECONDS = int(os.environ.get("NOTIFICATIONS_CLAIM_LEASE_SECONDS", "600"))
# A send run stops claiming after this many seconds (below the soft time limit).
NOTIFICATIONS_SEND_TIME_BUDGET = float(os.environ.get("NOTIFICATIONS_SEND_TIME_BUDGET", "200"))
# After an outage the sweep catches up at most this many days.
NOTIFICATIONS_MAX_CATCHUP_DAYS = int(os.environ.get("NOTIFICATIONS_MAX_CATCHUP_DAYS", "31"))
# On PostgreSQL the sweep decides and writes its messages in one SQL statement; off, it decides
# them in Python as it does on SQLite (the same rows, slower: for comparison and as a fallback).
NOTIFICATIONS_SWEEP_IN_SQL = env_bool("NOTIFICATIONS_SWEEP_IN_SQL", True)
# The in-process scheduler of the embedded mode (see dev.py); off unless a settings file turns it on.
NOTIFICATIONS_EMBEDDED_SCHEDULER = False
NOTIFICATIONS_EMBEDDED_INTERVAL_SECONDS = int(
    os.environ.get("NOTIFICATIONS_EMBEDDED_INTERVAL_SECONDS", "300")
)

# --- webhooks (docs/webhooks.md) -----------------------------------------------------------
WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", "10"))
WEBHOOKS_PARALLEL = int(os.environ.get("WEBHOOKS_PARALLEL", "8"))
WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "40"))
# Retry after base * 2^(n-1) seconds, at most the cap: a receiver down for a day is tried hourly.
WEBHOOKS_RETRY_BASE_SECONDS = int(os.environ.get("WEBHOOKS_RETRY_BASE_SECONDS", "10"))
WEBHOOKS_RETRY_MAX_SECONDS = int(os.environ.get("WEBHOOKS_RETRY_MAX_SECONDS", "3600"))
WEBHOOKS_GIVE_UP_AFTER_HOURS = int(os.environ.get("WEBHOOKS_GIVE_UP_AFTER_HOURS", "72"))
WEBHOOKS_CLAIM_LEASE_SECONDS = int(os.environ.get("WEBHOOKS_CLAIM_LEASE_SECONDS", "120"))
WEBHOOKS_SEND_TIME_BUDGET = float(os.environ.get("WEBHOOKS_SEND_TIME_BUDGET", "50"))
WEBHOOKS_COMMIT_LAG_SECONDS = int(os.environ.get("WEBHOOKS_COMMIT_LAG_SECONDS", "600"))
WEBHOOKS_SECRET_OVERLAP_HOURS = int(os.environ.get("WEBHOOKS_SECRET_OVERLAP_HOURS", "24"))

# --- REST API ----------------------------------------------------------------
# Proxies in front of the app that append the address they saw to X-Forwarded-For. None by
# default: the connection's address counts, and a client-written X-Forwarded-For is ignored
# (common.client.client_address, used by the rate limits and the login lockout).
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.KeysetPagination",
    "DEFAULT_RENDERER_CLASSES": ["common.api.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["common.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "common.api.schema.FiveClearAutoSchema",
    "EXCEPTION_HANDLER": "common.api.exceptions.api_exception_handler",
    # No ?format=: JSON is the only representation, and the parameter would be one more
    # query parameter that the strict lists must refuse.
    "URL_FORMAT_OVERRIDE": None,
    # Our throttles read common.client.client_address; DRF's own rule is kept in step.
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_CLASSES": [
        "common.api.throttles.FailOpenAnonRateThrottle",
        "common.api.throttles.FailOpenUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "2000/minute"),
    },
}
# API tokens (django-rest-knox): stored as hashes, each with an expiry; a new one per request
# for a token, so that each can be revoked alone (logout, /api/v1/auth/tokens/, the admin),
# and all of an official's at once when their password changes (agencies.models.Official).
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=int(os.environ.get("API_TOKEN_TTL_HOURS", str(30 * 24)))),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Five Clear API",
    "DESCRIPTION": "Tasks of government directives with their five clears: person, task, "
    "deadline, result, responsibility.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "tasks.choices.TaskStatus",
        "TimelinessEnum": "tasks.choices.Timeliness",
        "AgencyKindEnum": "agencies.choices.AgencyKind",
        "DirectiveKindEnum": "tasks.choices.DirectiveKind",
        "VerdictEnum": "signatures.choices.Verdict",
    },
}

# --- security ----------------------------------------------------------------
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours: a quarter of an hour locked out after repeated failures
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The same address as the rate limits (TRUSTED_PROXIES); without this, axes would use
# django-ipware if it were ever installed, which trusts X-Forwarded-For as the client sends it.
AXES_CLIENT_IP_CALLABLE = "common.client.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- operations: logs, metrics, error reports (docs/operations.md) ---------------------------
# LOG_FORMAT=json writes one JSON object per line with the request id (ops.requestid), which is
# also carried into the jobs a request starts.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # pyHanko logs every failed check of a hostile or edited PDF with a traceback; the
        # verdict is stored and shown (signatures.validation), so only its errors are logged.
        "pyhanko": {"level": "ERROR"},
        "pyhanko_certvalidator": {"level": "ERROR"},
    },
}
# /metrics: for a scraper with this bearer token, or from these networks (default: this machine).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
# Errors go to a Sentry-compatible service (Sentry, GlitchTip, ...) when its DSN is set.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
