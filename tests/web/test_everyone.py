"""What every user sees whatever their role: labels in the page's language rather than codes,
dates as people write them, refusals and missing pages in the app's own layout with a way
back, a server error page that needs no database, and the back office titled as Five Clear."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views.defaults import server_error

from tasks import services
from tests.factories import complete_task_fields

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    """The page's words without its tags, attributes and scripts."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def vietnamese(client: Client) -> Client:
    client.cookies["django_language"] = "vi"
    return client


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


# --- labels, not codes ----------------------------------------------------------------------


def test_history_shows_statuses_kinds_and_flags_in_vietnamese(backlog, logged_in):
    # Given a task created and assigned, whose history stores codes (draft, assigned, deliverable)
    client = vietnamese(logged_in(backlog.world.monitor))
    # When its page is read in Vietnamese
    html = client.get(f"/tasks/{backlog.overdue.pk}/").content.decode()
    history = text_of(html[html.index('id="history"') :])
    # Then the statuses, the result kind and the signed-result flag are words, not codes
    assert "Dự thảo → Đã giao" in history
    assert "Sản phẩm" in history or "Kết quả" in history
    # (the values either side of an arrow; titles and notes are the users' own words)
    values = re.findall(r":\s([^:→]*?)\s→\s(\S+)", history)
    assert values, history
    for code in ("draft", "assigned", "in_progress", "deliverable", "False", "True", "2025-05-31"):
        assert all(code not in pair for pair in values), (code, values)
    # and the actions are labelled too
    assert "đã giao cho cơ quan chủ trì" in history


def test_history_in_english_says_the_english_labels_and_dates(backlog, logged_in):
    client = english(logged_in(backlog.world.monitor))
    html = client.get(f"/tasks/{backlog.overdue.pk}/").content.decode()
    history = text_of(html[html.index('id="history"') :])
    assert "Draft → Assigned" in history
    assert "31 May 2025" in history
    assert "2025-05-31" not in history


def test_no_code_reaches_a_vietnamese_page(backlog, logged_in):
    """Every word in snake_case on a page is a code that escaped its label."""
    client = vietnamese(logged_in(backlog.world.monitor))
    for url in (
        "/dashboard/?as_of=2025-06-01",
        "/tasks/",
        "/clarity/",
        "/agency/",
        f"/tasks/{backlog.overdue.pk}/",
        f"/tasks/{backlog.draft.pk}/",
        f"/tasks/{backlog.on_time.pk}/",
        f"/tasks/{backlog.mic_overdue.pk}/",
    ):
        words = text_of(client.get(url).content.decode())
        assert re.findall(r"\b[a-z]+_[a-z_]+\b", words) == [], url


def test_a_draft_without_a_deadline_says_so_in_the_lists(world, logged_in):
    # Given a draft with neither a deadline nor a recurrence
    fields = complete_task_fields(world, title="Study a project on the Internet of Things")
    fields.pop("deadline")
    draft = services.task_create(actor=world.monitor, directive=world.directive, **fields)
    assert draft.deadline is None and not draft.recurrence
    for lang, expected in (("vi", "chưa có thời hạn"), ("en", "no deadline yet")):
        client = logged_in(world.monitor)
        client.cookies["django_language"] = lang
        html = client.get("/tasks/?status=draft").content.decode()  # the drafts' tab
        row = re.search(rf'<tr data-task="{re.escape(draft.code)}">(.*?)</tr>', html, re.S).group(1)
        # Then its deadline column says it has none, not "one-off (has a deadline)"
        assert expected in text_of(row)
        assert "One-off" not in row and "Một lần" not in row


# --- dates as people write them -------------------------------------------------------------


def test_dates_are_dd_mm_yyyy_in_vietnamese_and_written_out_in_english(backlog, logged_in):
    client = vietnamese(logged_in(backlog.world.monitor))
    html = text_of(client.get("/tasks/?as_of=2025-06-01").content.decode())
    assert "31/05/2025" in html and "01/06/2025" in html
    client = english(logged_in(backlog.world.monitor))
    html = text_of(client.get("/tasks/?as_of=2025-06-01").content.decode())
    assert "31 May 2025" in html and "1 Jun 2025" in html
    assert "31/05/2025" not in html
    page = text_of(client.get(f"/tasks/{backlog.overdue.pk}/").content.decode())
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}\b", page)  # history times


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_date_inputs_take_day_month_year_in_either_language(backlog, logged_in, lang):
    client = logged_in(backlog.world.monitor)
    client.cookies["django_language"] = lang
    typed = client.get("/dashboard/?as_of=01/06/2025")
    iso = client.get("/dashboard/?as_of=2025-06-01")
    assert typed.status_code == iso.status_code == 200
    assert typed.context["as_of"] == iso.context["as_of"] == dt.date(2025, 6, 1)
    # and the form shows it back as typed, day first
    assert 'value="01/06/2025"' in typed.content.decode()


