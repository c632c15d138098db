"""Lists: every task filter, 400s for bad parameters, keyset pages that cover every row once
in every ordering, and the number of SQL queries pinned per endpoint, the same for page sizes
10 and 100 and for a later page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import services
from tasks.choices import Recurrence, ResultKind, TaskField
from tests.api.conftest import make_task
from tests.factories import DirectiveFactory

AS_OF = "2025-06-01"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def tasks(api):
    """Four tasks that each filter tells apart."""
    world = api.world
    other_directive = DirectiveFactory(
        number="73/TB-VPCP", issued_on=dt.date(2025, 3, 1), issuing_agency=world.go
    )
    law = make_task(world)  # MPS leads, MIC coordinates, due 31/05/2025: overdue on 1/6
    portal = services.task_create(
        actor=world.monitor,
        directive=other_directive,
        coordinating_agencies=[world.moj],
        title="Connect the national population database to the public service portal",
        description="All provinces.",
        field=TaskField.DATA,
        lead_agency=world.mic,
        responsible_official=world.mic_focal,
        accountable_leader=world.mic_leader,
        deadline=dt.date(2025, 7, 31),
        result_kind=ResultKind.DELIVERABLE,
        expected_result="Portal connected",
    )
    portal = services.task_assign(actor=world.monitor, task=portal)
    portal = services.task_start(actor=world.mic_focal, task=portal)
    draft = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        title="Hold monthly meetings on Project 06",
        field=TaskField.DIGITAL_TRANSFORMATION,
        lead_agency=world.mps,
        recurrence=Recurrence.MONTHLY,
    )
    submitted = make_task(
        world, coordinating=[], deadline=dt.date(2025, 9, 30), title="Issue the decree on e-ID"
    )
    submitted = services.task_submit(actor=world.mps_focal, task=submitted, result_summary="Decree issued.")
    return {
        "law": law.pk,
        "portal": portal.pk,
        "draft": draft.pk,
        "submitted": submitted.pk,
        "other": other_directive,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lead_agency=MPS", {"law", "draft", "submitted"}),
        ("lead_agency=MIC", {"portal"}),
        ("lead_agency=MIC&lead_agency=MPS", {"law", "portal", "draft", "submitted"}),
        ("agency=MIC", {"law", "portal"}),
        ("agency=MOJ", {"portal"}),
        ("agency=MOJ&agency=MPS", {"law", "draft", "submitted", "portal"}),
        ("status=draft", {"draft"}),
        ("status=in_progress&status=submitted", {"portal", "submitted"}),
        ("field=data", {"portal"}),
        (f"timeliness=in_progress_overdue&as_of={AS_OF}", {"law"}),
        (f"timeliness=in_progress_within_deadline&as_of={AS_OF}", {"portal", "submitted"}),
        ("timeliness=in_progress_overdue&as_of=2025-10-01", {"law", "portal", "submitted"}),
        ("timeliness=completed_on_time", set()),
        ("deadline_after=2025-07-01", {"portal", "submitted"}),
        ("deadline_before=2025-07-31", {"law", "portal"}),
        ("deadline_after=2025-06-01&deadline_before=2025-08-01", {"portal"}),
        ("responsible=t.mic.focal", {"portal"}),
        ("responsible=t.mps.focal", {"law", "submitted"}),
        ("search=population", {"portal"}),
        ("search=56/TB-VPCP-T0", {"law", "draft", "submitted"}),
        ("search=DECREE", {"submitted"}),
    ],
)
def test_every_filter(api, tasks, query, expected):
    response = api.clients["monitor"].get(f"/api/v1/tasks/?{query}")
    assert set(_ids(response)) == {tasks[name] for name in expected}


def test_directive_filter(api, tasks):
    response = api.clients["monitor"].get(f"/api/v1/tasks/?directive={tasks['other'].pk}")
    assert _ids(response) == [tasks["portal"]]


def test_filters_respect_visibility(api, tasks):
    # MOJ coordinates the portal task only; it sees nothing of MPS whatever it asks for
    response = api.clients["other_focal"].get("/api/v1/tasks/?lead_agency=MPS")
    assert _ids(response) == []
    assert _ids(api.clients["other_focal"].get("/api/v1/tasks/")) == [tasks["portal"]]


def test_timeliness_and_as_of_in_rows(api, tasks):
    rows = api.clients["monitor"].get(f"/api/v1/tasks/?as_of={AS_OF}&ordering=id").json()["results"]
    by_id = {row["id"]: row["timeliness"] for row in rows}
    assert by_id[tasks["law"]] == "in_progress_overdue"
    assert by_id[tasks["portal"]] == "in_progress_within_deadline"
    assert by_id[tasks["draft"]] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),
        ("lead_agency=MPS&leadagency=MIC", "leadagency"),
        ("lead_agency=NOPE", "lead_agency"),
        ("lead_agency=mps", "lead_agency"),
        ("agency=MPS&agency=XX", "agency"),
        ("as_of=2025-02-30", "as_of"),
        ("as_of=yesterday", "as_of"),
        ("deadline_after=31/05/2025", "deadline_after"),
        ("deadline_before=2025-13-01", "deadline_before"),
        ("status=finished", "status"),
        ("timeliness=late", "timeliness"),
        ("directive=abc", "directive"),
        ("directive=999999", "directive"),
        ("responsible=nobody", "responsible"),
        ("ordering=title", "ordering"),
        ("page_size=0", "page_size"),
        ("page_size=1000", "page_size"),
        ("page_size=ten", "page_size"),
        ("cursor=not-a-cursor", "cursor"),
        ("search=" + "x" * 501, "search"),
        ("search=a%00b", "search"),
        ("lead_agency=MP%00S", "lead_agency"),
    ],
)
def test_bad_parameters_are_400_naming_them(api, tasks, query, field):
    response = api.clients["monitor"].get(f"/api/v1/tasks/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agencies/?kind=planet",
        "/api/v1/officials/?role=king",
        "/api/v1/directives/?issued_after=someday",
        "/api/v1/reports/backlog/?as_of=2025-02-30",
        "/api/v1/reports/backlog/?lead_agency=NOPE",
        "/api/v1/reports/backlog/?ordering=nonsense",  # version 1 accepts ordering, not any value
        "/api/v1/me/tasks/?bogus=1",
        "/api/v1/agencies/?bogus=1",
    ],
)
def test_other_lists_refuse_bad_parameters(api, path):
    assert api.clients["monitor"].get(path).status_code == 400


def test_detail_refuses_unknown_parameters(api, tasks):
    response = api.clients["monitor"].get(f"/api/v1/tasks/{tasks['law']}/?verbose=1")
    assert response.status_code == 400
    assert "verbose" in response.json()


def test_me_tasks_soonest_first(api, tasks):
    rows = api.clients["lead_focal"].get("/api/v1/me/tasks/").json()["results"]
    assert [row["id"] for row in rows] == [tasks["law"], tasks["submitted"]]
    leader_rows = api.clients["leader"].get("/api/v1/me/tasks/").json()["results"]
    assert [row["id"] for row in leader_rows] == [tasks["law"], tasks["submitted"]]


# --- keyset pages -----------------------------------------------------------------------------


def _walk(client, path: str) -> tuple[list[int], list[str]]:
    """Follow ``next`` from the first page; returns the ids in order and the SQL run."""
    ids, sql = [], []
    while path:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        sql += [q["sql"] for q in captured.captured_queries]
        ids += _ids(response)
        following = response.json()["next"]
        if following:
            parts = urlsplit(following)
            path = f"{parts.path}?{parts.query}"
        else:
            path = None
    return ids, sql


@pytest.fixture
def many_tasks(api):
    """Fourteen tasks: dated ones sharing deadlines (ties broken by id) and undated standing ones."""
    world = api.world
    deadlines = [dt.date(2025, 5, 31)] * 4 + [dt.date(2025, 6, 30)] * 3 + [dt.date(2025, 4, 30)] * 3
    for deadline in deadlines:
        make_task(world, deadline=deadline, coordinating=[])
    for _ in range(4):
        services.task_create(
            actor=world.monitor,
            directive=world.directive,
            title="Hold monthly meetings",
            lead_agency=world.mps,
            recurrence=Recurrence.MONTHLY,
        )
    from tasks.models import Task

    return list(Task.objects.all())


@pytest.mark.parametrize(
    ("ordering", "key", "reverse"),
    [
        ("deadline", lambda t: (t.deadline is None, t.deadline or dt.date.min, t.id), False),
        ("-deadline", lambda t: (t.deadline is None, t.deadline or dt.date.min, t.id), True),
        ("code", lambda t: t.code, False),
        ("-id", lambda t: t.id, True),
        ("-updated_at", lambda t: (t.updated_at, t.id), True),
    ],
)
def test_pages_cover_every_row_once_in_order(api, many_tasks, ordering, key, reverse):
    expected = [t.id for t in sorted(many_tasks, key=key, reverse=reverse)]
    ids, sql = _walk(api.clients["monitor"], f"/api/v1/tasks/?ordering={ordering}&page_size=3")
    assert ids == expected
    text = "\n".join(sql).upper()
    assert " OFFSET " not in text
    assert "COUNT(" not in text


def test_a_cursor_belongs_to_its_ordering(api, many_tasks):
    first = api.clients["monitor"].get("/api/v1/tasks/?page_size=2").json()
    cursor = urlsplit(first["next"]).query.split("cursor=")[1].split("&")[0]
    response = api.clients["monitor"].get(f"/api/v1/tasks/?ordering=code&cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()


# --- query counts -----------------------------------------------------------------------------

#: SQL statements per list request with a token: the token and its user, then the endpoint's own.
QUERIES = {
    "/api/v1/tasks/": 1 + 2,  # the page (timeliness, related codes), coordinating agencies
    # + the code check, + whether a reorganisation moved tasks after the date (the agency of a
    # task as of a date, tasks.selectors.lead_agency_key)
    "/api/v1/tasks/?lead_agency=MPS&timeliness=in_progress_overdue&as_of=2025-06-01": 1 + 1 + 1 + 2,
    "/api/v1/tasks/?ordering=-deadline": 1 + 2,
    "/api/v1/me/tasks/": 1 + 2,
    "/api/v1/directives/": 1 + 1,
    "/api/v1/agencies/": 1 + 1,
    "/api/v1/officials/": 1 + 1,
    # the task through task_get_for_user (with its coordinating agencies), then the rows
    "/api/v1/tasks/{task}/progress-reports/": 1 + 2 + 2,  # reports, their evidence
    "/api/v1/tasks/{task}/extension-requests/": 1 + 2 + 1,
}


@pytest.fixture
def crowd(api):
    """More rows than the largest page: 120 tasks (110 dated copies of two made by the
    services, 10 undated), agencies, officials, directives, reports and extension requests."""
    from agencies.models import Agency, Official
    from tasks.models import Directive, ExtensionRequest, ProgressReport, Task

    world = api.world
    task = make_task(world)
    standing = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        title="Hold monthly meetings",
        lead_agency=world.mps,
        recurrence=Recurrence.MONTHLY,
    )
    through = Task.coordinating_agencies.through
    copies = []
    for i in range(118):
        source = task if i < 109 else standing
        copy = Task.objects.get(pk=source.pk)
        copy.pk = None
        copy.code = f"COPY-{i:03d}"
        if source is task:
            copy.deadline = copy.original_deadline = dt.date(2025, 3, 1) + dt.timedelta(days=i % 40)
        copies.append(copy)
    Task.objects.bulk_create(copies)
    through.objects.bulk_create(
        [through(task_id=c.pk, agency_id=world.mic.pk) for c in copies if c.deadline is not None]
    )
    agencies = Agency.objects.bulk_create(
        [
            Agency(code=f"P{i:03d}", name_vi=f"Tỉnh {i}", name_en=f"Province {i}", kind="province")
            for i in range(120)
        ]
    )
    Official.objects.bulk_create(
        [Official(username=f"p{i:03d}.focal", agency=a, role="focal_point") for i, a in enumerate(agencies)]
    )
    Directive.objects.bulk_create(
        [
            Directive(
                number=f"{100 + i}/TB-VPCP",
                kind="notice",
                title="Notice",
                issued_on=dt.date(2025, 1, 1 + i % 28),
                issuing_agency=world.go,
            )
            for i in range(120)
        ]
    )
    ProgressReport.objects.bulk_create(
        [
            ProgressReport(
                task=task,
                agency=world.mps,
                author=world.mps_focal,
                reported_on=dt.date(2025, 5, 1),
                percent=i % 100,
            )
            for i in range(120)
        ]
    )
    ExtensionRequest.objects.bulk_create(
        [
            ExtensionRequest(
                task=task,
                requested_by=world.mps_focal,
                current_deadline=dt.date(2025, 5, 31),
                proposed_deadline=dt.date(2025, 6, 30),
                reason="More time.",
                status="rejected",
                decided_by=world.monitor,
                decided_at=task.created_at,
            )
            for _ in range(120)
        ]
    )
    return task


def _later_page(client, path: str, size: int) -> str:
    first = client.get(path + ("&" if "?" in path else "?") + f"page_size={size}").json()
    assert first["next"], path
    parts = urlsplit(first["next"])
    return f"{parts.path}?{parts.query}"


@pytest.mark.parametrize("endpoint", list(QUERIES))
def test_query_count_is_fixed_whatever_the_page(api, crowd, endpoint, django_assert_num_queries):
    client = api.clients["lead_focal"] if "me/" in endpoint else api.clients["monitor"]
    path = endpoint.replace("{task}", str(crowd.pk))
    later = _later_page(client, path, 10)
    sep = "&" if "?" in path else "?"
    for url, size in [(f"{path}{sep}page_size=10", 10), (f"{path}{sep}page_size=100", 100), (later, 10)]:
        with django_assert_num_queries(QUERIES[endpoint]):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.json()["results"]) == size, url


def test_backlog_is_one_grouped_query(api, crowd, django_assert_num_queries):
    # the token, whether any task moved after the date, the grouped counts, then the names of
    # the agencies in them by key
    with django_assert_num_queries(1 + 3):
        response = api.clients["monitor"].get("/api/v1/reports/backlog/?as_of=2025-06-01")
    assert response.status_code == 200
    assert response.json()["totals"]["total"] == 110


def test_deep_page_sql_starts_at_an_index_position(api, crowd):
    """The page after a dated row is a row comparison, in a UNION ALL with the undated rows
    (PostgreSQL), never an OFFSET or a COUNT."""
    client = api.clients["monitor"]
    later = _later_page(client, "/api/v1/tasks/", 10)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(later)
    assert response.status_code == 200
    page_sql = next(q["sql"] for q in captured.captured_queries if 'FROM "tasks_task"' in q["sql"])
    assert '("tasks_task"."deadline", "tasks_task"."id") >' in page_sql
    assert "UNION ALL" in page_sql
    assert "OFFSET" not in page_sql.upper()
    assert "COUNT(" not in page_sql.upper()


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ("/api/v1/officials/?agency=MPS", "username", {"t.mps.focal", "t.mps.leader"}),
        (
            "/api/v1/officials/?agency=MPS&agency=MOJ",
            "username",
            {"t.mps.focal", "t.mps.leader", "t.moj.focal"},
        ),
        ("/api/v1/agencies/?parent=GO", "code", {"MPS"}),
        ("/api/v1/directives/?issuing_agency=GO", "number", {"56/TB-VPCP"}),
        ("/api/v1/directives/?issuing_agency=MPS", "number", set()),
    ],
)
def test_code_filters_of_the_other_lists_answer_their_rows(api, path, key, expected):
    """A code filter compares codes, not a code with an id (which answered 500)."""
    world = api.world
    world.mps.parent = world.go
    world.mps.save(update_fields=["parent"])
    response = api.clients["monitor"].get(path)
    assert response.status_code == 200, response.content
    assert {row[key] for row in response.json()["results"]} == expected


@pytest.mark.parametrize("path", ["/api/v1/tasks/", "/api/v1/me/tasks/", "/api/v1/reports/backlog/"])
def test_another_agencys_login_is_answered_like_an_unknown_one(api, tasks, path):
    """A focal point cannot learn that a login exists in an agency whose tasks it does not see."""
    client = api.clients["lead_focal"]  # MPS: sees the law, draft and submitted tasks (MPS leads)
    unknown = client.get(f"{path}?responsible=nobody.anywhere")
    elsewhere = client.get(f"{path}?responsible=t.moj.focal")
    assert unknown.status_code == elsewhere.status_code == 400
    assert [
        message.replace("nobody.anywhere", "t.moj.focal") for message in unknown.json()["responsible"]
    ] == elsewhere.json()["responsible"]
    # people it works with are still names it may filter by: its own agency's, and those
    # responsible for a task it sees (MIC's focal point leads the portal task MOJ coordinates)
    assert client.get(f"{path}?responsible=t.mps.leader").status_code == 200
    moj = api.clients["other_focal"]
    assert _ids(moj.get("/api/v1/tasks/?responsible=t.mic.focal")) == [tasks["portal"]]
