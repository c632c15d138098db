"""Timeliness as of a date, computed in the database, at the Hanoi end-of-day boundary."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tasks import services
from tasks.choices import Recurrence, Timeliness
from tasks.models import Task
from tasks.selectors import backlog_by_lead_agency, backlog_totals, timeliness_q, with_timeliness
from tests.factories import complete_task_fields

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINE = dt.date(2025, 5, 31)


def hanoi(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HANOI)


def started_task(world, **overrides) -> Task:
    task = services.task_create(
        actor=world.monitor, directive=world.directive, **complete_task_fields(world, **overrides)
    )
    task = services.task_assign(actor=world.monitor, task=task)
    return services.task_start(actor=world.mps_focal, task=task)


def submit_at(world, task: Task, when: dt.datetime) -> Task:
    with time_machine.travel(when, tick=False):
        return services.task_submit(actor=world.mps_focal, task=task, result_summary="Law submitted")


def confirm_at(world, task: Task, when: dt.datetime) -> Task:
    with time_machine.travel(when, tick=False):
        return services.task_confirm(actor=world.monitor, task=task)


def timeliness_of(task: Task, as_of: dt.date | None = None) -> str | None:
    return with_timeliness(Task.objects.filter(pk=task.pk), as_of).get().timeliness


def test_submitted_at_2359_hanoi_on_the_deadline_day_is_on_time(world):
    task = submit_at(world, started_task(world), hanoi(2025, 5, 31, 23, 59))
    task = confirm_at(world, task, hanoi(2025, 6, 3, 9, 0))
    # 23:59 in Hanoi is 16:59 UTC: still the deadline day where it counts
    assert task.completion_date == DEADLINE
    assert timeliness_of(task, dt.date(2025, 6, 3)) == Timeliness.COMPLETED_ON_TIME


def test_submitted_at_0001_hanoi_the_next_day_is_late(world):
    task = submit_at(world, started_task(world), hanoi(2025, 6, 1, 0, 1))
    task = confirm_at(world, task, hanoi(2025, 6, 3, 9, 0))
    # 00:01 in Hanoi is still 31 May in UTC: a UTC date would wrongly say on time
    assert task.submitted_at.astimezone(dt.UTC).date() == DEADLINE
    assert task.completion_date == dt.date(2025, 6, 1)
    assert timeliness_of(task, dt.date(2025, 6, 3)) == Timeliness.COMPLETED_LATE


def test_in_progress_is_within_deadline_through_the_deadline_day(world):
    task = started_task(world)
    assert timeliness_of(task, DEADLINE) == Timeliness.IN_PROGRESS_WITHIN_DEADLINE
    assert timeliness_of(task, DEADLINE + dt.timedelta(days=1)) == Timeliness.IN_PROGRESS_OVERDUE


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (hanoi(2025, 5, 31, 23, 59), Timeliness.IN_PROGRESS_WITHIN_DEADLINE),
        (hanoi(2025, 6, 1, 0, 1), Timeliness.IN_PROGRESS_OVERDUE),
    ],
)
def test_default_as_of_is_today_in_hanoi(world, now, expected):
    task = started_task(world)
    with time_machine.travel(now, tick=False):
        assert timeliness_of(task) == expected


def test_approved_extension_counts_as_the_deadline(world):
    task = started_task(world)
    request = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="NA schedule"
    )
    assert timeliness_of(task, dt.date(2025, 6, 15)) == Timeliness.IN_PROGRESS_OVERDUE
    services.extension_request_decide(actor=world.monitor, extension=request, approve=True)
    assert timeliness_of(task, dt.date(2025, 6, 15)) == Timeliness.IN_PROGRESS_WITHIN_DEADLINE
    task.refresh_from_db()
    task = submit_at(world, task, hanoi(2025, 6, 20, 10, 0))
    task = confirm_at(world, task, hanoi(2025, 6, 21, 10, 0))
    # submitted after the original deadline but before the extended one: on time
    assert timeliness_of(task, dt.date(2025, 7, 1)) == Timeliness.COMPLETED_ON_TIME


def test_completed_late_and_before_confirmation_still_in_progress(world):
    task = submit_at(world, started_task(world), hanoi(2025, 6, 10, 10, 0))
    task = confirm_at(world, task, hanoi(2025, 6, 12, 10, 0))
    # as of a day before the Government Office confirmed it, it was still open and overdue
    assert timeliness_of(task, dt.date(2025, 6, 11)) == Timeliness.IN_PROGRESS_OVERDUE
    assert timeliness_of(task, dt.date(2025, 6, 12)) == Timeliness.COMPLETED_LATE


def test_drafts_cancelled_and_standing_tasks_have_no_timeliness(world):
    draft = services.task_create(
        actor=world.monitor, directive=world.directive, **complete_task_fields(world, deadline=None)
    )
    cancelled = services.task_cancel(actor=world.monitor, task=started_task(world), reason="Merged")
    standing = started_task(world, deadline=None, recurrence=Recurrence.MONTHLY)
    for task in (draft, cancelled, standing):
        assert timeliness_of(task, DEADLINE) is None


def test_filter_and_annotation_agree(world):
    on_time = confirm_at(
        world, submit_at(world, started_task(world), hanoi(2025, 5, 2, 9)), hanoi(2025, 5, 3, 9)
    )
    late = confirm_at(
        world, submit_at(world, started_task(world), hanoi(2025, 6, 2, 9)), hanoi(2025, 6, 3, 9)
    )
    within = started_task(world, deadline=dt.date(2025, 12, 31))
    overdue = started_task(world)
    as_of = dt.date(2025, 7, 1)
    expected = {
        Timeliness.COMPLETED_ON_TIME: on_time,
        Timeliness.COMPLETED_LATE: late,
        Timeliness.IN_PROGRESS_WITHIN_DEADLINE: within,
        Timeliness.IN_PROGRESS_OVERDUE: overdue,
    }
    for value, task in expected.items():
        assert list(Task.objects.filter(timeliness_q(value, as_of)).values_list("pk", flat=True)) == [task.pk]
        assert timeliness_of(task, as_of) == value


def test_backlog_counts_one_row_per_lead_agency(world, django_assert_num_queries):
    started_task(world)  # overdue as of July
    started_task(world, deadline=dt.date(2025, 12, 31))
    done = submit_at(world, started_task(world), hanoi(2025, 5, 2, 9))
    confirm_at(world, done, hanoi(2025, 5, 3, 9))
    mic_task = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        **complete_task_fields(
            world,
            lead_agency=world.mic,
            responsible_official=world.mic_focal,
            accountable_leader=world.mic_leader,
        ),
    )
    services.task_assign(actor=world.monitor, task=mic_task)
    # whether any task moved after the date (a reorganisation), one grouped query for the
    # counts, one for the agencies' names
    with django_assert_num_queries(3):
        rows = backlog_by_lead_agency(Task.objects.all(), dt.date(2025, 7, 1))
    by_code = {row["lead_agency__code"]: row for row in rows}
    assert by_code["MPS"]["completed_on_time"] == 1
    assert by_code["MPS"]["in_progress_overdue"] == 1
    assert by_code["MPS"]["in_progress_within_deadline"] == 1
    assert by_code["MPS"]["total"] == 3
    assert by_code["MIC"]["in_progress_overdue"] == 1
    assert backlog_totals(rows)["total"] == 4
