"""Each role's daily job end to end in Debian's Chromium, on a desk and on a 390 px phone
(issue 16): the monitor's morning view, drafts assigned many at once and one from its page,
a draft returned; the leader's officials and a reassignment; the focal point's one-step
report, prefilled next time, and the reminders the task sent and will send.

Screenshots go to docs/screenshots/, named <role>-<step>-<viewport>.png. The data is made
around the real today (the live server runs on the real clock)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from agencies.choices import Role
from notifications.models import EscalationRule, Reminder
from notifications.services import reminders_send_pending, reminders_sweep
from tasks import services
from tasks.models import Task, TaskEvent
from tests.factories import OfficialFactory, build_world, complete_task_fields
from tests.web.test_accessibility import axe_violations, browser_page, focused, tab_to  # noqa: F401
from tests.web.test_browser import SCREENSHOTS, log_in, open_page  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": (1280, 900), "phone": (390, 844)}
#: The desk runs in English, the phone in Vietnamese (the official's language, set at login).
LANGUAGES = {"desk": "en", "phone": "vi"}


def _speaks(official, viewport: str) -> None:
    official.language = LANGUAGES[viewport]
    official.save(update_fields=["language"])


def _fits(page, width: int) -> None:
    """Nothing wider than the screen (a wide table scrolls inside its own box), and no serious
    or critical accessibility violation (axe-core, vendored)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []


def _nav(page):
    """The main menu, opened first where it folds (a phone)."""
    toggle = page.locator(".nav-toggle")
    if toggle.is_visible():
        toggle.click()
    return page.locator("nav.main-nav")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _task(world, **overrides) -> Task:
    return services.task_create(
        actor=world.monitor, directive=world.directive, **complete_task_fields(world, **overrides)
    )


def _assigned(world, **overrides) -> Task:
    return services.task_assign(actor=world.monitor, task=_task(world, **overrides))


