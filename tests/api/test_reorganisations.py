"""Reorganisations over the API: read by everyone, previewed and applied by monitors only;
a moved official's token keeps working; old codes still filter."""

from __future__ import annotations

import datetime as dt

import pytest

from agencies.choices import ReorganisationKind, ReorganisationStatus
from agencies.models import ReorganisationEvent
from tasks import services
from tasks.models import Task
from tests.api.conftest import make_task
from tests.factories import AgencyFactory

pytestmark = pytest.mark.usefixtures("postgres")


@pytest.fixture
def split(api):
    """MIC (which coordinates a task) splits into MOST and a digital agency; MIC leads one task."""
    world = api.world
    most = AgencyFactory(code="MOST", name_en="Ministry of Science and Technology")
    digital = AgencyFactory(code="DTA")
    led = make_task(
        world,
        code="56/TB-VPCP/9",
        coordinating=[],
        lead_agency=world.mic,
        responsible_official=world.mic_focal,
        accountable_leader=world.mic_leader,
    )
    event = ReorganisationEvent.objects.create(
        kind=ReorganisationKind.SPLIT,
        effective_on=dt.date(2025, 3, 1),
        document_number="176/2025/QH15",
        document_date=dt.date(2025, 2, 18),
    )
    event.predecessors.set([world.mic])
    event.successors.set([most, digital])
    return event, led


def test_everyone_reads_the_events(api, split):
    event, _led = split
    response = api.clients["other_focal"].get("/api/v1/reorganisations/")
    assert response.status_code == 200
    [row] = response.json()
    assert row["predecessors"] == ["MIC"] and row["successors"] == ["DTA", "MOST"]
    assert row["document_number"] == "176/2025/QH15" and row["status"] == "scheduled"
    assert api.clients["other_focal"].get(f"/api/v1/reorganisations/{event.pk}/").json()["kind"] == "split"


def test_only_monitors_preview_and_apply(api, split):
    event, _led = split
    url = f"/api/v1/reorganisations/{event.pk}/"
    assert api.clients["coordinating_focal"].get(url + "preview/").status_code == 403
    assert api.clients["coordinating_focal"].post(url + "apply/", {}, format="json").status_code == 403
    assert api.clients["anonymous"].post(url + "apply/", {}, format="json").status_code in (401, 403)
    event.refresh_from_db()
    assert event.status == ReorganisationStatus.SCHEDULED


def test_preview_then_apply_a_split_with_the_choice_of_successor(api, split):
    event, led = split
    url = f"/api/v1/reorganisations/{event.pk}/"
    monitor = api.clients["monitor"]
    # the preview lists the task with no successor yet, and what stops the apply
    preview = monitor.get(url + "preview/").json()
    assert preview["ready"] is False
    assert [t["task"] for t in preview["lead_tasks"]] == ["56/TB-VPCP/9"]
    assert preview["lead_tasks"][0]["to_agency"] is None
    assert preview["coordinating_tasks"] == []  # MIC coordinates nothing here
    # applying without choosing is refused, nothing moves
    refused = monitor.post(url + "apply/", {}, format="json")
    assert refused.status_code == 400 and "56/TB-VPCP/9" in str(refused.json())
    # an unknown code is a field error
    unknown = monitor.post(url + "apply/", {"successor_for_task": {"56/TB-VPCP/9": "NOPE"}}, format="json")
    assert unknown.status_code == 400 and "successor_for_task" in unknown.json()
    # with the choice it applies, and the officials follow their task
    applied = monitor.post(url + "apply/", {"successor_for_task": {"56/TB-VPCP/9": "MOST"}}, format="json")
    assert applied.status_code == 200, applied.json()
    body = applied.json()
    assert body["applied"] is True and body["event"]["status"] == "applied"
    assert {o["username"]: o["to_agency"] for o in body["officials"]} == {
        "t.mic.focal": "MOST",
        "t.mic.leader": "MOST",
    }
    assert Task.objects.get(pk=led.pk).lead_agency.code == "MOST"
    # a second apply changes nothing
    again = monitor.post(url + "apply/", {}, format="json").json()
    assert again["applied"] is False and again["lead_tasks"] == []


