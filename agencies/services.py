"""Writes on officials that are not about tasks."""

from __future__ import annotations

import hashlib
import secrets

from agencies.models import Official


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def official_calendar_token_reset(*, official: Official) -> str:
    """Issue a new secret for the official's calendar feeds and return it (shown once).

    The old address stops working at once: only the hash of the newest secret is kept.
    """
    token = secrets.token_urlsafe(32)
    official.calendar_token_hash = calendar_token_hash(token)
    official.save(update_fields=["calendar_token_hash"])
    return token


def official_calendar_token_revoke(*, official: Official) -> None:
    """Switch the official's calendar feeds off."""
    official.calendar_token_hash = ""
    official.save(update_fields=["calendar_token_hash"])
