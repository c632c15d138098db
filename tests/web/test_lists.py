"""The web lists at national scale: the task list pages by keyset as the API does (no COUNT, no
OFFSET, nothing lost or repeated across a page boundary), opens on the open tasks overdue first
with drafts on a tab of their own, and shows who is responsible and how late each task is."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
    from tasks.models import Task

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
