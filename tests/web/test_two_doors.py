"""One FilterSet, two doors: for every filter, the dashboard and ``/api/v1/reports/backlog/``
give the same counts per agency and timeliness, and the task list page and ``/api/v1/tasks/``
the same tasks in the same order. A filter added to the FilterSet fails here until it is given
values to test with."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from agencies.choices import ReorganisationKind
from agencies.models import ReorganisationEvent
from tasks import services
from tasks.choices import TaskStatus
from tasks.filtersets import BacklogFilterSet, TaskFilterSet
from tasks.reorganisation import reorganisation_apply
from tasks.selectors import BACKLOG_COLUMNS
from tasks.web.views import STATUS_NAMING, TASK_TABS
from tests.api.conftest import client_for
from tests.factories import AgencyFactory, DirectiveFactory, complete_task_fields
from tests.web.conftest import at

pytestmark = pytest.mark.django_db

#: Values for every filter, each narrowing the answer; ``{directive}`` is filled in by the test.
FILTER_VALUES = {
    "search": ["personal+data", "BAO+VE+DU+LIEU", "56/tb-vpcp-t0", "73/TB", "bo+cong+an"],
    "directive": ["{directive}"],
    "directive_number": ["73/TB-VPCP"],
    "lead_agency": ["MPS", "MIC&lead_agency=MOJ", "MIC,MOJ"],
    # MIC merged into MOST on 02/05/2025 (the fixture): MOST's with what MIC closed
    "include_predecessors": ["true&lead_agency=MOST"],
    "agencies": ["today&lead_agency=MOST", "as_of&lead_agency=MIC"],
    "agency": ["MIC"],
    "lead_agency_kind": ["ministerial_agency", "ministry&lead_agency_kind=province"],
    "responsible": ["t.mic.focal"],
    "field": ["data", "legislation&field=data"],
    "status": ["in_progress", "completed&status=assigned"],
    "timeliness": ["in_progress_overdue", "completed_late&timeliness=in_progress_within_deadline"],
    "as_of": ["2025-05-01", "01/05/2025"],
    "deadline_after": ["2025-05-16"],
    "deadline_before": ["2025-05-31"],
}
#: Formats only people type, in the web's boxes: the API takes ISO dates and repeated codes.
WEB_ONLY = {"01/05/2025": "2025-05-01", "MIC,MOJ": "MIC&lead_agency=MOJ"}
ORDERINGS = ["deadline", "-deadline", "code", "-code", "id", "-id", "updated_at", "-updated_at"]


def _cases(filterset_class) -> list[tuple[str, str]]:
    return [
        (name, value) for name in filterset_class.base_filters for value in FILTER_VALUES.get(name, [None])
    ]


@pytest.fixture
def doors(backlog):
    """The web backlog plus a task of another directive, led by a ministerial-level agency with a
    Vietnamese name and title, and MIC merged into MOST on 02/05/2025 (its open task moves, the
    one it completed stays); a monitor at both doors."""
    world = backlog.world
    world.mps.name_vi = "Bộ Công an"
    world.mps.save()
    other = DirectiveFactory(number="73/TB-VPCP", issued_on=dt.date(2025, 3, 1), issuing_agency=world.go)
    world.moj.kind = "ministerial_agency"
    world.moj.save()
    with at(dt.date(2025, 3, 2)):
        task = services.task_create(
            actor=world.monitor,
            directive=other,
            **complete_task_fields(
                world,
                title="Hướng dẫn bảo vệ dữ liệu cá nhân trong cơ quan nhà nước",
                lead_agency=world.moj,
                responsible_official=world.moj_focal,
                accountable_leader=world.moj_leader,
                deadline=dt.date(2025, 5, 20),
                field="data",
            ),
        )
        services.task_assign(actor=world.monitor, task=task)
    merge = ReorganisationEvent.objects.create(
        kind=ReorganisationKind.MERGE, effective_on=dt.date(2025, 5, 2), document_number="176/2025/QH15"
    )
    merge.predecessors.set([world.mic])
    merge.successors.set([AgencyFactory(code="MOST", name_en="Ministry of Science and Technology")])
    with at(dt.date(2025, 5, 2)):
        reorganisation_apply(actor=world.monitor, event=merge)
    web = Client()
    web.force_login(world.monitor)
    return {"web": web, "api": client_for(world.monitor), "directive": other.pk}


def _query(name: str, value: str, doors) -> str:
    value = value.format(directive=doors["directive"])
    query = f"{name}={value}"
    return query if name == "as_of" else f"as_of=2025-06-01&{query}"


def _dashboard_counts(html: str) -> dict:
    counts = {}
    for agency, row in re.findall(r'<tr data-agency="([^"]+)">(.*?)</tr>', html, re.S):
        cells = dict(re.findall(r'data-column="([a-z_]+)"><a [^>]*>(\d+)</a>', row))
        counts[agency] = {column: int(cells[column]) for column in BACKLOG_COLUMNS}
    return counts


def _api_counts(body: dict) -> dict:
    counts = {row["lead_agency"]: {c: row[c] for c in BACKLOG_COLUMNS} for row in body["rows"]}
    if body["rows"]:
        counts["__total__"] = {c: body["totals"][c] for c in BACKLOG_COLUMNS}
    return counts


def test_every_filter_of_the_filtersets_has_values_to_test():
    # the backlog's ``ordering`` is accepted for the API's first version and changes nothing
    assert set(BacklogFilterSet.base_filters) <= {*FILTER_VALUES, "ordering"}
    assert set(TaskFilterSet.base_filters) == {*FILTER_VALUES, "ordering"}


@pytest.mark.parametrize(("name", "value"), [c for c in _cases(BacklogFilterSet) if c[0] != "ordering"])
def test_dashboard_and_backlog_api_agree(doors, name, value):
    query = _query(name, value, doors)
    response = doors["web"].get(f"/dashboard/?{query}")
    assert response.status_code == 200, response.content.decode()[:2000]
    shown = _dashboard_counts(response.content.decode())
    unfiltered = _dashboard_counts(doors["web"].get("/dashboard/?as_of=2025-06-01").content.decode())
    assert shown != unfiltered, "each value must narrow the answer, or it tests nothing"
    if value in WEB_ONLY:
        query = _query(name, WEB_ONLY[value], doors)
    answer = doors["api"].get(f"/api/v1/reports/backlog/?{query}")
    assert answer.status_code == 200, answer.content
    assert shown == _api_counts(answer.json())


@pytest.mark.parametrize("ordering", ["deadline", "-updated_at", "code"])
def test_backlog_ordering_of_version_1_is_accepted_and_changes_nothing(doors, ordering):
    """Version 1 of the API documented ``ordering`` on the backlog; it still answers 200 with
    the same counts at both doors, and the dashboard's form does not offer it."""
    plain = doors["api"].get("/api/v1/reports/backlog/?as_of=2025-06-01")
    ordered = doors["api"].get(f"/api/v1/reports/backlog/?as_of=2025-06-01&ordering={ordering}")
    assert ordered.status_code == 200, ordered.content
    assert _api_counts(ordered.json()) == _api_counts(plain.json()) != {}
    page = doors["web"].get(f"/dashboard/?as_of=2025-06-01&ordering={ordering}")
    assert page.status_code == 200
    assert _dashboard_counts(page.content.decode()) == _api_counts(plain.json())
    assert 'name="ordering"' not in page.content.decode()


