"""The web app through Django's test client: permissions, forms and their errors, the
dashboard's numbers against the selector, evidence downloads, calendar feeds, login."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from icalendar import Calendar

from tasks import services
from tasks.choices import ExtensionStatus, TaskStatus, Timeliness
from tasks.models import EvidenceFile, Task
from tasks.selectors import (
    BACKLOG_COLUMNS,
    backlog_by_lead_agency,
    backlog_totals,
    clarity_by_agency,
    overdue_trend,
    task_list_for_user,
)
from tests.factories import complete_task_fields
from tests.web.conftest import AS_OF

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def cell(html: str, agency: str, column: str) -> str:
    """The text of one dashboard cell, found by its data attributes."""
    row = re.search(rf'<tr data-agency="{agency}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {agency}"
    match = re.search(rf'data-column="{column}">(.*?)</td>', row.group(1), re.S)
    assert match, f"no {column} cell for {agency}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def cell_link(html: str, agency: str, column: str) -> str:
    row = re.search(rf'<tr data-agency="{agency}">(.*?)</tr>', html, re.S)
    match = re.search(rf'data-column="{column}"><a href="([^"]+)"', row.group(1), re.S)
    return match.group(1).replace("&amp;", "&")


# --- login and access ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/")


def test_login_page_states_the_lockout_rule(client, settings):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"after {settings.AXES_FAILURE_LIMIT} failed attempts" in html
    assert "locked for 15 minutes" in html


def test_five_failures_lock_the_account_even_with_the_right_password(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "t.monitor", "password": "wrong"})
        assert response.status_code in (200, 429)
    response = client.post("/accounts/login/", {"username": "t.monitor", "password": "pw-for-tests"})
    assert response.status_code == 429
    assert "Account temporarily locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_opens_in_the_preferred_language_and_lands_on_the_right_page(world):
    client = Client()
    response = client.post("/accounts/login/", {"username": "t.monitor", "password": "pw-for-tests"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    assert client.get("/").url == "/dashboard/"
    focal = Client()
    focal.post("/accounts/login/", {"username": "t.mps.focal", "password": "pw-for-tests"})
    assert focal.get("/").url == "/agency/"


def test_vietnamese_is_the_default_and_english_is_one_switch_away(backlog):
    client = Client()
    client.force_login(backlog.world.monitor)
    html = client.get("/dashboard/?as_of=2025-06-01").content.decode()
    assert '<html lang="vi">' in html
    assert "Cơ quan MPS" in html  # the Vietnamese name of the agency
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/?as_of=2025-06-01"})
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert '<html lang="en">' in html
    assert "Ministry of Public Security" in html
    assert "Backlog by lead agency" in html


def test_csrf_is_enforced_on_forms(backlog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(backlog.world.mps_focal)
    task = backlog.overdue
    response = client.post(f"/tasks/{task.pk}/progress/", {"version": task.version, "note": "x"})
    assert response.status_code == 403
    assert task.progress_reports.count() == 1  # only the one from the fixture


# --- dashboard ------------------------------------------------------------------------------


def test_dashboard_numbers_are_the_selector_numbers(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    html = client.get("/dashboard/?as_of=2025-06-01").content.decode()
    rows = backlog_by_lead_agency(task_list_for_user(backlog.world.monitor), AS_OF)
    assert [r["lead_agency__code"] for r in rows] == ["MIC", "MOJ", "MPS"]
    for row in rows:
        for column in (*BACKLOG_COLUMNS, "total"):
            assert cell(html, row["lead_agency__code"], column) == str(row[column])
    totals = backlog_totals(rows)
    assert cell(html, "__total__", "total") == str(totals["total"]) == "6"
    # the scenario, as the Government Office would read it
    assert cell(html, "MPS", Timeliness.IN_PROGRESS_OVERDUE) == "1"
    assert cell(html, "MPS", Timeliness.COMPLETED_ON_TIME) == "1"
    assert cell(html, "MIC", Timeliness.COMPLETED_LATE) == "1"
    # on-time rate: MPS 1 on time of 2 judged; MIC 0 of 2
    assert cell(html, "MPS", "rate") == "50%"
    assert cell(html, "MIC", "rate") == "0%"
    assert cell(html, "MOJ", "rate") == "—"


def test_every_dashboard_number_links_to_a_list_of_that_many_tasks(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    html = client.get("/dashboard/?as_of=2025-06-01").content.decode()
    checked = 0
    for agency in ("MIC", "MOJ", "MPS", "__total__"):
        for column in (*BACKLOG_COLUMNS, "total"):
            link = cell_link(html, agency, column)
            query = parse_qs(urlparse(link).query)
            assert query["as_of"] == ["2025-06-01"]
            listing = client.get(link).content.decode()
            shown = len(re.findall(r'<tr data-task="', listing))
            assert shown == int(cell(html, agency, column)), (agency, column)
            checked += 1
    assert checked == 20


def test_drilling_into_overdue_lists_the_overdue_task(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    html = client.get("/dashboard/?as_of=2025-06-01").content.decode()
    listing = client.get(cell_link(html, "MPS", Timeliness.IN_PROGRESS_OVERDUE)).content.decode()
    assert f'data-task="{backlog.overdue.code}"' in listing
    assert f'data-task="{backlog.within.code}"' not in listing


def test_dashboard_filters_by_directive_field_and_agency_kind(backlog, logged_in):
    from agencies.choices import AgencyKind
    from tests.factories import DirectiveFactory

    client = logged_in(backlog.world.monitor)
    other = DirectiveFactory(number="01/CT-TTg", issuing_agency=backlog.world.go)
    html = client.get(f"/dashboard/?as_of=2025-06-01&directive={other.pk}").content.decode()
    assert 'data-agency="MPS"' not in html
    html = client.get(f"/dashboard/?as_of=2025-06-01&directive={backlog.world.directive.pk}").content.decode()
    assert cell(html, "__total__", "total") == "6"
    response = client.get(f"/dashboard/?as_of=2025-06-01&lead_agency_kind={AgencyKind.PROVINCE}")
    assert response.status_code == 200
    assert 'data-agency="MPS"' not in response.content.decode()
    html = client.get(f"/dashboard/?as_of=2025-06-01&lead_agency_kind={AgencyKind.MINISTRY}").content.decode()
    assert cell(html, "MPS", "total") == "3"
    html = client.get("/dashboard/?as_of=2025-06-01&field=legislation").content.decode()
    assert 'data-agency="MPS"' not in html
    html = client.get("/dashboard/?as_of=2025-06-01&field=other").content.decode()
    assert cell(html, "__total__", "total") == "6"


def test_dashboard_as_of_changes_the_counts(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    early = client.get("/dashboard/?as_of=01/05/2025").content.decode()
    # On 01/05/2025 the MPS Data Law task (deadline 31/05) was still within its deadline.
    assert cell(early, "MPS", Timeliness.IN_PROGRESS_OVERDUE) == "0"
    assert 'value="01/05/2025"' in early  # the date shown as Vietnamese officials write it
    bad = client.get("/dashboard/?as_of=2025-13-45")
    assert bad.status_code == 400  # the error shown, and no counts that ignore the filter
    assert 'data-agency="MPS"' not in bad.content.decode()
    assert (
        "Enter a date as day/month/year" in bad.content.decode() or "ngày/tháng/năm" in bad.content.decode()
    )


def test_dashboard_sorts_by_any_column(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    html = client.get("/dashboard/?as_of=2025-06-01&sort=-total").content.decode()
    order = re.findall(r'<tr data-agency="([A-Z]+)">', html)
    assert order == ["MPS", "MIC", "MOJ"]
    html = client.get("/dashboard/?as_of=2025-06-01&sort=lead_agency__code").content.decode()
    assert re.findall(r'<tr data-agency="([A-Z]+)">', html) == ["MIC", "MOJ", "MPS"]
    html = client.get("/dashboard/?as_of=2025-06-01&sort=-in_progress_overdue").content.decode()
    assert re.findall(r'<tr data-agency="([A-Z]+)">', html)[-1] == "MOJ"


def test_dashboard_chart_and_trend_are_inline_svg_with_the_same_numbers(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    response = client.get("/dashboard/?as_of=2025-06-01")
    html = response.content.decode()
    rows = backlog_by_lead_agency(task_list_for_user(backlog.world.monitor), AS_OF)
    nonzero = sum(1 for row in rows for column in BACKLOG_COLUMNS if row[column])
    assert nonzero == 6  # MPS has 3 categories, MIC 2, MOJ 1
    assert html.count('class="seg seg-') == nonzero  # one bar segment per nonzero count
    assert "<title>MPS: " in html
    trend = overdue_trend(task_list_for_user(backlog.world.monitor), [dt.date(2025, 4, 30), AS_OF])
    assert trend[-1][1] == 2  # MPS and MIC overdue on 01/06/2025, equal to the backlog's total
    assert f"<title>01/06/2025: {trend[-1][1]}</title>" in html
    assert f"<title>30/04/2025: {trend[0][1]}</title>" in html
    # Strict CSP: no inline script or style anywhere on the page.
    assert re.findall(r"<script(?![^>]*\bsrc=\"/static/)[^>]*>", html) == []
    assert "style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_chart_coordinates_keep_a_decimal_point_in_vietnamese(backlog, logged_in):
    # Vietnamese writes 12,5 where SVG needs 12.5: a localised number breaks every bar.
    import re

    client = logged_in(backlog.world.monitor)
    html = client.get("/dashboard/?as_of=2025-06-01", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    svg = "".join(re.findall(r"<svg.*?</svg>", html, flags=re.S))
    coordinates = re.findall(r' (?:x|y|width|height|cx|cy)="([^"]+)"', svg)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", c) for c in coordinates)
    widths = re.findall(r'<rect[^>]* width="([^"]+)"', svg)
    assert widths and all(re.fullmatch(r"\d+(\.\d+)?", w) for w in widths)


def test_dashboard_query_count_does_not_grow_with_agencies(backlog, logged_in, django_assert_max_num_queries):
    client = logged_in(backlog.world.monitor)
    with django_assert_max_num_queries(12):
        client.get("/dashboard/?as_of=2025-06-01")


# --- clarity index ------------------------------------------------------------------------


def test_clarity_index_counts_missing_clears_by_kind(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    html = client.get("/clarity/").content.decode()
    rows = {r["lead_agency__code"]: r for r in clarity_by_agency(task_list_for_user(backlog.world.monitor))}
    assert rows["MOJ"]["tasks"] == 2 and rows["MOJ"]["complete"] == 1 and rows["MOJ"]["missing_person"] == 1
    block = re.search(r'<tr data-agency="MOJ">(.*?)</tr>', html, re.S).group(1)
    assert 'data-column="missing_person">1<' in block
    assert 'data-column="share">' in block and "50%" in block
    block = re.search(r'<tr data-directive="56/TB-VPCP">(.*?)</tr>', html, re.S).group(1)
    assert 'data-column="tasks">7<' in block
    assert 'data-column="complete">6<' in block
    assert 'id="id_as_of"' in html  # the agencies of a date (docs/reorganisation.md)
    assert 'id="id_timeliness"' not in html  # clarity is about the writing, not about lateness
    assert html.count('<th scope="col" class="num">') == 2 * (3 + 5)  # both tables: counts + 5 clears
    response = client.get("/clarity/?lead_agency_kind=province")
    assert response.status_code == 200
    assert 'data-directive="56/TB-VPCP"' not in response.content.decode()


# --- task page, permissions -------------------------------------------------------------------


def test_task_page_shows_five_clears_badges_history_and_reports(backlog, logged_in):
    client = logged_in(backlog.world.monitor)
    html = client.get(f"/tasks/{backlog.overdue.pk}/").content.decode()
    assert html.count('class="clear present"') == 5
    assert "tl-in_progress_overdue" in html  # overdue today as well
    assert "status-in_progress" in html
    assert "31/05/2025" in html
    assert 'data-action="created"' in html and 'data-action="progress_reported"' in html
    assert "Draft ready" in html
    # notifications contributes its reminders panel (tasks.web.panels), between reports and history
    assert html.index('id="reports') < html.index('id="reminders"') < html.index('id="history"')
    draft = client.get(f"/tasks/{backlog.draft.pk}/").content.decode()
    assert re.search(r'class="clear missing" data-clear="person"', draft)
    assert draft.count('class="clear present"') == 4


def test_another_agencys_task_is_404(backlog, logged_in):
    client = logged_in(backlog.world.moj_focal)
    assert client.get(f"/tasks/{backlog.overdue.pk}/").status_code == 404
    assert (
        client.post(f"/tasks/{backlog.overdue.pk}/progress/", {"version": 1, "note": "x"}).status_code == 404
    )
    assert client.get(f"/tasks/{backlog.moj_within.pk}/").status_code == 200
    # a coordinating agency sees the task it coordinates
    client = logged_in(backlog.world.mic_focal)
    assert client.get(f"/tasks/{backlog.within.pk}/").status_code == 200


def test_focal_point_lists_only_their_agency(backlog, logged_in):
    client = logged_in(backlog.world.mps_focal)
    html = client.get("/agency/").content.decode()
    codes = re.findall(r'<tr data-task="([^"]+)">', html)
    assert codes == [backlog.overdue.code, backlog.within.code]  # open ones, soonest deadline first
    html = client.get("/tasks/").content.decode()
    assert backlog.late.code not in html


# --- forms -------------------------------------------------------------------------------------


def test_progress_with_evidence_then_download_is_permission_checked(backlog, logged_in):
    client = logged_in(backlog.world.mps_focal)
    task = Task.objects.get(pk=backlog.overdue.pk)
    upload = SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/tasks/{task.pk}/progress/",
        {"version": task.version, "percent": 80, "note": "Appraisal done", "evidence": [upload]},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.progress == 80
    evidence = EvidenceFile.objects.get(report__task=task)
    page = client.get(f"/tasks/{task.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/evidence/{evidence.pk}/" in page and "minutes.pdf" in page
    download = client.get(f"/evidence/{evidence.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    other = logged_in(backlog.world.moj_focal)
    assert other.get(f"/evidence/{evidence.pk}/").status_code == 404
    # and the storage path itself is not served
    assert Client().get("/media/" + evidence.file.name).status_code in (302, 404)


def test_progress_errors_are_shown_on_their_fields_and_keep_what_was_typed(backlog, logged_in):
    client = logged_in(backlog.world.mps_focal)
    task = Task.objects.get(pk=backlog.overdue.pk)
    fake = SimpleUploadedFile("report.pdf", b"MZ this is not a pdf", content_type="application/pdf")
    response = client.post(
        f"/tasks/{task.pk}/progress/",
        {"version": task.version, "percent": 70, "note": "Typed with care", "evidence": [fake]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    not_a_pdf = r"report\.pdf (is not really a|không thực sự là tệp) \.pdf"
    assert re.search(r'id="progress_evidence_error"[^>]*><li>' + not_a_pdf, html)
    assert "Typed with care</textarea>" in html
    assert 'value="70"' in html
    assert task.progress_reports.count() == 1  # nothing half-saved
    response = client.post(f"/tasks/{task.pk}/progress/", {"version": task.version, "percent": 150})
    assert response.status_code == 400
    assert 'id="progress_percent_error"' in response.content.decode()


def test_stale_version_gets_a_clear_message(backlog, logged_in):
    client = logged_in(backlog.world.mps_focal)
    task = Task.objects.get(pk=backlog.overdue.pk)
    stale = task.version
    services.progress_report_submit(actor=backlog.world.mps_focal, task=task, percent=65, note="meanwhile")
    response = client.post(f"/tasks/{task.pk}/submit/", {"version": stale, "result_summary": "Law drafted"})
    assert response.status_code == 412
    html = response.content.decode()
    assert "changed by someone else" in html or "người khác" in html
    assert "Law drafted</textarea>" in html
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS


def test_refusals_are_form_errors(backlog, logged_in):
    # A coordinating agency may not submit the lead's result.
    client = logged_in(backlog.world.mic_focal)
    task = Task.objects.get(pk=backlog.within.pk)
    response = client.post(f"/tasks/{task.pk}/submit/", {"version": task.version, "result_summary": "done"})
    assert response.status_code == 403
    assert 'class="form-errors" role="alert"' in response.content.decode()
    # ... but it reports its contribution on the same page
    response = client.post(f"/tasks/{task.pk}/progress/", {"version": task.version, "note": "Data shared"})
    assert response.status_code == 302
    assert task.progress_reports.get().is_contribution
    # An empty result is a field error.
    client = logged_in(backlog.world.mps_focal)
    response = client.post(f"/tasks/{task.pk}/submit/", {"version": task.version, "result_summary": ""})
    assert response.status_code == 400
    assert 'id="submit_result_summary_error"' in response.content.decode()


def test_extension_request_and_approval_move_the_dashboard(backlog, logged_in):
    focal = logged_in(backlog.world.mps_focal)
    task = Task.objects.get(pk=backlog.overdue.pk)
    response = focal.post(
        f"/tasks/{task.pk}/extension/",
        {"version": task.version, "proposed_deadline": "30/05/2025", "reason": "Appraisal"},
    )
    assert response.status_code == 400
    assert 'id="extension_proposed_deadline_error"' in response.content.decode()
    assert 'value="30/05/2025"' in response.content.decode()
    response = focal.post(
        f"/tasks/{task.pk}/extension/",
        {"version": task.version, "proposed_deadline": "30/06/2025", "reason": "Waiting for appraisal"},
    )
    assert response.status_code == 302
    extension = task.extension_requests.get()
    # the focal point cannot decide it
    assert "decide-form" not in focal.get(f"/tasks/{task.pk}/").content.decode()
    assert focal.post(f"/extensions/{extension.pk}/decide/", {"decision": "approve"}).status_code == 403

    monitor = Client()
    monitor.force_login(backlog.world.monitor)
    before = monitor.get("/dashboard/?as_of=2025-06-01").content.decode()
    assert cell(before, "MPS", Timeliness.IN_PROGRESS_OVERDUE) == "1"
    waiting = monitor.get("/agency/").content.decode()
    assert f"/tasks/{task.pk}/#extensions" in waiting
    response = monitor.post(f"/extensions/{extension.pk}/decide/", {"decision": "reject", "note": ""})
    assert response.status_code == 400
    assert (
        "Say why the request is rejected" in response.content.decode()
        or "từ chối" in response.content.decode()
    )
    response = monitor.post(f"/extensions/{extension.pk}/decide/", {"decision": "approve", "note": "Agreed"})
    assert response.status_code == 302
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.APPROVED
    after = monitor.get("/dashboard/?as_of=2025-06-01").content.decode()
    assert cell(after, "MPS", Timeliness.IN_PROGRESS_OVERDUE) == "0"
    assert cell(after, "MPS", Timeliness.IN_PROGRESS_WITHIN_DEADLINE) == "2"
    page = monitor.get(f"/tasks/{task.pk}/").content.decode()
    assert "30/06/2025" in page and "31/05/2025" in page  # new deadline, original kept


def test_monitor_confirms_or_returns_results_from_the_task_page(backlog, logged_in):
    focal = logged_in(backlog.world.mps_focal)
    task = Task.objects.get(pk=backlog.within.pk)
    assert focal.post(f"/tasks/{task.pk}/start/", {"version": task.version}).status_code == 302
    task.refresh_from_db()
    focal.post(f"/tasks/{task.pk}/submit/", {"version": task.version, "result_summary": "Connected"})
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED
    monitor = Client()
    monitor.force_login(backlog.world.monitor)
    assert f"/tasks/{task.pk}/#actions-title" in monitor.get("/agency/").content.decode()
    response = monitor.post(f"/tasks/{task.pk}/return/", {"version": task.version, "reason": ""})
    assert response.status_code == 400 and 'id="return_reason_error"' in response.content.decode()
    response = monitor.post(f"/tasks/{task.pk}/return/", {"version": task.version, "reason": "No minutes"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.status_reason == "No minutes"
    focal.post(f"/tasks/{task.pk}/submit/", {"version": task.version, "result_summary": "With minutes"})
    task.refresh_from_db()
    assert monitor.post(f"/tasks/{task.pk}/confirm/", {"version": task.version}).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED


# --- calendar ---------------------------------------------------------------------------------


def test_calendar_feed_behind_a_secret_token(backlog, logged_in):
    user = backlog.world.mps_focal
    client = logged_in(user)
    response = client.post("/calendar/", {"action": "reset"})
    html = response.content.decode()
    urls = re.findall(r'value="(http://testserver/calendar/[^"]+\.ics)"', html)
    assert len(urls) == 2
    user.refresh_from_db()
    token = urls[0].split("/")[-2]
    assert token not in user.calendar_token_hash  # only the hash is stored
    anonymous = Client()
    mine = Calendar.from_ical(anonymous.get(urls[0].replace("http://testserver", "")).content)
    events = {e.get("uid"): e for e in mine.walk("VEVENT")}
    assert f"task-{backlog.overdue.pk}-deadline@fiveclear" in events
    assert events[f"task-{backlog.overdue.pk}-deadline@fiveclear"].decoded("dtstart") == dt.date(2025, 5, 31)
    assert f"task-{backlog.on_time.pk}-deadline@fiveclear" not in events  # completed
    agency = Calendar.from_ical(anonymous.get(urls[1].replace("http://testserver", "")).content)
    assert len(list(agency.walk("VEVENT"))) == 2
    assert anonymous.get(f"/calendar/{'x' * 43}/mine.ics").status_code == 404
    client.post("/calendar/", {"action": "revoke"})
    assert anonymous.get(urls[0].replace("http://testserver", "")).status_code == 404


def test_indicator_progress_against_its_target(backlog, logged_in):
    client = logged_in(backlog.world.mic_focal)
    task = Task.objects.get(pk=backlog.mic_overdue.pk)
    page = client.get(f"/tasks/{task.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="progress_indicator_value"' in page  # only indicator tasks ask for a value
    response = client.post(
        f"/tasks/{task.pk}/progress/", {"version": task.version, "indicator_value": "65", "percent": 70}
    )
    assert response.status_code == 302
    client.cookies["django_language"] = "en"
    page = client.get(f"/tasks/{task.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Indicator: 65.00 of a target of 80.00 %" in page
    assert '<meter min="0" max="80.00" value="65.00"' in page
    deliverable = client.get(f"/tasks/{backlog.late.pk}/").content.decode()
    assert 'id="progress_indicator_value"' not in deliverable


def test_task_pages_do_not_query_per_row(backlog, logged_in, django_assert_max_num_queries):
    client = logged_in(backlog.world.monitor)
    with django_assert_max_num_queries(10):
        client.get("/tasks/?as_of=2025-06-01")
    with django_assert_max_num_queries(25):
        client.get(f"/tasks/{backlog.overdue.pk}/")
    with django_assert_max_num_queries(10):
        client.get("/agency/?agency=MPS")


def test_a_busy_task_page_shows_the_latest_reports_and_history_with_a_way_to_all(world, logged_in):
    from tasks.selectors import TASK_PAGE_RECENT

    task = services.task_create(actor=world.monitor, directive=world.directive, **complete_task_fields(world))
    task = services.task_assign(actor=world.monitor, task=task)
    for n in range(TASK_PAGE_RECENT + 5):
        services.progress_report_submit(actor=world.mps_focal, task=task, note=f"Week {n}")
    client = logged_in(world.monitor)
    page = client.get(f"/tasks/{task.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count('class="report"') == TASK_PAGE_RECENT
    assert "Week 54" in page and "Week 4<" not in page  # the newest first, the oldest left out
    assert f"The latest {TASK_PAGE_RECENT} of {TASK_PAGE_RECENT + 5}." in page
    everything = client.get(f"/tasks/{task.pk}/?all=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert everything.count('class="report"') == TASK_PAGE_RECENT + 5
    assert "The latest" not in everything


# --- the task page's buttons come from the lifecycle ---------------------------------------------

#: The form the task page shows for each action it offers (assign, edit and cancel are the
#: admin's and the API's).
ACTION_FORM_IDS = {
    "start": "start-form",
    "report_progress": "progress-form",
    "submit": "submit-form",
    "request_extension": "extension-form",
    "confirm": "confirm-form",
    "return": "return-form",
}


@pytest.mark.parametrize("case", ["draft", "assigned", "extension_pending", "submitted", "completed"])
def test_task_page_offers_a_form_exactly_for_each_action_the_services_accept(world, client, case):
    from tests.lifecycle_cases import ACTORS, accepted_actions, task_in_case

    task = task_in_case(world, case)
    for who, attr in ACTORS.items():
        actor = getattr(world, attr)
        client.force_login(actor)
        response = client.get(f"/tasks/{task.pk}/")
        if response.status_code == 404:  # a task the person may not see offers nothing
            assert accepted_actions(actor, task) == [], (case, who)
            continue
        html = response.content.decode()
        shown = {action for action, form_id in ACTION_FORM_IDS.items() if f'id="{form_id}"' in html}
        expected = set(accepted_actions(actor, task)) & set(ACTION_FORM_IDS)
        assert shown == expected, (case, who)
