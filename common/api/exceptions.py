"""One exception handler: each refusal of a service becomes one HTTP status.

- ``ActionNotAllowed`` (the role or agency may not do it): 403
- ``InvalidTransition`` (not in this status): 409
- ``StaleVersion`` (someone else changed the task since the caller read it): 412
- Django ``ValidationError`` (a field-level dict from a service): 400, the same shape as
  DRF's own validation errors (``__all__`` becomes ``non_field_errors``)
- ``ObjectDoesNotExist`` (``task_get_for_user`` found nothing the caller may see): 404

Every error other than a validation error has the body ``{"detail": ..., "code": ...}``;
messages come out in the caller's language (``Accept-Language``), as ``gettext`` ran under it.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from tasks.errors import ActionNotAllowed, InvalidTransition, StaleVersion


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The task's status does not allow this now.")
    default_code = "invalid_transition"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The task was changed by someone else; reload it and try again.")
    default_code = "stale_version"


def validation_error_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
            for name, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def translate(exc: Exception) -> Exception:
    """The DRF exception for a service's (or the ORM's) refusal; others pass unchanged."""
    if isinstance(exc, ActionNotAllowed):
        return exceptions.PermissionDenied(exc.message, code="action_not_allowed")
    if isinstance(exc, InvalidTransition):
        return Conflict(exc.message)
    if isinstance(exc, StaleVersion):
        return PreconditionFailed(exc.message)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(validation_error_detail(exc))
    if isinstance(exc, ObjectDoesNotExist):
        return exceptions.NotFound()
    return exc


def api_exception_handler(exc: Exception, context: dict):
    exc = translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException) and not isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": exc.detail, "code": exc.get_codes()}
    return response
