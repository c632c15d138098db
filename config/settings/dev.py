"""Embedded default for `make run`: SQLite, jobs in-process, email written to files."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, REDIS_URL, env_bool

DEBUG = True
# `make bench` runs `manage.py bench` here; production does not install the benchmark.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-insecure-key-never-in-production"
# Email is written to files (EMAIL_FILE_PATH) unless a server is named: setting EMAIL_HOST
# means "send it there", so it does (EMAIL_BACKEND still wins when set).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
MEDIA_ROOT = BASE_DIR / "var" / "media"
# Serve static files straight from the app folders while developing.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# No Redis, no beat: `runserver` starts a small scheduler thread that sweeps and sends every
# few minutes, so reminders still go out on schedule (to files in EMAIL_FILE_PATH).
# See docs/reminders.md. With REDIS_URL set, run `make worker` and `make beat` instead.
NOTIFICATIONS_EMBEDDED_SCHEDULER = env_bool("NOTIFICATIONS_EMBEDDED_SCHEDULER", not REDIS_URL)
