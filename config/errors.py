"""Missing pages: the app's own page for people, DRF's JSON shape for API clients.

A URL under /api/ that matches no route (``/api/v1/imports/<not a number>/confirm/``) never
reaches DRF, so Django's handler answers it; API clients and the schema expect JSON there too.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found


def not_found(request, exception):
    # An API client: its path, its token (a URL whose "../" left /api/ is still a client's), or
    # the JSON it asks for. Browsers send none of these.
    if (
        request.path.startswith("/api/")
        or request.headers.get("Authorization", "").startswith(("Token ", "Bearer "))
        or "application/json" in request.headers.get("Accept", "")
    ):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)
