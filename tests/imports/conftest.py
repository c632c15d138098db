"""The import tests' fixtures: a real Celery worker for the files that go to it."""

from tests.notifications.conftest import smtp_server, start_worker  # noqa: F401
