"""Settings for the test suite: the database and broker come from the environment."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"  # noqa: S105 (tests only)
DEBUG = False
# tests/bench runs the benchmark at a small size; production does not install it.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"
REST_FRAMEWORK = {**REST_FRAMEWORK}
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/minute", "user": "100000/minute"}

# Each test gets a private in-process cache (see tests/conftest.py), and the backlog and the task
# pages are computed afresh unless a test turns their cache on.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
BACKLOG_CACHE_SECONDS = 0
TASK_LIST_CACHE_SECONDS = 0
