"""The OpenAPI schema is the contract: schemathesis generates requests (valid and invalid)
for every operation from /api/schema/ and sends them through the real WSGI application; no
answer may be a 5xx, or undocumented, or break its documented shape."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agencies.choices import ReorganisationKind
from agencies.models import ReorganisationEvent
from imports.services import import_preview
from tasks import services
from tests.api.conftest import make_task, token_for
from tests.factories import AgencyFactory
from webhooks.services import subscription_create

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app(api):
    """The project's WSGI application inside the test's transaction: Django would otherwise
    close the connection (and with it the test transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _token(user) -> str:
    return token_for(user)


def _fuzz(app, headers: dict, examples: int, ids: dict[str, int]) -> list[str]:
    """Every operation of the schema, positive and negative cases; returns the failures.

    (Driven by hand rather than by ``schema.parametrize``: schemathesis' lazy pytest loader
    does not run on pytest 9.)"""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
                if positive and case.path_parameters and "id" in case.path_parameters:
                    # aim valid requests at objects that exist, so that they reach the services
                    case.path_parameters["id"] = ids[case.operation.path.split("/")[3]]
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except (KeyboardInterrupt, SystemExit):
                raise
            except Unsatisfiable:
                if mode == GenerationMode.NEGATIVE:
                    continue  # no parameter and no body (POST auth/logout/): nothing to get wrong
                raise
            except BaseException as exc:  # each operation's failures are collected, then reported
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
    return failures


def _objects(api) -> dict[str, int]:
    """An assigned task with a pending extension request, and a draft; ids by collection."""
    task = make_task(api.world, deadline=dt.date(2026, 5, 31))
    make_task(api.world, assign=False)
    extension = services.extension_request_create(
        actor=api.world.mps_focal, task=task, proposed_deadline=dt.date(2026, 6, 30), reason="More time."
    )
    merge = ReorganisationEvent.objects.create(
        kind=ReorganisationKind.MERGE, effective_on=dt.date(2025, 7, 1), document_number="202/2025/QH15"
    )
    merge.predecessors.set([AgencyFactory(code="THAIBINH")])
    merge.successors.set([AgencyFactory(code="HUNGYEN")])
    subscription, _secret = subscription_create(
        actor=api.world.monitor, url="http://127.0.0.1:9/hook", events=["task.assigned"]
    )
    upload = import_preview(
        actor=api.world.monitor,
        directive=api.world.directive,
        file_name="tasks.csv",
        content="Mã,Nhiệm vụ\nX-1,Hoàn thiện dự thảo Luật\n".encode(),
    )
    return {
        "webhooks": subscription.pk,
        "imports": str(upload.pk),
        "tasks": task.pk,
        "extension-requests": extension.pk,
        "directives": api.world.directive.pk,
        "reorganisations": merge.pk,
    }


def test_api_as_a_monitor(api, wsgi_app):
    headers = {"Authorization": f"Token {_token(api.world.monitor)}", "Accept-Language": "en"}
    failures = _fuzz(wsgi_app, headers, examples=15, ids=_objects(api))
    assert not failures, "\n\n".join(failures)


def test_api_as_a_focal_point(api, wsgi_app):
    headers = {"Authorization": f"Token {_token(api.world.mps_focal)}", "Accept-Language": "vi"}
    failures = _fuzz(wsgi_app, headers, examples=8, ids=_objects(api))
    assert not failures, "\n\n".join(failures)
