"""Reads on officials that are not about tasks."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from knox.models import AuthToken

from agencies.models import Official
from agencies.services import calendar_token_hash


def official_for_calendar_token(token: str) -> Official:
    """The active official whose calendar feed secret this is; Official.DoesNotExist if none."""
    if not token:
        raise Official.DoesNotExist
    return Official.objects.select_related("agency").get(
        calendar_token_hash=calendar_token_hash(token), is_active=True
    )


def api_tokens_of(*, official: Official) -> QuerySet[AuthToken]:
    """The official's API tokens that have not expired, newest first."""
    now = timezone.now()
    return (
        AuthToken.objects.filter(user=official)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=now))
        .order_by("-created")
    )
