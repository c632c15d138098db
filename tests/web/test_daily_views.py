"""Each role's daily job through the web pages (issue 16): the monitor's drafts (one on its
page, many from the list) and morning view, the leader's officials and reassignment, the
focal point's one-step report prefilled with the last figures, and the reminders a task
will send. Every change goes through the services; these tests check the pages' doors."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.choices import Role
from notifications.models import EscalationRule
from tasks import selectors, services
from tasks.models import Task, TaskEvent
from tests.factories import OfficialFactory, complete_task_fields
from tests.web.conftest import at

pytestmark = pytest.mark.django_db


def _draft(world, **overrides):
    fields = complete_task_fields(world, responsible_official=None, deadline=None, deadline_phrase="")
    fields.update(overrides)
    return services.task_create(actor=world.monitor, directive=world.directive, **fields)


def _assigned(world, **overrides):
    task = services.task_create(
        actor=world.monitor, directive=world.directive, **complete_task_fields(world, **overrides)
    )
    return services.task_assign(actor=world.monitor, task=task)


# --- navigation ------------------------------------------------------------------------------


def test_nav_links_intake_and_back_office_only_for_those_who_may(world, logged_in):
    world.monitor.is_staff = True
    world.monitor.save()
    html = logged_in(world.monitor).get("/morning/").content.decode()
    for href in ('href="/intake/"', 'href="/admin/"', 'href="/drafts/"', 'href="/morning/"'):
        assert href in html, href
    html = logged_in(world.mps_focal).get("/agency/").content.decode()
    for href in ('href="/intake/"', 'href="/admin/"', 'href="/drafts/"', 'href="/leader/"'):
        assert href not in html, href
    response = logged_in(world.mps_leader).get("/")
    assert response.status_code == 302 and response["Location"] == "/leader/"
    assert 'href="/leader/"' in logged_in(world.mps_leader).get("/leader/").content.decode()


@pytest.mark.parametrize("path", ["/morning/", "/drafts/"])
def test_monitor_pages_are_refused_to_others(world, logged_in, path):
    assert logged_in(world.mps_focal).get(path).status_code == 403


def test_leader_page_is_refused_to_a_focal_point(world, logged_in):
    assert logged_in(world.mps_focal).get("/leader/").status_code == 403


# --- monitor: one draft on its page --------------------------------------------------------------


def test_draft_page_offers_the_clears_prefilled_with_the_agencys_officials(world, logged_in):
    draft = _draft(world)
    html = logged_in(world.monitor).get(f"/tasks/{draft.pk}/").content.decode()
    assert 'id="draft-form"' in html and 'id="draft-return-form"' in html
    assert 'value="MPS"' in html  # the lead agency it has
    assert '<option value="t.mps.focal">' in html  # MPS's officials to choose from
    assert "t.mic.focal" not in html
    # a focal point sees no draft forms
    assert 'id="draft-form"' not in logged_in(world.mps_focal).get(f"/tasks/{draft.pk}/").content.decode()


def _clears_post(task, **changes):
    data = {
        "version": task.version,
        "lead_agency": "MPS",
        "responsible_official": "",
        "accountable_leader": "t.mps.leader",
        "deadline": "",
        "recurrence": "",
        "result_kind": "deliverable",
        "expected_result": task.expected_result,
        "target_value": "",
        "target_unit": "",
    }
    data.update(changes)
    return data


def test_save_and_assign_a_draft_from_its_page(world, logged_in):
    draft = _draft(world)
    client = logged_in(world.monitor)
    response = client.post(
        f"/tasks/{draft.pk}/draft/",
        _clears_post(draft, responsible_official="t.mps.focal", deadline="31/05/2025", then="assign"),
    )
    assert response.status_code == 302
    task = Task.objects.get(pk=draft.pk)
    assert task.status == "assigned" and task.deadline == dt.date(2025, 5, 31)
    assert list(TaskEvent.objects.filter(task=task).values_list("action", flat=True)) == [
        "created",
        "updated",
        "assigned",
    ]


def test_save_only_completes_a_draft_without_assigning(world, logged_in):
    draft = _draft(world)
    client = logged_in(world.monitor)
    response = client.post(
        f"/tasks/{draft.pk}/draft/", _clears_post(draft, deadline="31/05/2025", then="save")
    )
    assert response.status_code == 302
    task = Task.objects.get(pk=draft.pk)
    assert task.status == "draft" and task.deadline == dt.date(2025, 5, 31)


def test_assigning_an_incomplete_draft_shows_what_is_missing_and_keeps_the_input(world, logged_in):
    draft = _draft(world)
    client = logged_in(world.monitor)
    response = client.post(
        f"/tasks/{draft.pk}/draft/", _clears_post(draft, deadline="31/05/2025", then="assign")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "person" in html  # the missing clear, named
    assert 'value="31/05/2025"' in html  # what was typed is kept
    task = Task.objects.get(pk=draft.pk)
    assert task.status == "draft" and task.deadline is None


def test_return_a_draft_from_its_page(world, logged_in):
    draft = _draft(world)
    client = logged_in(world.monitor)
    assert client.post(f"/tasks/{draft.pk}/draft/return/", {"version": draft.version}).status_code == 400
    response = client.post(
        f"/tasks/{draft.pk}/draft/return/", {"version": draft.version, "reason": "Duplicate of T01"}
    )
    assert response.status_code == 302
    task = Task.objects.get(pk=draft.pk)
    assert (task.status, task.status_reason) == ("cancelled", "Duplicate of T01")


def test_a_focal_point_cannot_post_a_drafts_clears(world, logged_in):
    draft = _draft(world)
    response = logged_in(world.mps_focal).post(
        f"/tasks/{draft.pk}/draft/",
        _clears_post(draft, responsible_official="t.mps.focal", deadline="31/05/2025", then="assign"),
    )
    assert response.status_code == 403
    assert Task.objects.get(pk=draft.pk).status == "draft"


# --- monitor: many drafts at once ------------------------------------------------------------


def test_drafts_list_shows_each_draft_with_what_it_lacks(world, logged_in):
    draft = _draft(world)
    _assigned(world, title="Already assigned")
    html = logged_in(world.monitor).get("/drafts/").content.decode()
    assert f'data-task="{draft.code}"' in html
    assert "Already assigned" not in html
    assert 'data-clear="person"' in html and 'data-clear="deadline"' in html
    assert 'data-clear="result"' not in html


def _codes(html: str) -> list[str]:
    return re.findall(r'<tr data-task="([^"]+)">', html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return unescape(found.group(1)) if found else None


def test_drafts_page_by_keyset_each_draft_once(world, logged_in, monkeypatch):
    # Given seven drafts (and an assigned task between them) and pages of three:
    monkeypatch.setattr("tasks.web.monitor.DRAFTS_PAGE_SIZE", 3)
    drafts = [_draft(world, title=f"Draft {n}") for n in range(4)]
    _assigned(world, title="Already assigned")
    drafts += [_draft(world, title=f"Draft {n}") for n in range(4, 7)]
    client = logged_in(world.monitor)
    # When walking the pages forward by their "next" links:
    seen, pages, url = [], [], "/drafts/"
    while url:
        html = client.get(url if url.startswith("/") else f"/drafts/{url}").content.decode()
        assert "?page=" not in html
        pages.append(_codes(html))
        seen += pages[-1]
        url = _link(html, "next")
        if len(pages) > 1:
            assert _link(html, "first")  # a way back from every page but the first
    # Then each draft shows exactly once, in the order they were written, three to a page.
    assert seen == [d.code for d in drafts]
    assert [len(p) for p in pages] == [3, 3, 1]
    # And back: the first page is the one we started on.
    html = client.get("/drafts/").content.decode()
    last = client.get(f"/drafts/{_link(html, 'next')}").content.decode()
    again = client.get(f"/drafts/{_link(last, 'first')}").content.decode()
    assert _codes(again) == pages[0]
    # A cursor that is not ours is a 400 with the page's own message, not a 500.
    assert client.get("/drafts/?cursor=not-a-cursor").status_code == 400


def test_drafts_page_queries_do_not_grow_with_depth(world, logged_in, monkeypatch):
    monkeypatch.setattr("tasks.web.monitor.DRAFTS_PAGE_SIZE", 2)
    for n in range(7):
        _draft(world, title=f"Draft {n}")
    client = logged_in(world.monitor)
    client.get("/drafts/")  # the session and the like, read once
    counts, url = [], "/drafts/"
    while url:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url if url.startswith("/") else f"/drafts/{url}").content.decode()
        counts.append(len(queries))
        assert not any("OFFSET" in q["sql"] or "COUNT(" in q["sql"] for q in queries.captured_queries)
        url = _link(html, "next")
    assert len(counts) == 4
    assert len(set(counts)) == 1, counts


def test_bulk_assign_the_ticked_drafts(world, logged_in):
    first, second, untouched = _draft(world), _draft(world), _draft(world)
    client = logged_in(world.monitor)
    response = client.post(
        "/drafts/bulk/",
        {
            "tasks": [first.pk, second.pk],
            "action": "assign",
            "responsible_official": "t.mps.focal",
            "deadline": "30/06/2025",
        },
    )
    assert response.status_code == 302
    statuses = dict(Task.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk], statuses[untouched.pk]) == (
        "assigned",
        "assigned",
        "draft",
    )
    notes = [str(m) for m in client.get("/drafts/").context["messages"]]
    assert len(notes) == 1 and "2" in notes[0]


def test_bulk_assign_reports_the_drafts_it_left(world, logged_in):
    first = _draft(world)
    client = logged_in(world.monitor)
    response = client.post("/drafts/bulk/", {"tasks": [first.pk], "action": "assign"}, follow=True)
    assert response.status_code == 200
    notes = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert len(notes) == 1 and notes[0][0] == "error" and notes[0][1].startswith(first.code)
    assert Task.objects.get(pk=first.pk).status == "draft"


def test_bulk_return_needs_a_reason_and_keeps_the_ticks(world, logged_in):
    first = _draft(world)
    client = logged_in(world.monitor)
    response = client.post("/drafts/bulk/", {"tasks": [first.pk], "action": "return", "reason": ""})
    assert response.status_code == 400
    assert f'value="{first.pk}" id="tick-{first.pk}" checked' in response.content.decode()
    response = client.post("/drafts/bulk/", {"tasks": [first.pk], "action": "return", "reason": "Not a task"})
    assert response.status_code == 302
    assert Task.objects.get(pk=first.pk).status == "cancelled"


def test_bulk_with_nothing_ticked_is_an_error_on_the_form(world, logged_in):
    _draft(world)
    response = logged_in(world.monitor).post("/drafts/bulk/", {"action": "assign"})
    assert response.status_code == 400


def test_bulk_ignores_a_task_that_is_not_a_draft(world, logged_in):
    task = _assigned(world)
    response = logged_in(world.monitor).post(
        "/drafts/bulk/", {"tasks": [task.pk], "action": "return", "reason": "x"}
    )
    assert response.status_code == 400
    assert Task.objects.get(pk=task.pk).status == "assigned"


# --- monitor: the morning view -----------------------------------------------------------------


def test_morning_view_links_what_fell_overdue_and_what_waits(world, logged_in):
    with at(dt.date(2025, 2, 25)):
        fell = _assigned(world, deadline=dt.date(2025, 5, 31), title="Due yesterday")
        _assigned(world, deadline=dt.date(2025, 5, 1), title="Overdue for a month")
        waiting = _assigned(world, deadline=dt.date(2025, 7, 31), title="Submitted")
        extend = _assigned(world, deadline=dt.date(2025, 6, 30), title="Extension asked")
    with at(dt.date(2025, 5, 20)):
        services.task_submit(actor=world.mps_focal, task=waiting, result_summary="Done")
        services.extension_request_create(
            actor=world.mps_focal, task=extend, proposed_deadline=dt.date(2025, 8, 31), reason="NA schedule"
        )
    with at(dt.date(2025, 6, 1)):
        html = logged_in(world.monitor).get("/morning/").content.decode()
    newly = html.split('id="newly-overdue"')[1].split("</ul>")[0]
    assert f'href="/tasks/{fell.pk}/"' in newly and "Overdue for a month" not in newly
    assert f'href="/tasks/{waiting.pk}/#actions-title"' in html.split('id="to-confirm"')[1].split("</ul>")[0]
    assert (
        f'href="/tasks/{extend.pk}/#extensions"' in html.split('id="extensions-waiting"')[1].split("</ul>")[0]
    )
    with at(dt.date(2025, 6, 1)):
        wider = logged_in(world.monitor).get("/morning/?since=01/05/2025").content.decode()
    assert "Overdue for a month" in wider.split('id="newly-overdue"')[1].split("</ul>")[0]


def test_morning_view_lists_the_first_that_fell_overdue_and_links_them_all(world, logged_in):
    # given three tasks that fell overdue yesterday, and a view that lists two
    with at(dt.date(2025, 2, 25)):
        fell = [_assigned(world, deadline=dt.date(2025, 5, 31), title=f"Due yesterday {n}") for n in range(3)]
    with at(dt.date(2025, 6, 1)):
        view = selectors.morning_view(world.monitor, today=dt.date(2025, 6, 1), limit=2)
        html = logged_in(world.monitor).get("/morning/").content.decode()
    # then the selector gives the first two and says more fell
    assert len(view["newly_overdue"]) == 2 and view["more_overdue"]
    assert {t.pk for t in view["newly_overdue"]} < {t.pk for t in fell}
    # and the page (which lists up to 50) shows all three, with no link to more
    newly = html.split('id="newly-overdue"')[1].split("</ul>")[0]
    assert all(f'href="/tasks/{t.pk}/"' in newly for t in fell) and 'id="all-newly-overdue"' not in html
    with at(dt.date(2025, 6, 1)):
        assert not selectors.morning_view(world.monitor, today=dt.date(2025, 6, 1), limit=3)["more_overdue"]


def test_morning_view_with_more_than_it_lists_links_the_task_list_of_them_all(world, logged_in):
    # given more tasks fell overdue than the page lists
    with at(dt.date(2025, 2, 25)):
        for n in range(selectors.MORNING_SHOWN + 1):
            _assigned(world, deadline=dt.date(2025, 5, 30 + n % 2), title=f"Due {n}")
    with at(dt.date(2025, 6, 1)):
        client = logged_in(world.monitor)
        html = client.get("/morning/?since=30/05/2025").content.decode()
        # then the page lists the first 50, says more fell, and links the task list of them all
        newly = html.split('id="newly-overdue"')[1].split("</ul>")[0]
        assert newly.count("<li data-task=") == selectors.MORNING_SHOWN
        assert f"Hơn {selectors.MORNING_SHOWN} nhiệm vụ quá hạn" in html
        link = unescape(html.split('id="all-newly-overdue"')[0].rsplit('href="', 1)[1].split('"')[0])
        listed = client.get(link)
        assert listed.status_code == 200
        assert "deadline_after=2025-05-30" in link and "deadline_before=2025-05-31" in link
        assert listed.content.decode().count('<tr data-task="') == selectors.MORNING_SHOWN


# --- leader ------------------------------------------------------------------------------------


def test_leader_sees_the_officials_and_reassigns_inside_the_agency(world, logged_in):
    deputy = OfficialFactory(username="t.mps.deputy", agency=world.mps, role=Role.FOCAL_POINT)
    with at(dt.date(2025, 2, 25)):
        task = _assigned(world, deadline=dt.date(2025, 5, 31))
    client = logged_in(world.mps_leader)
    with at(dt.date(2025, 6, 1)):
        html = client.get("/leader/").content.decode()
    row = html.split('data-official="t.mps.focal"')[1].split("</tr>")[0]
    assert '<td class="num" data-column="open"><a href="/tasks/?responsible=t.mps.focal' in row
    assert ">1</a>" in row.split('data-column="overdue"')[1]
    # each task's box searches the agency's officials as it is typed in: no list of every
    # official in every form (the page would grow with tasks x officials)
    card = html.split(f'id="task-{task.pk}"')[1].split("</article>")[0]
    assert 'data-picker="officials"' in card and 'data-picker-url="/api/v1/officials/?agency=MPS"' in card
    assert "<option" not in card and "t.mic.focal" not in html
    response = client.post(
        f"/tasks/{task.pk}/reassign/", {"version": task.version, "official": "t.mps.deputy", "note": "Leave"}
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).responsible_official == deputy
    # another agency's official is not a choice
    response = client.post(
        f"/tasks/{task.pk}/reassign/", {"version": task.version + 1, "official": "t.mic.focal"}
    )
    assert response.status_code == 400
    assert Task.objects.get(pk=task.pk).responsible_official == deputy


def test_leader_pages_the_open_tasks_by_keyset_each_once(world, logged_in, monkeypatch):
    # given seven open tasks of the agency, soonest deadline first, and pages of three
    monkeypatch.setattr("tasks.web.leader.PAGE_SIZE", 3)
    with at(dt.date(2025, 2, 25)):
        tasks = [_assigned(world, deadline=dt.date(2025, 7, 1 + n), title=f"Open {n}") for n in range(7)]
    client = logged_in(world.mps_leader)
    client.get("/leader/")  # the session and the like, read once
    # when walking the pages forward by their "next" links
    seen, counts, url = [], [], "/leader/"
    while url:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url if url.startswith("/") else f"/leader/{url}").content.decode()
        counts.append(len(queries))
        assert not any("OFFSET" in q["sql"] or "COUNT(*)" in q["sql"] for q in queries.captured_queries)
        seen += re.findall(r'<article class="card reassign" id="task-(\d+)"', html)
        url = _link(html, "next")
    # then each task shows once, by deadline, three to a page, each page at the same cost
    assert [int(pk) for pk in seen] == [t.pk for t in tasks]
    assert len(counts) == 3 and len(set(counts)) == 1, counts
    # and a cursor that is not ours is a 400 with the page's own message
    assert client.get("/leader/?cursor=not-a-cursor").status_code == 400


def test_a_stale_reassign_is_refused_on_its_form(world, logged_in):
    OfficialFactory(username="t.mps.deputy", agency=world.mps, role=Role.FOCAL_POINT)
    task = _assigned(world)
    response = logged_in(world.mps_leader).post(
        f"/tasks/{task.pk}/reassign/", {"version": task.version - 1, "official": "t.mps.deputy"}
    )
    assert response.status_code == 412
    assert Task.objects.get(pk=task.pk).responsible_official == world.mps_focal


def test_another_agencys_leader_cannot_reassign(world, logged_in):
    task = _assigned(world)
    response = logged_in(world.mic_leader).post(
        f"/tasks/{task.pk}/reassign/", {"version": task.version, "official": "t.mic.focal"}
    )
    assert response.status_code == 404  # the task is not theirs to see
    assert Task.objects.get(pk=task.pk).responsible_official == world.mps_focal


# --- focal point -------------------------------------------------------------------------------


def test_report_on_an_assigned_task_starts_it_in_one_step(world, logged_in):
    task = _assigned(world)
    client = logged_in(world.mps_focal)
    response = client.post(
        f"/tasks/{task.pk}/progress/", {"version": task.version, "percent": 25, "note": "Drafting"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.progress) == ("in_progress", 25)
    actions = list(TaskEvent.objects.filter(task=task).values_list("action", flat=True))
    assert actions[-2:] == ["started", "progress_reported"]


def test_report_form_is_prefilled_with_the_last_figures(world, logged_in):
    task = _assigned(world)
    services.progress_report_submit(actor=world.mps_focal, task=task, percent=45, note="Appraisal done")
    html = logged_in(world.mps_focal).get(f"/tasks/{task.pk}/").content.decode()
    form = html.split('id="progress-form"')[1].split("</form>")[0]
    assert 'name="percent" value="45"' in form
    assert "Appraisal done</textarea>" in form


def test_task_page_shows_the_reminders_the_task_will_send(world, logged_in):
    EscalationRule.objects.all().delete()
    EscalationRule.objects.create(
        name="Three days before", offset=-3, unit="calendar", level=1, template="upcoming"
    )
    EscalationRule.objects.create(name="A week after", offset=7, unit="calendar", level=3, template="overdue")
    with at(dt.date(2025, 2, 25)):
        task = _assigned(world, deadline=dt.date(2025, 5, 30))
    with at(dt.date(2025, 5, 20)):
        html = logged_in(world.mps_focal).get(f"/tasks/{task.pk}/").content.decode()
    upcoming = html.split('id="upcoming-reminders"')[1].split("</table>")[0]
    assert "27/05/2025" in upcoming and "06/06/2025" in upcoming
    assert "Three days before" in upcoming


# --- no query per row --------------------------------------------------------------------------


def _count_queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("who", "path", "make"),
    [
        ("mps_leader", "/leader/", lambda world: _assigned(world)),
        ("monitor", "/drafts/", lambda world: _draft(world)),
        (
            "monitor",
            "/morning/?since=01/01/2025",
            lambda world: _assigned(world, deadline=dt.date(2025, 5, 1)),
        ),
    ],
)
def test_daily_pages_do_not_query_per_row(world, logged_in, who, path, make):
    # given a page with two rows, then with eight
    client = logged_in(getattr(world, who))
    for _ in range(2):
        make(world)
    few = _count_queries(client, path)
    for _ in range(6):
        make(world)
    many = _count_queries(client, path)
    # then the page costs the same number of queries, and few of them
    assert many == few
    assert few <= 12


def test_leader_reassigns_from_the_task_page(world, logged_in):
    OfficialFactory(username="t.mps.deputy", agency=world.mps, role=Role.FOCAL_POINT)
    task = _assigned(world)
    client = logged_in(world.mps_leader)
    html = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'id="reassign-form"' in html and 'data-picker-url="/api/v1/officials/?agency=MPS"' in html
    # a refusal comes back on the task page, with the form
    response = client.post(
        f"/tasks/{task.pk}/reassign/", {"version": task.version, "official": "", "back": "task"}
    )
    assert response.status_code == 400 and 'id="reassign-form"' in response.content.decode()
    response = client.post(
        f"/tasks/{task.pk}/reassign/", {"version": task.version, "official": "t.mps.deputy", "back": "task"}
    )
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    assert Task.objects.get(pk=task.pk).responsible_official.username == "t.mps.deputy"
    # neither a focal point nor the leader of another agency gets the form
    assert 'id="reassign-form"' not in logged_in(world.mps_focal).get(f"/tasks/{task.pk}/").content.decode()


def test_reminders_to_come_at_the_calendars_edge_are_none_not_a_crash(world):
    from notifications.selectors import upcoming_reminders

    EscalationRule.objects.all().delete()
    EscalationRule.objects.create(name="A week after", offset=7, unit="calendar", level=3, template="overdue")
    task = _assigned(world)
    task.deadline = dt.date(9999, 12, 31)
    assert upcoming_reminders(task) == []
    task.deadline = dt.date(2025, 5, 30)
    with at(dt.date(2025, 5, 20)):
        assert [r["due_on"] for r in upcoming_reminders(task)][:1] == [dt.date(2025, 6, 6)]
