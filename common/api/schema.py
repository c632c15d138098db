"""OpenAPI: every operation lists the errors it can answer with, not only its success.

The error responses are added here once (400, 401, 403, 429 everywhere; 404 where the path
names an object) rather than repeated on every view; the views add 409 and 412 where a
service can refuse for a status or a stale version.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the caller's language."))
    code = serializers.CharField(help_text=_("A stable machine-readable code."))


VALIDATION_ERROR = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_(
        "Invalid input: an object whose keys are the fields (or query parameters) at fault, "
        "each with its messages; `non_field_errors` for the whole request; or `detail` and "
        "`code` for a body that could not be read."
    ),
)


def error(description) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


COMMON_ERRORS = {
    "400": VALIDATION_ERROR,
    "401": error(_("No credentials, or invalid ones.")),
    "403": error(_("Your role or agency may not do this.")),
    "429": error(_("Too many requests; retry later.")),
}
NOT_FOUND = error(_("No such object, or not one you may see."))
CONFLICT = error(_("The task's status does not allow this now."))
STALE = error(_("The version you sent (If-Match or `version`) is not the current one; nothing changed."))


class FiveClearAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        extra = dict(COMMON_ERRORS)
        if "{" in self.path:
            extra["404"] = NOT_FOUND
        for code, response in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
