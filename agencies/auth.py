"""The signed-in official of a request, typed for the checker.

Views that require a login (``login_required``, ``IsAuthenticated``) know ``request.user`` is an
``Official``; Django types it as ``Official | AnonymousUser``. This says so once, at the door.
"""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from rest_framework.request import Request

from agencies.models import Official


def official_of(request: HttpRequest | Request) -> Official:
    """The official behind a request a login check already let through (no check here)."""
    return cast(Official, request.user)
