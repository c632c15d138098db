"""Configuration: production refuses to start unsafely, and CI really runs on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def run_check(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_database_url():
    env = {"DJANGO_SECRET_KEY": "k" * 60}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_production_deploy_check_is_clean():
    result = run_check(
        {
            "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x9Z!" * 12,
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/fiveclear",
            "DJANGO_ALLOWED_HOSTS": "fiveclear.gov.vn",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    if os.environ.get("REQUIRE_SERVICES") == "1":
        assert connection.vendor == "postgresql"
    else:
        assert connection.vendor in {"postgresql", "sqlite"}


def _dev_send(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Send one email from a fresh process under the development settings."""
    code = (
        "import django; django.setup()\n"
        "from django.core.mail import send_mail\n"
        "send_mail('Thử', 'body', 'a@fiveclear.gov.vn', ['b@fiveclear.gov.vn'])\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dev_settings_send_over_smtp_when_email_host_is_set(tmp_path):
    """Setting EMAIL_HOST means "send to that server": the development settings did not, and
    wrote the message to a file without a word."""
    from tests.notifications.conftest import SmtpServer, wait_for

    server = SmtpServer()
    server.start()
    try:
        result = _dev_send(tmp_path, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(server.port))
        assert result.returncode == 0, result.stderr[-2000:]
        wait_for(lambda: server.handler.messages, timeout=10, what="the message at the SMTP server")
    finally:
        server.stop()
    assert server.handler.messages[0]["Subject"] == "Thử"
    assert not (tmp_path / "mail").exists()


def test_dev_settings_without_email_host_write_files(tmp_path):
    result = _dev_send(tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(list((tmp_path / "mail").iterdir())) == 1
