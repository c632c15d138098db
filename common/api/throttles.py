"""Rate limits that fail open when the shared cache they count in is down."""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from common.cache import CACHE_ERRORS
from common.client import client_address


class FailOpenThrottleMixin(SimpleRateThrottle):
    """Rate limits count in the shared cache (Redis); when it is down the API keeps answering
    rather than failing every request with a 500 (found by tests/reliability/test_faults.py).
    Brute force stays blocked meanwhile: django-axes counts failed logins in the database.

    The caller's address is ``common.client.client_address`` (TRUSTED_PROXIES), the one the
    lockout counts too, never an address the client writes into X-Forwarded-For itself."""

    def get_ident(self, request) -> str:
        return client_address(request)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS:
            return True


class FailOpenAnonRateThrottle(FailOpenThrottleMixin, AnonRateThrottle):
    pass


class FailOpenUserRateThrottle(FailOpenThrottleMixin, UserRateThrottle):
    pass
