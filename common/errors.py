"""Why a service refused, and what that means over HTTP: the one mapping that the web pages,
the API and intake all use.

A service raises a ``ServiceError`` subclass (each app names its own, e.g. ``tasks.errors``)
or Django's ``ValidationError`` with field-level messages; ``refusal_for`` turns any of them
into a ``Refusal``: the status code, a stable machine code, the message the user reads and,
for invalid input, the messages by field. The API's exception handler renders a refusal as
JSON; the web views put it on the form and answer with its status.

| refusal | status |
| --- | --- |
| ``Forbidden`` (the role or agency may not) | 403 |
| ``Conflict`` (not in this state) | 409 |
| ``PreconditionFailed`` (someone else changed it since the caller read it) | 412 |
| ``ValidationError`` (bad input, by field) | 400 |
| ``ObjectDoesNotExist`` (nothing the caller may see) | 404 |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _


class ServiceError(Exception):
    """A refusal with a reason the user can read (already translated when raised)."""

    status = 400
    code = "refused"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Forbidden(ServiceError):
    """The actor's role or organisation does not allow this action (HTTP 403)."""

    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    """The object's state does not allow this action now (HTTP 409)."""

    status = 409
    code = "conflict"


class PreconditionFailed(ServiceError):
    """The caller edited an older version than the one stored (HTTP 412)."""

    status = 412
    code = "precondition_failed"


@dataclass(frozen=True)
class Refusal:
    """A refused call as an HTTP answer. ``errors`` is set for invalid input only: the
    messages by field, ``NON_FIELD_ERRORS`` for those about the whole input."""

    status: int
    code: str
    message: str
    errors: dict[str, list[str]] | None = field(default=None)


def refusal_for(exc: BaseException) -> Refusal | None:
    """The HTTP answer to a refused service call, or None for an exception that is not a
    refusal (a bug, a database down): those propagate as errors."""
    if isinstance(exc, ServiceError):
        return Refusal(status=exc.status, code=exc.code, message=exc.message)
    if isinstance(exc, ValidationError):
        errors: dict[str, list[str]] = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        return Refusal(status=400, code="invalid", message=" ".join(exc.messages), errors=errors)
    if isinstance(exc, ObjectDoesNotExist):
        return Refusal(status=404, code="not_found", message=_("Not found."))
    return None
