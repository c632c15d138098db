"""Reads on officials that are not about tasks."""

from __future__ import annotations

from agencies.models import Official
from agencies.services import calendar_token_hash


def official_for_calendar_token(token: str) -> Official:
    """The active official whose calendar feed secret this is; Official.DoesNotExist if none."""
    if not token:
        raise Official.DoesNotExist
    return Official.objects.select_related("agency").get(
        calendar_token_hash=calendar_token_hash(token), is_active=True
    )
