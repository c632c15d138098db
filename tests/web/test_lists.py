"""The web lists at national scale: the task list pages by keyset as the API does (no COUNT, no
OFFSET, nothing lost or repeated across a page boundary), opens on the open tasks overdue first
with drafts on a tab of their own, and shows who is responsible and how late each task is."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import services
from tasks.models import Task
from tasks.web import views

pytestmark = pytest.mark.django_db

AS_OF = "as_of=2025-06-01"


def _codes(html: str) -> list[str]:
    return re.findall(r'<tr data-task="([^"]+)"', html)


def _next(html: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _task_sql(captured) -> str:
    return "\n".join(q["sql"] for q in captured.captured_queries if "tasks_task" in q["sql"]).upper()


def test_the_list_opens_on_open_tasks_overdue_first_and_drafts_apart(backlog, logged_in):
    # given the backlog as of 01/06/2025 and a monitor
    client = logged_in(backlog.world.monitor)
    # when the list opens with no status asked for
    html = client.get(f"/tasks/?{AS_OF}").content.decode()
    # then the open tasks, the overdue ones first (soonest deadline first), no draft, nothing closed
    assert _codes(html) == [
        t.code for t in (backlog.mic_overdue, backlog.overdue, backlog.within, backlog.moj_within)
    ]
    assert 'data-tab="open" aria-current="page"' in html
    # and the drafts are one tab away, alone
    drafts = re.search(r'<a href="([^"]+)" data-tab="drafts"', html).group(1).replace("&amp;", "&")
    assert _codes(client.get(drafts).content.decode()) == [backlog.draft.code]
    closed = re.search(r'<a href="([^"]+)" data-tab="closed"', html).group(1).replace("&amp;", "&")
    assert _codes(client.get(closed).content.decode()) == [backlog.late.code, backlog.on_time.code]


def test_each_row_names_the_responsible_official_and_how_late_or_how_long_left(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    html = client.get(f"/tasks/?{AS_OF}", headers={"Accept-Language": "en"}).content.decode()
    rows = dict(re.findall(r'<tr data-task="([^"]+)">(.*?)</tr>', html, re.S))
    overdue = rows[backlog.mic_overdue.code]
    focal = backlog.world.mic_focal
    assert (focal.get_full_name() or focal.username) in overdue
    assert "17 days overdue" in overdue  # 15/05 to 01/06
    assert "29 days left" in rows[backlog.within.code]  # 01/06 to 30/06
    assert "overdue" not in rows[backlog.within.code]


def test_the_list_pages_by_keyset_without_count_or_offset(backlog, logged_in, monkeypatch):
    # given pages of two tasks
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = logged_in(backlog.world.monitor)
    seen, url, pages = [], f"/tasks/?{AS_OF}", 0
    while url:
        # when each page is read, following its "Next" link
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url if url.startswith("/") else f"/tasks/{url}")
        assert response.status_code == 200
        html = response.content.decode()
        # then no page counts the list or skips rows to reach its place
        sql = _task_sql(captured)
        assert "OFFSET" not in sql
        assert "COUNT(" not in sql
        seen += _codes(html)
        url, pages = _next(html), pages + 1
        if pages > 1:
            assert 'rel="first"' in html
    # and every open task appears once, in the first page's order, across the boundaries
    assert pages == 2
    assert seen == [
        t.code for t in (backlog.mic_overdue, backlog.overdue, backlog.within, backlog.moj_within)
    ]


def test_a_task_changed_between_pages_is_neither_lost_nor_repeated(backlog, logged_in, monkeypatch):
    # given the first page of two read, then a task of the first page moving to the end
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = logged_in(backlog.world.monitor)
    first = client.get(f"/tasks/?{AS_OF}&ordering=code").content.decode()
    shown = _codes(first)
    Task.objects.filter(code=shown[0]).update(title="Changed between pages")
    # when the next page is read
    following = client.get(f"/tasks/{_next(first)}").content.decode()
    # then it starts right after the last row seen (a keyset, not a row number)
    everything = sorted(
        t.code for t in (backlog.mic_overdue, backlog.overdue, backlog.within, backlog.moj_within)
    )
    assert shown + _codes(following) == everything


def test_a_cursor_of_another_ordering_is_an_error_on_the_page(backlog, logged_in, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = logged_in(backlog.world.monitor)
    following = _next(client.get(f"/tasks/?{AS_OF}").content.decode())
    cursor = re.search(r"cursor=([^&]+)", following).group(1)
    response = client.get(f"/tasks/?{AS_OF}&ordering=code&cursor={cursor}")
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert _codes(response.content.decode()) == []


# --- filters that search as you type ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/tasks/", "/dashboard/", "/clarity/"])
def test_agency_and_official_filters_are_pickers_fed_by_the_api_not_selects(backlog, logged_in, path):
    client = logged_in(backlog.world.monitor)
    html = client.get(f"{path}?{AS_OF}").content.decode()
    for name, kind, url in (
        ("lead_agency", "agencies", "/api/v1/agencies/"),
        ("agency", "agencies", "/api/v1/agencies/"),
        ("responsible", "officials", "/api/v1/officials/"),
    ):
        box = re.search(rf'<input type="text" name="{name}"[^>]*>', html).group(0)
        assert f'data-picker="{kind}"' in box
        assert f'data-picker-url="{url}"' in box
    assert '<select name="lead_agency"' not in html
    # statuses, kinds, fields, orders: a fixed few, never one per agency or official
    assert html.count("<option") < 60
    assert '<option value="MPS"' not in html
    assert '<option value="t.mic.focal"' not in html
    assert "/static/js/picker.js" in html


def test_the_pickers_api_answers_the_signed_in_page_by_its_session(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    agencies = client.get("/api/v1/agencies/?search=mp&page_size=8")
    assert agencies.status_code == 200
    assert [row["code"] for row in agencies.json()["results"]] == ["MPS"]
    officials = client.get("/api/v1/officials/?search=t.mic&page_size=8")
    assert "t.mic.focal" in [row["username"] for row in officials.json()["results"]]


def test_a_typed_code_works_without_the_script(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    html = client.get(f"/tasks/?{AS_OF}&lead_agency=MIC&responsible=t.mic.focal").content.decode()
    assert _codes(html) == [backlog.mic_overdue.code]


def test_the_agency_page_takes_a_typed_code_and_pages_by_keyset(backlog, logged_in, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client = logged_in(backlog.world.monitor)
    html = client.get("/agency/").content.decode()
    assert '<select name="agency"' not in html
    assert 'data-picker="agencies"' in html
    with CaptureQueriesContext(connection) as captured:
        first = client.get("/agency/?agency=MPS").content.decode()
    assert "OFFSET" not in _task_sql(captured)
    assert "COUNT(" not in _task_sql(captured)
    shown = _codes(first)
    following = client.get(f"/agency/{_next(first)}").content.decode()
    assert len(shown) == 1
    assert _codes(following) and _codes(following)[0] not in shown
    unknown = client.get("/agency/?agency=NOPE", headers={"Accept-Language": "en"})
    assert "No active agency has this code." in unknown.content.decode()


# --- the dashboard and the clarity index, a page of rows at a time ---------------------------


def _agencies(html: str) -> list[str]:
    return re.findall(r'<tr data-agency="([^"_]+)">', html)


def test_the_dashboard_shows_the_worst_agencies_first_and_the_rest_on_demand(backlog, logged_in, monkeypatch):
    monkeypatch.setattr(views, "DASHBOARD_ROWS", 1)
    client = logged_in(backlog.world.monitor)
    # given MIC and MPS with one overdue task each and MOJ with none, as of 01/06/2025
    first = client.get(f"/dashboard/?{AS_OF}").content.decode()
    # then the first page holds one agency with the most overdue, its bar and no other
    assert _agencies(first) == ["MIC"]
    assert first.count('class="bar-label"') == 1
    assert 'data-agency="__total__"' in first  # the totals are of every agency
    # and the next page and "show all" bring the rest, worst first, ties by code
    second = client.get(f"/dashboard/{_next(first)}").content.decode()
    assert _agencies(second) == ["MPS"]
    everything = re.search(r'<a href="([^"]+)" data-show="all">', first).group(1).replace("&amp;", "&")
    assert _agencies(client.get(f"/dashboard/{everything}").content.decode()) == ["MIC", "MPS", "MOJ"]


def test_the_clarity_index_pages_each_table(backlog, logged_in, monkeypatch):
    monkeypatch.setattr(views, "CLARITY_ROWS", 1)
    client = logged_in(backlog.world.monitor)
    html = client.get("/clarity/").content.decode()
    assert len(re.findall(r'<tr data-agency="', html)) == 1
    following = re.search(
        r'<nav class="pager" aria-label="[^"]*">.*?</nav>', html.split('id="by-agency"')[1], re.S
    )
    link = re.search(r'<a href="([^"]+)" rel="next">', following.group(0)).group(1).replace("&amp;", "&")
    second = client.get(f"/clarity/{link}").content.decode()
    assert re.findall(r'<tr data-agency="([^"]*)"', second) != re.findall(r'<tr data-agency="([^"]*)"', html)


# --- pages kept whole in the shared cache, as the API's answers are ----------------------------


def _mps_overdue(html: str) -> str:
    row = re.search(r'<tr data-agency="MPS">(.*?)</tr>', html, re.S).group(1)
    return re.search(r'data-column="in_progress_overdue"><a [^>]*>(\d+)</a>', row).group(1)


def test_a_cached_page_is_redrawn_after_any_change_and_kept_apart_per_scope(
    backlog, logged_in, settings, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # given the pages' caches on, as in production
    settings.BACKLOG_CACHE_SECONDS = 300
    settings.TASK_LIST_CACHE_SECONDS = 60
    world = backlog.world
    client = logged_in(world.monitor)
    assert _mps_overdue(client.get(f"/dashboard/?{AS_OF}").content.decode()) == "1"
    # when it is asked again, nothing is counted or drawn again (the session and the user only)
    with django_assert_max_num_queries(3):
        again = client.get(f"/dashboard/?{AS_OF}")
    assert _mps_overdue(again.content.decode()) == "1"
    # and after a task changes through the services, the page says so at once
    with django_capture_on_commit_callbacks(execute=True):
        services.task_start(actor=world.mps_focal, task=backlog.within)
        request = services.extension_request_create(
            actor=world.mps_focal,
            task=Task.objects.get(pk=backlog.overdue.pk),
            proposed_deadline=dt.date(2025, 12, 31),
            reason="NA schedule",
        )
        services.extension_request_decide(actor=world.monitor, extension=request, approve=True)
    assert _mps_overdue(client.get(f"/dashboard/?{AS_OF}").content.decode()) == "0"
    # and a focal point never gets the monitor's cached list (another agency's tasks)
    monitor_list = _codes(client.get(f"/tasks/?{AS_OF}").content.decode())
    client.force_login(world.moj_focal)
    focal_list = _codes(client.get(f"/tasks/?{AS_OF}").content.decode())
    assert focal_list == [backlog.moj_within.code]
    assert set(focal_list) < set(monitor_list)
