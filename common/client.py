"""The address a request came from, as the rate limits and the login lockout count it."""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str:
    """``REMOTE_ADDR``, unless ``TRUSTED_PROXIES`` proxies stand in front of the app: then the
    address the outermost of them saw, the N-th entry of ``X-Forwarded-For`` from the right.

    Anything further left was written by the client and proves nothing: trusting it let one
    client spray passwords across usernames with a new "address" on every request. With no
    trusted proxy (the default) the header is ignored altogether.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return remote
    return entries[-min(proxies, len(entries))]
