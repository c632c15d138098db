"""Every filter of every list endpoint, called with valid values from the demo seed, as each
role: no 5xx, no refusal of a valid value, and rows that match what was asked for.

Found missing by a hostile review: ``/officials/?agency=MPS``, ``/agencies/?parent=GO`` and
``/directives/?issuing_agency=GO`` answered 500 for any valid code, and the fuzzer could not
find it (its random codes are refused before the query runs). ``valid_values`` derives the
values from the schema, the FilterSets and the data, so a new endpoint or filter is swept too.
"""

from __future__ import annotations

import io
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.core.management import call_command

from agencies.models import Official
from tests.api.conftest import client_for
from tests.reliability.valid_values import COMPANIONS, all_rows, check_rows, list_endpoints, values_by_path

#: One login per role from the seed, and a province's focal point (it coordinates, leads little).
SEED_LOGINS = {
    "admin": "admin",
    "monitor": "gov.monitor",
    "focal point": "mps.focal",
    "leader": "mps.leader",
    "province focal point": "hanoi.focal",
}


@pytest.fixture
def seeded(postgres):
    call_command("seed_demo", stdout=io.StringIO())


def sweep(user) -> tuple[Counter, list[str]]:
    """Call each filter alone with each of its valid values, then all of them at once."""
    client = client_for(user)
    client.raise_request_exception = False  # a 500 is counted and reported, not raised
    answers: Counter = Counter()
    wrong: list[str] = []

    def get(path: str) -> dict:
        response = client.get(path)
        answers[response.status_code // 100 * 100] += 1
        if response.status_code != 200:
            wrong.append(f"{path} -> {response.status_code} {response.content[:300]!r}")
            return {"results": [], "rows": [], "next": None}
        return response.json()

    def occurrences(task_id: int) -> list[dict]:
        return get(f"/api/v1/tasks/{task_id}/occurrences/?page_size=200")["results"]

    endpoints = list_endpoints()
    for endpoint in endpoints:
        endpoint.rows = all_rows(get, endpoint)
    by_path = values_by_path(endpoints, user)
    for endpoint in endpoints:
        values = by_path[endpoint.path]
        for name, choices in values.items():
            found = 0
            for value in choices:
                companion = COMPANIONS.get((name, value))
                query = {name: value, **({companion: values[companion][0]} if companion else {})}
                body = get(f"{endpoint.path}?{urlencode(query)}")
                rows = endpoint.rows_of(body)
                found += len(rows)
                problems = check_rows(endpoint, name, value, rows, occurrences)
                wrong += [f"{endpoint.path}: {w}" for w in problems]
            if endpoint.rows and not found:
                wrong.append(f"{endpoint.path}: no value of {name} ({choices}) found any of the rows shown")
        together = {name: choices[0] for name, choices in values.items()}
        get(f"{endpoint.path}?{urlencode(together)}")
        if endpoint.rows_key == "results" and endpoint.filterset_class is not None:
            first = get(f"{endpoint.path}?page_size=2")
            if first.get("next"):
                get(first["next"].split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    return answers, wrong


def test_every_filter_of_every_list_with_valid_values_as_every_role(seeded, record):
    totals: Counter = Counter()
    wrong = []
    for role, username in SEED_LOGINS.items():
        answers, found = sweep(Official.objects.get(username=username))
        totals += answers
        wrong += [f"[{role}] {w}" for w in found]
    record(
        sweep="valid values from the seed, every filter of every list endpoint",
        roles=list(SEED_LOGINS),
        requests=sum(totals.values()),
        answers={str(k): v for k, v in sorted(totals.items())},
    )
    assert totals[500] == 0
    assert not wrong, "\n".join(wrong[:40])