def test_a_moved_officials_token_keeps_working_and_old_codes_stay_findable(api, split):
    event, led = split
    api.clients["monitor"].post(
        f"/api/v1/reorganisations/{event.pk}/apply/",
        {"successor_for_task": {"56/TB-VPCP/9": "MOST"}},
        format="json",
    )
    # the former MIC focal point, with the same token, now sees the task it took to MOST
    former = api.clients["coordinating_focal"]
    response = former.get(f"/api/v1/tasks/{led.pk}/")
    assert response.status_code == 200 and response.json()["lead_agency"] == "MOST"
    # MIC stays in the register, ended and out of the pickers
    mic = api.clients["monitor"].get("/api/v1/agencies/?search=MIC").json()["results"]
    assert [(a["code"], a["is_active"], a["ended_on"]) for a in mic] == [("MIC", False, "2025-03-01")]
    active = api.clients["monitor"].get("/api/v1/agencies/?is_active=true").json()["results"]
    assert "MIC" not in {a["code"] for a in active}
    # and a new task cannot name it
    refused = api.clients["monitor"].post(
        "/api/v1/tasks/",
        {"directive": api.world.directive.pk, "title": "Study a digital law", "lead_agency": "MIC"},
        format="json",
    )
    assert refused.status_code == 400 and "lead_agency" in refused.json()


def test_reports_and_filters_across_a_merge(api):
    # given MIC leads an open task and a completed one, and merges into MOST on 1 March 2025
    world = api.world
    people = {
        "lead_agency": world.mic,
        "responsible_official": world.mic_focal,
        "accountable_leader": world.mic_leader,
    }
    make_task(world, code="56/TB-VPCP/1", coordinating=[], **people)
    done = make_task(world, code="56/TB-VPCP/2", coordinating=[], **people)
    services.task_confirm(
        actor=world.monitor,
        task=services.task_submit(actor=world.mic_focal, task=done, result_summary="Done"),
    )
    most = AgencyFactory(code="MOST", name_en="Ministry of Science and Technology")
    merge = ReorganisationEvent.objects.create(
        kind=ReorganisationKind.MERGE, effective_on=dt.date(2025, 3, 1), document_number="176/2025/QH15"
    )
    merge.predecessors.set([world.mic])
    merge.successors.set([most])
    monitor = api.clients["monitor"]
    assert monitor.post(f"/api/v1/reorganisations/{merge.pk}/apply/", {}, format="json").status_code == 200

    def backlog(query: str) -> dict[str, int]:
        body = monitor.get(f"/api/v1/reports/backlog/?{query}").json()
        return {row["lead_agency"]: row["total"] for row in body["rows"]}

    def codes(query: str) -> list[str]:
        return sorted(row["code"] for row in monitor.get(f"/api/v1/tasks/?{query}").json()["results"])

    # the backlog shows the agencies of each date, or today's on request
    assert backlog("as_of=2025-02-15") == {"MIC": 2}
    assert backlog("as_of=2025-06-01") == {"MIC": 1, "MOST": 1}
    assert backlog("as_of=2025-06-01&agencies=today") == {"MOST": 2}
    # an old code still filters (historic); a successor widens to its predecessors on request
    assert codes("lead_agency=MIC") == ["56/TB-VPCP/1", "56/TB-VPCP/2"]
    assert codes("lead_agency=MOST") == ["56/TB-VPCP/1"]
    assert codes("lead_agency=MOST&include_predecessors=true") == ["56/TB-VPCP/1", "56/TB-VPCP/2"]
    # the list behind a backlog number as of a date holds the same tasks
    assert codes("lead_agency=MIC&as_of=2025-02-15") == ["56/TB-VPCP/1", "56/TB-VPCP/2"]
    assert codes("lead_agency=MOST&as_of=2025-02-15") == []
