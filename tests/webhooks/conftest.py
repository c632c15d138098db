"""The reminder tests' fixtures: the ladder, the SMTP server on loopback, real Celery workers."""

from tests.notifications.conftest import ladder, smtp_server, start_worker  # noqa: F401