def test_english_dates_typed_as_english_pages_write_them(backlog, logged_in):
    client = english(logged_in(backlog.world.monitor))
    response = client.get("/dashboard/?as_of=1 Jun 2025")
    assert response.status_code == 200
    assert response.context["as_of"] == dt.date(2025, 6, 1)


# --- refusals, missing pages and errors in the app's layout ----------------------------------


def test_missing_page_is_in_the_layout_with_a_way_back(backlog, logged_in):
    client = vietnamese(logged_in(backlog.world.moj_focal))
    response = client.get(f"/tasks/{backlog.overdue.pk}/")  # another agency's task
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-status="404"' in html
    assert 'class="main-nav"' in html  # the app's own navigation
    assert 'href="/"' in html or 'href="/agency/"' in html  # a way back
    assert "Trang này không tồn tại" in html
    assert client.get("/no-such-page/").status_code == 404


def test_refusal_is_in_the_layout_with_the_reason_and_a_way_back(world, logged_in):
    client = vietnamese(logged_in(world.mps_focal))
    response = client.get("/imports/")  # a monitor's page
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-status="403"' in html
    assert 'class="main-nav"' in html
    assert "Bạn không được mở trang này" in html
    assert re.search(r'<a href="/">', html)


def test_server_error_page_needs_no_database():
    """No db fixture: any query while rendering would fail this test."""
    request = RequestFactory().get("/dashboard/")
    response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert 'data-status="500"' in html
    assert 'href="/static/css/app.css"' in html or "app.css" in html
    assert '<a href="/">' in html


def _broken_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [
    path("broken/", _broken_view),
    path("", include("config.urls")),
]


def test_server_error_through_the_stack_renders_the_layout(world, settings, client):
    # Given a view with a bug, reached by a signed-in user with DEBUG off
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(world.monitor)
    # When the page is asked for
    response = client.get("/broken/")
    # Then the answer is the app's own 500 page, with a way back
    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-status="500"' in html and '<a href="/">' in html


def test_back_office_is_titled_five_clear(world, client):
    world.monitor.is_staff = True
    world.monitor.is_superuser = True
    world.monitor.save()
    client.force_login(world.monitor)
    client.cookies["django_language"] = "en"
    html = client.get("/admin/").content.decode()
    assert "Five Clear back office" in html
    assert "Django administration" not in html and "Django site admin" not in html


def test_a_transfer_written_by_the_app_is_said_in_the_page_language(backlog, logged_in):
    from types import SimpleNamespace

    from tasks.choices import TaskEventAction
    from tasks.models import TaskEvent
    from tasks.reorganisation import transfer_note

    # Given a task moved by a reorganisation, whose history note the app wrote (in English)
    note = transfer_note(["MIC"], "MOST", SimpleNamespace(document_label="176/2025/QH15 (18/02/2025)"))
    TaskEvent.objects.create(task=backlog.late, action=TaskEventAction.TRANSFERRED, note=note)
    # When its page is read in Vietnamese, then the note is Vietnamese; in English, English
    html = text_of(
        vietnamese(logged_in(backlog.world.monitor)).get(f"/tasks/{backlog.late.pk}/").content.decode()
    )
    assert "chuyển từ MIC sang MOST theo 176/2025/QH15 (18/02/2025)" in html
    assert "transferred from" not in html
    html = text_of(
        english(logged_in(backlog.world.monitor)).get(f"/tasks/{backlog.late.pk}/").content.decode()
    )
    assert "transferred from MIC to MOST under 176/2025/QH15" in html


@pytest.mark.parametrize("url", ["/drafts/", "/morning/", "/imports/", "/intake/", "/leader/"])
def test_every_refused_page_is_in_the_layout(world, logged_in, url):
    # Given a focal point, who may open none of these monitor's or leader's pages
    client = vietnamese(logged_in(world.mps_focal))
    response = client.get(url)
    # Then a refusal is the app's own page with a way back, never a bare "403 Forbidden"
    assert response.status_code == 403, (url, response.status_code)
    html = response.content.decode()
    assert 'class="main-nav"' in html
    if url == "/intake/":  # the intake's own refusal, which says what to ask for
        assert 'href="/dashboard/"' in html
    else:
        assert 'data-status="403"' in html and re.search(r'<a href="/">', html)
