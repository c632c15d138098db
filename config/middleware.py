"""Turn a lost database connection into a clear, honest answer instead of a bare 500."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


class DatabaseUnavailableMiddleware:
    """A request whose database connection dropped (server restarted, connection terminated)
    gets a 503 saying so: each change is one transaction, so a change that failed this way
    was rolled back; Retry-After tells clients to try again. Found by tests/reliability."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        message = _(
            "The connection to the database was lost while handling your request, so nothing was "
            "saved. Please try again in a moment."
        )
        response: HttpResponse
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            response = JsonResponse({"detail": message}, status=503)
        else:
            # rendered without the request: its user and session would need the lost database
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = "5"
        return response
