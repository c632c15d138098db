"""Error answers: the app's own pages for people, DRF's JSON shape for API clients.

A request that never reaches DRF (a URL under /api/ that matches no route, an id whose "../"
left /api/, a refused CSRF check, a bad request) is answered by Django's handlers; an API client
(its path, its token, or the JSON it asks for: browsers send none of these) gets JSON there too.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import csrf, defaults


def _api_client(request) -> bool:
    """Anyone but a person's browser: a browser asks for pages with ``text/html`` in its
    ``Accept``; an API client sends a token, asks for JSON, or accepts anything (``*/*``, as
    curl and HTTP libraries do), and may have reached a path outside /api/ (an id holding
    "../" or a line break is normalised or routed away before Django sees it). A request that
    names no ``Accept`` at all is taken as a page's."""
    accept = request.headers.get("Accept", "")
    return (
        request.path.startswith("/api/")
        or request.headers.get("Authorization", "").startswith(("Token ", "Bearer "))
        or "application/json" in accept
        or (bool(accept) and "text/html" not in accept)
    )


def not_found(request, exception):
    if _api_client(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def forbidden(request, exception):
    if _api_client(request):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return defaults.permission_denied(request, exception)


def bad_request(request, exception):
    if _api_client(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return defaults.bad_request(request, exception)


def csrf_failure(request, reason=""):
    if _api_client(request):
        return JsonResponse({"detail": _("CSRF check failed: %(reason)s") % {"reason": reason}}, status=403)
    return csrf.csrf_failure(request, reason=reason)