def _web_codes(html: str) -> list[str]:
    return re.findall(r'<tr data-task="([^"]+)"', html)


#: The web list asked for no status, timeliness or search opens on its first tab, the open
#: tasks; the API is asked the same statuses.
OPEN = "&".join(f"status={status}" for status in TASK_TABS[0][2])
EVERY_STATUS = "&".join(f"status={status}" for status in TaskStatus)


def _defaulted(query: str) -> bool:
    return not any(re.search(rf"(^|&){name}=", query) for name in STATUS_NAMING)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        *[case for case in _cases(TaskFilterSet) if case[0] != "ordering"],
        *[("ordering", o) for o in ORDERINGS],
        ("ordering", "relevance&search=bao+ve"),
    ],
)
def test_task_list_page_and_api_list_the_same_tasks(doors, name, value):
    query = _query(name, value, doors)
    response = doors["web"].get(f"/tasks/?{query}")
    assert response.status_code == 200, response.content.decode()[:2000]
    shown = _web_codes(response.content.decode())
    if value in WEB_ONLY:
        query = _query(name, WEB_ONLY[value], doors)
    defaulted = _defaulted(query)
    answer = doors["api"].get(f"/api/v1/tasks/?{query}&page_size=200" + (f"&{OPEN}" if defaulted else ""))
    assert answer.status_code == 200, answer.content
    assert shown == [row["code"] for row in answer.json()["results"]]
    base = "/tasks/?as_of=2025-06-01" + ("" if defaulted else f"&{EVERY_STATUS}")
    everything = _web_codes(doors["web"].get(base).content.decode())
    if name == "ordering":
        assert sorted(shown) == sorted(everything) or "search" in value
    elif name != "as_of":  # as of another day, the same tasks (their timeliness differs)
        assert set(shown) < set(everything), "each value must narrow the answer, or it tests nothing"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", None),
        ("lead_agency=NOPE", "lead_agency"),
        ("as_of=2025-13-45", "as_of"),
        ("ordering=relevance", "ordering"),
    ],
)
def test_a_filter_that_does_not_hold_is_an_error_at_both_doors(doors, query, field):
    response = doors["web"].get(f"/tasks/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="form-errors"' in html
    assert _web_codes(html) == []  # never the unfiltered list
    if field:
        assert f'id="id_{field}_error"' in html
    else:
        assert "colour" in html
    answer = doors["api"].get(f"/api/v1/tasks/?{query}")
    assert answer.status_code == 400
    assert (field or "colour") in answer.json()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/tasks/?q=Personal", "/tasks/?search=Personal"),
        (
            "/dashboard/?agency_kind=ministry&as_of=2025-06-01",
            "/dashboard/?lead_agency_kind=ministry&as_of=2025-06-01",
        ),
        (
            "/tasks/?timeliness=counted&lead_agency=MPS",
            "/tasks/?timeliness=completed_on_time&timeliness=completed_late"
            "&timeliness=in_progress_within_deadline&timeliness=in_progress_overdue&lead_agency=MPS",
        ),
    ],
)
def test_bookmarks_with_the_old_names_are_sent_to_the_new_ones(doors, old, new):
    response = doors["web"].get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert doors["web"].get(new).status_code == 200


def test_a_directive_named_by_number_or_id_titles_the_page(doors):
    by_number = doors["web"].get("/tasks/?directive_number=73/TB-VPCP").content.decode()
    by_id = doors["web"].get(f"/tasks/?directive={doors['directive']}").content.decode()
    for html in (by_number, by_id):
        assert re.search(r'<p class="lead">73/TB-VPCP ·', html)
        assert len(_web_codes(html)) == 1
    assert f'type="hidden" name="directive" value="{doors["directive"]}"' in by_id  # carried on submit
