"""A request id for every request, carried into the log lines it causes and the jobs it starts.

An operator who sees an error in a worker's log can find the request that enqueued the job:
the id travels in the Celery message's headers (set when the job is published from inside a
request or another job) and is put back in place when the job runs.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery import signals

HEADER = "X-Request-ID"
_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# A caller's own id is kept if it looks like one (a proxy's, say); anything else is replaced,
# so a log line never carries what a client chose to write into it.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current() -> str:
    return _current.get()


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost middleware: sets the id before anything logs, and answers it in a header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if _ACCEPTABLE.match(given) else new_id()
        token = _current.set(request_id)
        try:
            request.request_id = request_id
            response = self.get_response(request)
            response[HEADER] = request_id
            return response
        finally:
            _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record, empty outside a request or job."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


def _on_publish(headers=None, **_kwargs) -> None:
    request_id = _current.get()
    if request_id and headers is not None and "request_id" not in headers:
        headers["request_id"] = request_id


def _on_prerun(task=None, **_kwargs) -> None:
    # An eager job runs inside the request that called it and keeps that request's id.
    if task is None or task.request.is_eager:
        return
    _current.set(task.request.get("request_id") or "")


def _on_postrun(task=None, **_kwargs) -> None:
    if task is not None and not task.request.is_eager:
        _current.set("")


def connect_celery_signals() -> None:
    signals.before_task_publish.connect(_on_publish, weak=False, dispatch_uid="ops.request_id.publish")
    signals.task_prerun.connect(_on_prerun, weak=False, dispatch_uid="ops.request_id.prerun")
    signals.task_postrun.connect(_on_postrun, weak=False, dispatch_uid="ops.request_id.postrun")
