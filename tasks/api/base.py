"""What every API view shares: unknown query parameters refused, ETag and If-Match."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from tasks.api.exceptions import PreconditionFailed
from tasks.api.pagination import KeysetPagination
from tasks.api.renderers import ORJSONRenderer
from tasks.selectors import CACHE_ERRORS, generation_cached


class StrictQueryMixin:
    """Refuse query parameters the endpoint does not know, so that a misspelt filter is a 400
    naming it rather than a silently unfiltered list.

    A list accepts its FilterSet's fields plus ``cursor`` and ``page_size``; other actions
    accept what ``extra_query_params`` names for them.
    """

    extra_query_params: dict[str, tuple[str, ...]] = {}

    def allowed_query_params(self) -> set[str]:
        allowed = set(self.extra_query_params.get(getattr(self, "action", None) or "", ()))
        if self.is_paginated_action():
            pagination = KeysetPagination
            allowed |= {pagination.cursor_query_param, pagination.page_size_query_param}
            filterset_class = self.filterset_for_action()
            if filterset_class is not None:
                allowed |= set(filterset_class.base_filters)
        return allowed

    def is_paginated_action(self) -> bool:
        return getattr(self, "action", None) == "list"

    def filterset_for_action(self):
        return getattr(self, "filterset_class", None)

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        params = request.query_params
        allowed = self.allowed_query_params()
        errors = {}
        for name in params:
            if name not in allowed:
                errors[name] = [_("Unknown query parameter.")]
            elif any("\x00" in value for value in params.getlist(name)):
                errors[name] = [_("Null characters are not allowed.")]
        if errors:
            raise ValidationError(errors)


def cached_json(request: Request, *, namespace: str, scope: str, seconds: int, compute) -> HttpResponse:
    """``compute()``'s data as JSON, kept in the shared cache as the bytes sent (see
    ``generation_cached``) for ``seconds``. ``scope`` names who may share the answer (callers
    who see the same tasks); the key also holds today's date in Hanoi (the default ``as_of``)
    and the whole URL (filters, cursor, page size, host). ``compute`` validates the query
    itself: a URL that fails raises before anything is cached, so a repeated one need not be
    validated, counted or serialised again."""
    fingerprint = f"{scope}|{timezone.localdate().isoformat()}|{request.build_absolute_uri()}"
    body = generation_cached(
        f"{namespace}:json", fingerprint, seconds, lambda: ORJSONRenderer().render(compute())
    )
    return HttpResponse(body, content_type=ORJSONRenderer.media_type)


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request, body_version: int | None, current: int | None = None) -> int | None:
    """The version the caller says it edited: ``If-Match`` if sent, else ``version`` in the body.

    ``If-Match: *`` (or neither) means "whatever is stored". Otherwise the header must hold the
    current ETag, compared strongly (RFC 9110, 13.1.1): any other list of tags, a weak one, or
    one that is not an entity tag at all fails the precondition (412), never a 400. The
    service compares the version again under its row lock.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return body_version
    if current is not None and etag(current) in (tag.strip() for tag in header.split(",")):
        return current
    raise PreconditionFailed()


class FailOpenThrottleMixin:
    """Rate limits count in the shared cache (Redis); when it is down the API keeps answering
    rather than failing every request with a 500 (found by tests/reliability/test_faults.py).
    Brute force stays blocked meanwhile: django-axes counts failed logins in the database."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS:
            return True


class FailOpenAnonRateThrottle(FailOpenThrottleMixin, AnonRateThrottle):
    pass


class FailOpenUserRateThrottle(FailOpenThrottleMixin, UserRateThrottle):
    pass
