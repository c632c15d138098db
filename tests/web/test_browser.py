"""End to end in Debian's Chromium: a monitor drills into the overdue tasks of 01/06/2025, a focal
point reports progress with a file and asks for more time, the monitor approves and the
dashboard changes; the language switch; a phone-sized screen; no CSP violation anywhere.

Screenshots of the dashboard and a task page are saved to docs/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tasks.models import Task
from tests.factories import build_world
from tests.web.browsing import log_in, pages
from tests.web.conftest import build_backlog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def open_page(chromium_browser, live_server):
    """``make(width=, height=, locale=)``: a fresh browser context (its own cookies) per user,
    failing the test on any CSP violation."""
    yield from pages(chromium_browser, live_server, timeout_ms=15_000, page_errors=False)


def backlog_cell(page, agency: str, column: str) -> str:
    return page.locator(f'tr[data-agency="{agency}"] td[data-column="{column}"]').inner_text().strip()


def test_monitor_focal_point_and_extension_end_to_end(open_page, tmp_path):
    world = build_world()
    data = build_backlog(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # --- the monitor filters the dashboard as of 01/06/2025 and drills into overdue tasks
    monitor = open_page()
    monitor.goto("/accounts/login/")
    assert re.search(r"\b5\b", monitor.locator("#lockout-rule").inner_text())
    log_in(monitor, "t.monitor")
    assert monitor.url.endswith("/dashboard/")
    monitor.locator("#id_as_of").fill("01/06/2025")
    monitor.locator("form.filters button[type=submit]").click()
    monitor.wait_for_url(re.compile(r"as_of=01%2F06%2F2025"))
    assert backlog_cell(monitor, "MPS", "in_progress_overdue") == "1"
    assert backlog_cell(monitor, "MIC", "in_progress_overdue") == "1"
    assert backlog_cell(monitor, "__total__", "total") == "6"
    assert monitor.locator("svg.bars rect.seg").count() == 6
    monitor.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    monitor.locator('tr[data-agency="MPS"] td[data-column="in_progress_overdue"] a').click()
    monitor.wait_for_url(re.compile(r"/tasks/\?.*timeliness=in_progress_overdue"))
    rows = monitor.locator("#task-table tbody tr[data-task]")
    assert rows.count() == 1
    rows.first.locator("a").click()
    monitor.wait_for_url(re.compile(rf"/tasks/{data.overdue.pk}/$"))
    assert monitor.locator("#clears li.present").count() == 5

    # --- the focal point reports progress with a file and requests an extension
    evidence = tmp_path / "bien-ban-hop.pdf"
    evidence.write_bytes(PDF)
    focal = open_page()
    log_in(focal, "t.mps.focal")
    assert focal.url.endswith("/agency/")
    focal.locator(f'tr[data-task="{data.overdue.code}"] th a').click()
    form = focal.locator("#progress-form")
    form.locator("#progress_percent").fill("80")
    form.locator("#progress_note").fill("Appraisal by the Ministry of Justice finished")
    form.locator("#progress_evidence").set_input_files(str(evidence))
    form.locator("button[type=submit]").click()
    focal.wait_for_load_state()
    assert focal.locator(".messages").count() == 1
    assert focal.locator("#progress").inner_text().strip().startswith("80%")
    assert focal.locator("#reports a", has_text="bien-ban-hop.pdf").count() == 1

    form = focal.locator("#extension-form")
    form.locator("#extension_proposed_deadline").fill("30/06/2025")
    form.locator("#extension_reason").fill("Waiting for the National Assembly's session schedule")
    form.locator("button[type=submit]").click()
    focal.wait_for_load_state()
    assert focal.locator("#extensions .ext-badge-pending").count() == 1
    # the focal point may not decide their own request
    assert focal.locator(".decide-form").count() == 0

    # --- the monitor approves it and the dashboard counts change
    monitor.goto("/agency/")
    monitor.locator("#pending-extensions a").first.click()
    monitor.wait_for_url(re.compile(rf"/tasks/{data.overdue.pk}/"))
    with monitor.expect_download() as download_info:
        monitor.locator("#reports a", has_text="bien-ban-hop.pdf").click()
    assert Path(download_info.value.path()).read_bytes() == PDF
    monitor.screenshot(path=str(SCREENSHOTS / "task.png"), full_page=True)
    decide = monitor.locator(".decide-form").first
    decide.locator("#decide_note").fill("Agreed: new deadline 30/06/2025")
    decide.locator("button[value=approve]").click()
    monitor.wait_for_load_state()
    # (the monitor reads English: dates as English pages write them)
    assert monitor.locator("#deadline").inner_text().startswith("30 Jun 2025")
    assert "31 May 2025" in monitor.locator("#deadline").inner_text()
    assert Task.objects.get(pk=data.overdue.pk).deadline.isoformat() == "2025-06-30"

    monitor.goto("/dashboard/?as_of=2025-06-01")
    assert backlog_cell(monitor, "MPS", "in_progress_overdue") == "0"
    assert backlog_cell(monitor, "MPS", "in_progress_within_deadline") == "2"
    assert backlog_cell(monitor, "__total__", "in_progress_overdue") == "1"

    # --- the language switch
    monitor.get_by_role("button", name="Tiếng Việt").click()
    monitor.wait_for_load_state()
    assert monitor.locator("html").get_attribute("lang") == "vi"
    assert "as_of=2025-06-01" in monitor.url  # stays on the same filtered page
    assert monitor.locator('tr[data-agency="MPS"] .agency-name').inner_text() == "Cơ quan MPS"
    monitor.get_by_role("button", name="English").click()
    monitor.wait_for_load_state()
    assert monitor.locator("html").get_attribute("lang") == "en"
    assert monitor.locator('tr[data-agency="MPS"] .agency-name').inner_text() == "Ministry of Public Security"

    # --- log out
    monitor.get_by_role("button", name=re.compile("Log out|Thoát|Đăng xuất")).click()
    monitor.wait_for_url(re.compile("/accounts/login/"))
    monitor.goto("/dashboard/")
    assert "/accounts/login/" in monitor.url


def test_phone_sized_screen_and_keyboard(open_page):
    world = build_world()
    build_backlog(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone = open_page(width=375, height=740)
    log_in(phone, "t.monitor")
    phone.goto("/dashboard/?as_of=2025-06-01")
    # nothing wider than the screen: wide tables scroll inside their own region
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone.locator(".table-wrap").first.evaluate("e => e.scrollWidth > e.clientWidth")
    phone.screenshot(path=str(SCREENSHOTS / "dashboard-phone.png"), full_page=False)
    # the first Tab reaches the skip link, and it moves focus to the content
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    phone.keyboard.press("Enter")
    assert phone.evaluate("location.hash") == "#content"
    # every form control on the page has a label
    unlabelled = phone.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
              .map(e => e.name)"""
    )
    assert unlabelled == []
