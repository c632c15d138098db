"""Schemathesis against the running server: the OpenAPI schema at /api/schema/ generates
valid and invalid requests for every operation, sent over loopback HTTP to gunicorn with the
production settings, as each role in turn (monitor, focal point, leader). No answer may be a
5xx, an undocumented status, or a body that breaks its documented shape.

tests/api/test_schema.py runs the same checks in-process (through WSGI) on every commit; this
one goes through the real server and is sized by FUZZ_EXAMPLES (examples per operation and
generation mode): small in `make test`, thousands of requests in `make fuzz`.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tasks import services
from tests.api.conftest import client_for, token_for
from tests.factories import build_world
from tests.notifications.conftest import make_task
from tests.reliability.valid_values import all_rows, list_endpoints, values_by_path

#: Refused by gunicorn before the request reaches Django (a request line over 4,094 bytes,
#: a header over 8,190): a property of the server in front, not of the API's contract.
REFUSED_BY_THE_SERVER = {414, 431}


@schemathesis.check
def status_code_conformance_behind_gunicorn(ctx, response, case):
    if response.status_code in REFUSED_BY_THE_SERVER and "<title>" in response.text:
        return None
    return status_code_conformance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance_behind_gunicorn,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))


def valid_query_values(user) -> dict[str, dict[str, list[str]]]:
    """Per list path, valid values of its filters as ``user`` sees the data (the sweep's
    ``valid_values``): random values are refused before any query runs, so the fuzzer also
    sends combinations of values that reach the filters' SQL."""
    client = client_for(user)
    endpoints = list_endpoints()
    for endpoint in endpoints:
        endpoint.rows = all_rows(lambda path: client.get(path).json(), endpoint)
    return values_by_path(endpoints, user)


def fuzz(
    base_url: str, headers: dict, ids: dict[str, int], valid: dict[str, dict[str, list[str]]]
) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/", headers=headers)
    sent = 0
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        known = valid.get(operation.path, {}) if operation.method.upper() == "GET" else {}
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] + (["valid values"] if known else [])
        for mode in modes:
            generated = GenerationMode.POSITIVE if mode == "valid values" else mode

            @given(case=operation.as_strategy(generation_mode=generated), data=st.data())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case, data):
                nonlocal sent
                positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
                if positive and case.path_parameters and "id" in case.path_parameters:
                    collection = case.operation.path.split("/")[3]
                    case.path_parameters["id"] = ids.get(collection, case.path_parameters["id"])
                # run() is called at once, inside this iteration: the loop's values are the ones meant
                if mode == "valid values":  # noqa: B023
                    names = data.draw(st.sets(st.sampled_from(sorted(known)), min_size=1, max_size=4))  # noqa: B023
                    case.query = {name: data.draw(st.sampled_from(known[name])) for name in sorted(names)}  # noqa: B023
                sent += 1
                case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

            try:
                run()
            except (KeyboardInterrupt, SystemExit):
                raise
            except Unsatisfiable:
                if mode == GenerationMode.NEGATIVE:
                    continue  # no parameter and no body (POST auth/logout/): nothing to get wrong
                raise
            except BaseException as exc:  # every operation's failures are gathered, then reported
                label = getattr(mode, "value", mode)
                failures.append(f"{operation.method.upper()} {operation.path} ({label}): {exc}"[:3000])
    return sent, failures


@pytest.mark.slow
def test_schemathesis_against_gunicorn_for_every_role(gunicorn, record):
    world = build_world()
    task = make_task(world, code="FZ-1", deadline=dt.date(2031, 5, 31))
    make_task(world, code="FZ-2", deadline=dt.date(2031, 6, 30))
    extension = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2031, 6, 30), reason="Cần thêm thời gian"
    )
    ids = {"tasks": task.pk, "extension-requests": extension.pk, "directives": world.directive.pk}
    server = gunicorn(workers=2)
    base_url = f"http://127.0.0.1:{server.port}"
    totals = {}
    failures = []
    for role, user, language in (
        ("monitor", world.monitor, "en"),
        ("focal point", world.mps_focal, "vi"),
        ("leader", world.mps_leader, "en"),
    ):
        token = token_for(user)
        headers = {"Authorization": f"Token {token}", "Accept-Language": language}
        sent, found = fuzz(base_url, headers, ids, valid_query_values(user))
        totals[role] = sent
        failures += [f"[{role}] {f}" for f in found]
    record(
        hostile="schemathesis over HTTP (gunicorn, production settings)",
        examples_per_operation_and_mode=EXAMPLES,
        requests=totals,
        total=sum(totals.values()),
        failures=len(failures),
    )
    assert not failures, "\n\n".join(failures)
