"""Why a task service refused: the tasks app's names for the refusals of ``common.errors``,
each with its HTTP meaning there (``common.errors.refusal_for``)."""

from django.core.exceptions import ValidationError

from common.errors import Conflict, Forbidden, PreconditionFailed, ServiceError

__all__ = ["ActionNotAllowed", "InvalidTransition", "ServiceError", "StaleVersion", "ValidationError"]


class ActionNotAllowed(Forbidden):
    """The actor's role or agency does not allow this action on this task (HTTP 403)."""

    code = "action_not_allowed"


class InvalidTransition(Conflict):
    """The task's status does not allow this action now (HTTP 409)."""

    code = "invalid_transition"


class StaleVersion(PreconditionFailed):
    """The caller edited an older version of the task than the one stored (HTTP 412)."""

    code = "stale_version"
