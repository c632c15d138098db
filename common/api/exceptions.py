"""One exception handler: a service's refusal becomes the HTTP answer ``common.errors``
gives it, the same status and message the web pages answer with.

- a ``Forbidden`` refusal (e.g. ``tasks.errors.ActionNotAllowed``): 403
- a ``Conflict`` refusal (e.g. ``InvalidTransition``, not in this status): 409
- a ``PreconditionFailed`` refusal (e.g. ``StaleVersion``, someone else changed it): 412
- Django ``ValidationError`` (a field-level dict from a service): 400, the same shape as
  DRF's own validation errors (``__all__`` becomes ``non_field_errors``)
- ``ObjectDoesNotExist`` (``task_get_for_user`` found nothing the caller may see): 404

Every error other than a validation error has the body ``{"detail": ..., "code": ...}``;
messages come out in the caller's language (``Accept-Language``), as ``gettext`` ran under it.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from common.errors import Refusal, refusal_for


class Refused(exceptions.APIException):
    """A service's refusal as an API error, with the status and code the refusal carries."""

    def __init__(self, refusal: Refusal):
        super().__init__(detail=refusal.message, code=refusal.code)
        self.status_code = refusal.status


def validation_error_detail(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Field errors keyed as DRF keys them (``non_field_errors`` for the whole input)."""
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
        for name, messages in errors.items()
    }


def translate(exc: Exception) -> Exception:
    """The DRF exception for a service's (or the ORM's) refusal; others pass unchanged."""
    refusal = refusal_for(exc)
    if refusal is None:
        return exc
    if refusal.errors is not None:
        return exceptions.ValidationError(validation_error_detail(refusal.errors))
    if refusal.status == 404:
        return exceptions.NotFound()
    return Refused(refusal)


def api_exception_handler(exc: Exception, context: dict):
    exc = translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException) and not isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": exc.detail, "code": exc.get_codes()}
    return response
