"""Whole JSON answers kept in the shared cache, for the reads many callers repeat."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request

from common.api.renderers import ORJSONRenderer
from common.cache import generation_cached


def cached_json(
    request: Request, *, namespace: str, scope: str, seconds: int, generation_key: str, compute
) -> HttpResponse:
    """``compute()``'s data as JSON, kept in the shared cache as the bytes sent (see
    ``common.cache.generation_cached``) for ``seconds``. ``scope`` names who may share the
    answer (callers who see the same rows); the key also holds today's date in Hanoi (the
    default ``as_of``), the whole URL (filters, cursor, page size, host) and the generation
    ``generation_key``. ``compute`` validates the query itself: a URL that fails raises before
    anything is cached, so a repeated one need not be validated, counted or serialised again."""
    fingerprint = f"{scope}|{timezone.localdate().isoformat()}|{request.build_absolute_uri()}"
    body = generation_cached(
        f"{namespace}:json",
        fingerprint,
        seconds,
        lambda: ORJSONRenderer().render(compute()),
        generation_key=generation_key,
    )
    return HttpResponse(body, content_type=ORJSONRenderer.media_type)
