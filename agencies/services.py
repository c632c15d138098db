"""Writes on officials that are not about tasks."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from knox.models import AuthToken

from agencies.models import Agency, Official


def agency_upsert(*, row: Mapping[str, Any]) -> tuple[Agency, bool]:
    """An agency of a fixture file (the demo seed, the 2025 replay), created or brought up to
    date by its code; the parent is left to the caller, which may not have read it yet.
    Returns the agency and whether it was created."""
    defaults: dict[str, Any] = {
        "name_vi": row["name_vi"],
        "name_en": row["name_en"],
        "kind": row["kind"],
        "email": row.get("email", ""),
    }
    if row.get("valid_from"):
        defaults["valid_from"] = dt.date.fromisoformat(row["valid_from"])
    return Agency.objects.update_or_create(code=row["code"], defaults=defaults)


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


def api_token_create(*, official: Official) -> tuple[AuthToken, str]:
    """A new API token for the official, valid for REST_KNOX's TOKEN_TTL; the secret is
    returned once and only its hash is kept."""
    return AuthToken.objects.create(user=official)


def api_token_revoke(*, official: Official, key: str) -> None:
    """Revoke one of the official's own tokens, named by its key (the secret's first
    characters); AuthToken.DoesNotExist when the official has none by that key."""
    deleted, _ = AuthToken.objects.filter(user=official, token_key=key).delete()
    if not deleted:
        raise AuthToken.DoesNotExist
