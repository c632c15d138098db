"""Why a service refused: each kind maps to one HTTP status and one form error."""

from django.core.exceptions import ValidationError  # noqa: F401  (re-exported for callers)


class ServiceError(Exception):
    """A refusal with a reason the user can read (already translated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ActionNotAllowed(ServiceError):
    """The actor's role or agency does not allow this action on this task (HTTP 403)."""


class InvalidTransition(ServiceError):
    """The task's status does not allow this action now (HTTP 409)."""


class StaleVersion(ServiceError):
    """The caller edited an older version of the task than the one stored (HTTP 412)."""