def _draft(world, title: str) -> Task:
    return _task(world, title=title, responsible_official=None, deadline=None, deadline_phrase="")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_monitor_morning_and_drafts(open_page, viewport):  # noqa: F811
    width, height = VIEWPORTS[viewport]
    world = build_world()
    world.monitor.is_staff = True
    world.monitor.save()
    _speaks(world.monitor, viewport)
    today = timezone.localdate()
    fell = _assigned(
        world, title="Complete the draft Personal Data Protection Law", deadline=today - dt.timedelta(days=1)
    )
    submitted = _assigned(
        world, title="Issue the plan for Project 06", deadline=today + dt.timedelta(days=20)
    )
    services.task_submit(actor=world.mps_focal, task=submitted, result_summary="Plan 123/KH-BCA issued")
    extend = _assigned(world, title="Connect the population database", deadline=today + dt.timedelta(days=5))
    services.extension_request_create(
        actor=world.mps_focal,
        task=extend,
        proposed_deadline=today + dt.timedelta(days=40),
        reason="NA schedule",
    )
    drafts = [
        _draft(world, "Study a project applying the Internet of Things"),
        _draft(world, "Review the decree on electronic identification"),
        _draft(world, "Draft the decree on personal data protection"),
        _draft(world, "Hold a conference on the same subject"),
    ]

    page = open_page(width=width, height=height)
    log_in(page, "t.monitor")
    # the nav leads to the morning view, the drafts, the intake and the back office
    nav = _nav(page)
    for href in ("/morning/", "/drafts/", "/intake/", "/admin/"):
        assert nav.locator(f'a[href="{href}"]').count() == 1, href

    # --- the morning view: each thing a link
    nav.locator('a[href="/morning/"]').click()
    page.wait_for_url(re.compile("/morning/$"))
    assert page.locator(f'#newly-overdue li[data-task="{fell.code}"] a').count() == 1
    assert page.locator(f'#to-confirm li[data-task="{submitted.code}"] a').count() == 1
    assert page.locator(f'#extensions-waiting li[data-task="{extend.code}"] a').count() == 1
    _fits(page, width)
    _shot(page, f"monitor-1-morning-{viewport}")
    page.locator(f'#extensions-waiting li[data-task="{extend.code}"] a').click()
    page.wait_for_url(re.compile(rf"/tasks/{extend.pk}/#extensions$"))
    assert page.locator(".decide-form").count() == 1

    # --- many drafts at once: tick two, give the person and the deadline, assign
    page.goto("/drafts/")
    for draft in drafts[:2]:
        page.locator(f"#tick-{draft.pk}").check()
    page.locator("#bulk_responsible_official").fill("t.mps.focal")
    page.locator("#bulk_deadline").fill((today + dt.timedelta(days=30)).strftime("%d/%m/%Y"))
    _fits(page, width)
    _shot(page, f"monitor-2-drafts-ticked-{viewport}")
    page.locator("#bulk-action button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".messages .message-success").count() == 1
    for draft in drafts[:2]:
        assert page.locator(f'#drafts tr[data-task="{draft.code}"]').count() == 0
    assert set(Task.objects.filter(pk__in=[d.pk for d in drafts[:2]]).values_list("status", flat=True)) == {
        "assigned"
    }

    # --- return one: tick it, choose "return", say why
    page.locator(f"#tick-{drafts[3].pk}").check()
    page.locator('input[name="action"][value="return"]').check()
    page.locator("#bulk_reason").fill("Not a task: a conference is a means, not a result")
    page.locator("#bulk-action button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(f'#drafts tr[data-task="{drafts[3].code}"]').count() == 0
    assert Task.objects.get(pk=drafts[3].pk).status == "cancelled"

    # --- one draft from its page: the missing clears are marked; choose the person, set the
    # deadline, save and assign
    page.locator(f'#drafts tr[data-task="{drafts[2].code}"] th a').click()
    page.wait_for_url(re.compile(rf"/tasks/{drafts[2].pk}/$"))
    assert page.locator('#clears li.missing[data-clear="person"]').count() == 1
    page.locator("#draft_responsible_official").select_option("t.mps.focal")
    page.locator("#draft_deadline").fill((today + dt.timedelta(days=60)).strftime("%d/%m/%Y"))
    _fits(page, width)
    _shot(page, f"monitor-3-draft-page-{viewport}")
    page.locator('#draft-form button[value="assign"]').click()
    page.wait_for_load_state()
    assert page.locator("#task-badges .status-assigned").count() == 1
    assert page.locator("#clears li.present").count() == 5
    assert page.locator("#draft-form").count() == 0
    actions = list(TaskEvent.objects.filter(task_id=drafts[2].pk).values_list("action", flat=True))
    assert actions == ["created", "updated", "assigned"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_leader_sees_officials_and_reassigns(open_page, viewport):  # noqa: F811
    width, height = VIEWPORTS[viewport]
    world = build_world()
    deputy = OfficialFactory(
        username="t.mps.deputy",
        first_name="Lan",
        last_name="Nguyễn Thị",
        agency=world.mps,
        role=Role.FOCAL_POINT,
    )
    today = timezone.localdate()
    late = _assigned(
        world, title="Complete the draft Personal Data Protection Law", deadline=today - dt.timedelta(days=3)
    )
    _assigned(world, title="Issue the plan for Project 06", deadline=today + dt.timedelta(days=20))

    _speaks(world.mps_leader, viewport)
    page = open_page(width=width, height=height)
    log_in(page, "t.mps.leader")
    page.wait_for_url(re.compile("/leader/$"))
    focal = page.locator('#officials tr[data-official="t.mps.focal"]')
    assert focal.locator('td[data-column="open"]').inner_text().strip() == "2"
    assert focal.locator('td[data-column="overdue"]').inner_text().strip() == "1"
    _fits(page, width)
    _shot(page, f"leader-1-officials-{viewport}")

    card = page.locator(f"#task-{late.pk}")
    card.locator('input[name="official"]').fill("t.mps.deputy")
    card.locator('input[name="note"]').fill("Anh Minh on leave until July")
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".messages .message-success").count() == 1
    assert "Nguyễn Thị" in page.locator(f"#task-{late.pk} .responsible").inner_text()
    deputy_row = page.locator('#officials tr[data-official="t.mps.deputy"]')
    assert deputy_row.locator('td[data-column="overdue"]').inner_text().strip() == "1"
    _fits(page, width)
    _shot(page, f"leader-2-reassigned-{viewport}")
    assert Task.objects.get(pk=late.pk).responsible_official == deputy
    event = TaskEvent.objects.filter(task=late).latest("id")
    assert (event.actor_id, event.note) == (world.mps_leader.pk, "Anh Minh on leave until July")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_focal_point_reports_in_one_step_and_sees_reminders(open_page, viewport):  # noqa: F811
    width, height = VIEWPORTS[viewport]
    world = build_world()
    today = timezone.localdate()
    # a ladder of three rungs: three days before (already sent), on the day, a week after
    EscalationRule.objects.all().delete()
    EscalationRule.objects.create(
        name="Three days before", offset=-3, unit="calendar", level=1, template="upcoming"
    )
    EscalationRule.objects.create(name="On the day", offset=0, unit="calendar", level=2, template="due_today")
    EscalationRule.objects.create(name="A week late", offset=7, unit="calendar", level=3, template="overdue")
    task = _assigned(
        world, title="Complete the draft Personal Data Protection Law", deadline=today + dt.timedelta(days=2)
    )
    reminders_sweep(since=today - dt.timedelta(days=10))
    reminders_send_pending(time_budget=20)
    assert Reminder.objects.filter(task=task, status="sent").exists()

    _speaks(world.mps_focal, viewport)
    page = open_page(width=width, height=height)
    log_in(page, "t.mps.focal")
    page.locator(f'tr[data-task="{task.code}"] th a').click()
    page.wait_for_url(re.compile(rf"/tasks/{task.pk}/$"))
    # the task is still assigned: the report itself starts it
    assert page.locator("#task-badges .status-assigned").count() == 1
    form = page.locator("#progress-form")
    form.locator("#progress_percent").fill("30")
    form.locator("#progress_note").fill("The draft went to the Ministry of Justice for appraisal")
    _fits(page, width)
    _shot(page, f"focal-1-report-{viewport}")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#task-badges .status-in_progress").count() == 1
    assert page.locator('#history li[data-action="started"]').count() == 1
    assert page.locator('#history li[data-action="progress_reported"]').count() == 1
    # the next report starts from the last figures
    assert page.locator("#progress_percent").input_value() == "30"
    assert page.locator("#progress_note").input_value().startswith("The draft went to")
    # the reminders the task sent, and those it will send
    assert page.locator("#reminders tr.reminder-sent").count() >= 1
    upcoming = page.locator("#upcoming-reminders tbody tr")
    assert upcoming.count() == 2
    assert [upcoming.nth(i).locator("td").nth(1).inner_text() for i in range(2)] == [
        "On the day",
        "A week late",
    ]
    _fits(page, width)
    page.locator("#reminders").scroll_into_view_if_needed()
    _shot(page, f"focal-2-reported-reminders-{viewport}")


# --- with the keyboard alone ---------------------------------------------------------------------


def test_monitor_assigns_drafts_and_leader_reassigns_with_the_keyboard_only(browser_page):  # noqa: F811
    world = build_world()
    today = timezone.localdate()
    drafts = [
        _draft(world, "Study a project applying the Internet of Things"),
        _draft(world, "Review a decree"),
    ]
    late = _assigned(world, title="Complete the draft law", deadline=today - dt.timedelta(days=2))
    OfficialFactory(username="t.mps.deputy", first_name="Lan", last_name="Nguyễn Thị", agency=world.mps)

    # the monitor ticks both drafts, gives them a person and a deadline, and assigns them
    page = browser_page({"width": 1280, "height": 900})
    log_in(page, "t.monitor")
    page.goto("/drafts/")
    for draft in drafts:
        tab_to(page, lambda e, pk=draft.pk: e["id"] == f"tick-{pk}")
        page.keyboard.press("Space")
    tab_to(page, lambda e: e["id"] == "bulk_responsible_official")
    page.keyboard.type("t.mps.focal")
    tab_to(page, lambda e: e["id"] == "bulk_deadline")
    page.keyboard.type((today + dt.timedelta(days=30)).strftime("%d/%m/%Y"))
    tab_to(
        page,
        lambda e: (
            e["tag"] == "button"
            and e["text"] in ("Apply to the ticked drafts", "Áp dụng cho các dự thảo đã chọn")
        ),
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert set(Task.objects.filter(pk__in=[d.pk for d in drafts]).values_list("status", flat=True)) == {
        "assigned"
    }

    # the leader makes the deputy responsible for the late task
    page = browser_page({"width": 1280, "height": 900})
    log_in(page, "t.mps.leader")
    page.wait_for_url(re.compile("/leader/$"))
    # the box searches the agency's officials as it is typed in; the arrow and Enter take one
    box = f"reassign_{late.pk}_official"
    tab_to(page, lambda e: e["id"] == box)
    page.keyboard.type("t.mps.dep", delay=40)
    page.wait_for_selector(f"#{box}[aria-expanded=true]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    chosen = page.locator(f"#{box}").input_value()
    assert chosen == "t.mps.deputy"
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard only")
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "button"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Task.objects.get(pk=late.pk).responsible_official.username == chosen
    assert TaskEvent.objects.filter(task=late).latest("id").note == "Keyboard only"
