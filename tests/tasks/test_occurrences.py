"""Standing tasks tracked per occurrence: when each falls due, generation ahead, reports,
timeliness, and how the backlog counts them (docs/standing-tasks.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tasks import services
from tasks.choices import OccurrenceStatus, Recurrence, Timeliness
from tasks.models import Task, TaskOccurrence
from tasks.occurrences import period_containing, schedule
from tasks.selectors import backlog_by_lead_agency, backlog_totals, overdue_trend, task_occurrences
from tests.factories import complete_task_fields

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date


def hanoi(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HANOI)


# --- the rule of when each occurrence falls due (no database) ---------------------------------


@pytest.mark.parametrize(
    ("recurrence", "due_day", "day", "expected"),
    [
        # a report due on the 20th of each month
        (Recurrence.MONTHLY, 20, D(2025, 11, 3), (D(2025, 11, 1), D(2025, 11, 30), D(2025, 11, 20))),
        # a monthly meeting: due by the month's last day
        (Recurrence.MONTHLY, None, D(2025, 2, 10), (D(2025, 2, 1), D(2025, 2, 28), D(2025, 2, 28))),
        # the 31st of a short month is its last day
        (Recurrence.MONTHLY, 31, D(2024, 2, 10), (D(2024, 2, 1), D(2024, 2, 29), D(2024, 2, 29))),
        # a quarterly review by the 20th of the quarter's last month
        (Recurrence.QUARTERLY, 20, D(2025, 5, 5), (D(2025, 4, 1), D(2025, 6, 30), D(2025, 6, 20))),
        (Recurrence.QUARTERLY, None, D(2025, 12, 31), (D(2025, 10, 1), D(2025, 12, 31), D(2025, 12, 31))),
        (Recurrence.YEARLY, 15, D(2025, 3, 1), (D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 15))),
        # weekly, due on Friday (5): the week runs Monday to Sunday
        (Recurrence.WEEKLY, 5, D(2025, 11, 29), (D(2025, 11, 24), D(2025, 11, 30), D(2025, 11, 28))),
        (Recurrence.WEEKLY, None, D(2025, 11, 24), (D(2025, 11, 24), D(2025, 11, 30), D(2025, 11, 30))),
    ],
)
def test_period_and_due_date(recurrence, due_day, day, expected):
    period = period_containing(recurrence, day, due_day)
    assert (period.start, period.end, period.due_on) == expected


@pytest.mark.parametrize(
    ("recurrence", "due_day", "due_month", "day", "expected"),
    [
        # Dispatch 1086/TTg-QHDP: report "before the 25th of the middle month of each quarter"
        (Recurrence.QUARTERLY, 24, 2, D(2024, 1, 2), (D(2024, 1, 1), D(2024, 3, 31), D(2024, 2, 24))),
        (Recurrence.QUARTERLY, 31, 2, D(2025, 11, 29), (D(2025, 10, 1), D(2025, 12, 31), D(2025, 11, 30))),
        (Recurrence.YEARLY, None, 6, D(2025, 11, 29), (D(2025, 1, 1), D(2025, 12, 31), D(2025, 6, 30))),
    ],
)
def test_due_in_a_chosen_month_of_the_period(recurrence, due_day, due_month, day, expected):
    period = period_containing(recurrence, day, due_day, due_month)
    assert (period.start, period.end, period.due_on) == expected


def test_first_occurrence_is_the_first_due_on_or_after_the_day_given():
    # Given on 25 November, a report due on the 20th: November's was due before the agency
    # had the task, so its first occurrence is December's.
    periods = schedule(Recurrence.MONTHLY, 20, first_due=D(2025, 11, 25), after=None, until=D(2026, 1, 15))
    assert [p.due_on for p in periods] == [D(2025, 12, 20), D(2026, 1, 20)]


def test_schedule_continues_after_the_last_period_held():
    periods = schedule(
        Recurrence.QUARTERLY, None, first_due=D(2025, 2, 23), after=D(2025, 6, 30), until=D(2025, 12, 31)
    )
    assert [p.start for p in periods] == [D(2025, 7, 1), D(2025, 10, 1)]


# --- generation, reports and timeliness (PostgreSQL) ------------------------------------------


ASSIGNED = hanoi(2025, 2, 24, 9)


def standing_task(world, *, assigned: dt.datetime = ASSIGNED, **overrides):
    fields = complete_task_fields(
        world,
        deadline=None,
        deadline_phrase="hằng tháng, trước ngày 20",
        recurrence=Recurrence.MONTHLY,
        due_day=20,
        title="Báo cáo tiến độ kết nối dữ liệu hằng tháng",
    )
    fields.update(overrides)
    with time_machine.travel(assigned, tick=False):
        task = services.task_create(actor=world.monitor, directive=world.directive, **fields)
        return services.task_assign(actor=world.monitor, task=task)


def report_at(world, task, when: dt.datetime, **kwargs):
    with time_machine.travel(when, tick=False):
        return services.progress_report_submit(actor=world.mps_focal, task=task, **kwargs)


@pytest.mark.django_db
def test_assigning_a_standing_task_writes_its_occurrences_ahead(world, settings):
    settings.STANDING_TASKS_HORIZON_DAYS = 45
    task = standing_task(world)
    # Given on 24 February: February's report (due the 20th) is not its to be late on; March
    # and April begin within 45 days.
    assert list(task.occurrences.values_list("due_on", flat=True)) == [D(2025, 3, 20), D(2025, 4, 20)]
    assert set(task.occurrences.values_list("status", flat=True)) == {OccurrenceStatus.OPEN}


@pytest.mark.django_db
def test_generation_is_idempotent_and_a_period_is_held_once(world):
    task = standing_task(world)
    before = task.occurrences.count()
    assert services.occurrences_generate(task=task, today=D(2025, 2, 24)) == 0
    services.occurrences_generate_all(today=D(2025, 2, 24))
    assert task.occurrences.count() == before
    # A month later the beat's pass adds the next period, once however often it runs.
    assert services.occurrences_generate_all(today=D(2025, 3, 25)) == 1
    assert services.occurrences_generate_all(today=D(2025, 3, 25)) == 0
    assert task.occurrences.count() == before + 1
    first = task.occurrences.order_by("period_start").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskOccurrence.objects.create(
            task=task, period_start=first.period_start, period_end=first.period_end, due_on=first.due_on
        )


@pytest.mark.django_db
def test_only_open_standing_tasks_get_occurrences(world):
    draft = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        **complete_task_fields(world, deadline=None, recurrence=Recurrence.MONTHLY),
    )
    dated = services.task_assign(
        actor=world.monitor,
        task=services.task_create(
            actor=world.monitor, directive=world.directive, **complete_task_fields(world)
        ),
    )
    services.occurrences_generate_all(today=D(2025, 3, 1))
    assert not TaskOccurrence.objects.filter(task__in=[draft, dated]).exists()


@pytest.mark.django_db
def test_due_month_must_fit_the_recurrence(world):
    with pytest.raises(ValidationError) as monthly:
        standing_task(world, due_month=2)
    assert "due_month" in monthly.value.message_dict
    with pytest.raises(ValidationError) as quarterly:
        standing_task(world, recurrence=Recurrence.QUARTERLY, due_month=4)
    assert "due_month" in quarterly.value.message_dict
    task = standing_task(world, recurrence=Recurrence.QUARTERLY, due_day=24, due_month=2)
    # given on 24 February, the first quarter's report is due that very day: it is the agency's
    assert list(task.occurrences.values_list("due_on", flat=True)) == [D(2025, 2, 24), D(2025, 5, 24)]


@pytest.mark.django_db
def test_due_day_must_fit_the_recurrence(world):
    with pytest.raises(ValidationError) as weekly:
        standing_task(world, recurrence=Recurrence.WEEKLY, due_day=9)
    assert "due_day" in weekly.value.message_dict
    with pytest.raises(ValidationError) as dated:
        services.task_create(
            actor=world.monitor, directive=world.directive, **complete_task_fields(world, due_day=20)
        )
    assert "due_day" in dated.value.message_dict


@pytest.mark.django_db
def test_a_report_belongs_to_the_oldest_occurrence_not_done_and_completes_it(world):
    task = standing_task(world)
    # March's report was not sent; on 2 April the agency sends it: it completes March, late.
    late = report_at(world, task, hanoi(2025, 4, 2, 10), note="Báo cáo tháng 3 đã gửi Thủ tướng.")
    march, april = task.occurrences.order_by("period_start")[:2]
    assert late.occurrence_id == march.pk
    march.refresh_from_db()
    assert (march.status, march.completion_date) == (OccurrenceStatus.COMPLETED, D(2025, 4, 2))
    # A report with a percentage below 100 says April's is under way; 100% completes it.
    partial = report_at(world, task, hanoi(2025, 4, 10, 10), note="Đang tổng hợp số liệu.", percent=60)
    assert partial.occurrence_id == april.pk
    april.refresh_from_db()
    assert april.status == OccurrenceStatus.REPORTED
    report_at(world, task, hanoi(2025, 4, 20, 23, 59), note="Đã gửi báo cáo tháng 4.", percent=100)
    rows = {o.pk: o.timeliness for o in task_occurrences(task, D(2025, 4, 30))}
    assert rows[march.pk] == Timeliness.COMPLETED_LATE
    # 23:59 in Hanoi on the due day is on time (16:59 UTC)
    assert rows[april.pk] == Timeliness.COMPLETED_ON_TIME


@pytest.mark.django_db
def test_a_report_just_after_midnight_in_hanoi_is_late(world):
    task = standing_task(world)
    report_at(world, task, hanoi(2025, 3, 21, 0, 1), note="Báo cáo tháng 3.")
    march = task_occurrences(task, D(2025, 3, 31))[-1]
    assert march.completion_date == D(2025, 3, 21)
    assert march.timeliness == Timeliness.COMPLETED_LATE


@pytest.mark.django_db
def test_a_coordinating_contribution_belongs_to_the_occurrence_but_completes_nothing(world):
    task = standing_task(world, coordinating_agencies=[world.mic])
    with time_machine.travel(hanoi(2025, 3, 5, 9), tick=False):
        contribution = services.progress_report_submit(
            actor=world.mic_focal, task=task, note="Số liệu của MIC."
        )
    march = task.occurrences.order_by("period_start").first()
    assert contribution.occurrence_id == march.pk
    march.refresh_from_db()
    assert march.status == OccurrenceStatus.OPEN


@pytest.mark.django_db
def test_occurrence_timeliness_through_its_due_day(world):
    task = standing_task(world)
    march = task.occurrences.order_by("period_start").first()

    def timeliness(day):
        return {o.pk: o.timeliness for o in task_occurrences(task, day)}[march.pk]

    assert timeliness(D(2025, 2, 28)) is None  # its period has not begun
    assert timeliness(D(2025, 3, 20)) == Timeliness.IN_PROGRESS_WITHIN_DEADLINE
    assert timeliness(D(2025, 3, 21)) == Timeliness.IN_PROGRESS_OVERDUE


@pytest.mark.django_db
def test_the_backlog_counts_occurrences_of_standing_tasks(world, django_assert_num_queries):
    task = standing_task(world)
    dated = services.task_assign(
        actor=world.monitor,
        task=services.task_create(
            actor=world.monitor, directive=world.directive, **complete_task_fields(world)
        ),
    )
    services.occurrences_generate_all(today=D(2025, 6, 25))
    report_at(world, task, hanoi(2025, 3, 18, 9), note="Báo cáo tháng 3.")  # March on time
    report_at(world, task, hanoi(2025, 4, 25, 9), note="Báo cáo tháng 4.")  # April late
    # As of 15 June: March on time, April late, May overdue, June within (due the 20th); July
    # generated ahead (begins 1 July) is not counted yet. The dated task (due 31 May) is overdue.
    as_of = D(2025, 6, 15)
    assert task.occurrences.filter(period_start__gt=as_of).exists()
    with django_assert_num_queries(3):  # transfers?, the counts (one statement), the agencies
        rows = backlog_by_lead_agency(Task.objects.all(), as_of)
    (row,) = rows
    assert row["lead_agency__code"] == "MPS"
    assert row[Timeliness.COMPLETED_ON_TIME] == 1
    assert row[Timeliness.COMPLETED_LATE] == 1
    assert row[Timeliness.IN_PROGRESS_OVERDUE] == 2  # May's occurrence and the dated task
    assert row[Timeliness.IN_PROGRESS_WITHIN_DEADLINE] == 1
    assert backlog_totals(rows)["total"] == 5
    # The dashboard's trend agrees with the backlog on the overdue total.
    trend = dict(overdue_trend(Task.objects.all(), [D(2025, 3, 31), as_of]))
    assert trend[as_of] == 2
    assert trend[D(2025, 3, 31)] == 0  # March was done on time, April not begun, task not due
    assert dated.deadline == D(2025, 5, 31)


@pytest.mark.django_db
def test_a_cancelled_standing_task_counts_nothing_and_drops_what_was_generated_ahead(world):
    task = standing_task(world)
    with time_machine.travel(hanoi(2025, 3, 25, 9), tick=False):
        services.occurrences_generate(task=task)
        services.task_cancel(actor=world.monitor, task=task, reason="Gộp vào báo cáo chung.")
    assert list(task.occurrences.values_list("period_start", flat=True)) == [D(2025, 3, 1)]
    assert backlog_by_lead_agency(Task.objects.all(), D(2025, 3, 31)) == []


@pytest.mark.django_db
def test_changing_the_recurrence_replaces_the_occurrences_not_yet_due(world):
    task = standing_task(world)
    report_at(world, task, hanoi(2025, 3, 10, 9), note="Báo cáo tháng 3.")
    with time_machine.travel(hanoi(2025, 3, 12, 9), tick=False):
        services.task_update(actor=world.monitor, task=task, recurrence=Recurrence.QUARTERLY, due_day=None)
    # March (reported on) stays; April's monthly occurrence goes; quarterly periods follow March.
    assert [(o.period_start, o.due_on) for o in task.occurrences.order_by("period_start")] == [
        (D(2025, 3, 1), D(2025, 3, 20)),
        (D(2025, 4, 1), D(2025, 6, 30)),
    ]


# --- the API and the task page ----------------------------------------------------------------


@pytest.mark.django_db
def test_api_shows_a_standing_tasks_occurrences_and_due_day(world):
    from tests.api.conftest import client_for

    task = standing_task(world)
    report = report_at(world, task, hanoi(2025, 3, 18, 9), note="Báo cáo tháng 3.")
    client = client_for(world.mps_focal)
    detail = client.get(f"/api/v1/tasks/{task.pk}/").json()
    assert (detail["recurrence"], detail["due_day"]) == ("monthly", 20)
    page = client.get(f"/api/v1/tasks/{task.pk}/occurrences/", {"as_of": "2025-04-25"})
    assert page.status_code == 200, page.content
    rows = page.json()["results"]
    # May's was written ahead when the March report was filed (45 days): not begun on 25 April
    assert [(r["due_on"], r["status"], r["timeliness"], r["reports"]) for r in rows] == [
        ("2025-05-20", "open", None, []),
        ("2025-04-20", "open", "in_progress_overdue", []),
        ("2025-03-20", "completed", "completed_on_time", [report.pk]),
    ]
    reports = client.get(f"/api/v1/tasks/{task.pk}/progress-reports/").json()["results"]
    assert reports[0]["occurrence"] == rows[2]["id"]
    # read-only, and another agency's task is a 404 as always
    assert client.post(f"/api/v1/tasks/{task.pk}/occurrences/", {}, format="json").status_code == 405
    assert client_for(world.moj_focal).get(f"/api/v1/tasks/{task.pk}/occurrences/").status_code == 404
    assert client.get(f"/api/v1/tasks/{task.pk}/occurrences/", {"asof": "x"}).status_code == 400


@pytest.mark.django_db
def test_api_sets_a_due_day_and_refuses_one_that_does_not_fit(world):
    from tests.api.conftest import client_for

    client = client_for(world.monitor)
    body = {
        "directive": world.directive.pk,
        "title": "Họp giao ban hằng tuần",
        "lead_agency": "MPS",
        "recurrence": "weekly",
        "due_day": 9,
    }
    refused = client.post("/api/v1/tasks/", body, format="json")
    assert refused.status_code == 400
    assert "due_day" in refused.json()
    created = client.post("/api/v1/tasks/", {**body, "due_day": 5}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["due_day"] == 5


@pytest.mark.django_db
def test_task_page_shows_the_occurrences_of_a_standing_task(world, client):
    task = standing_task(world)
    report_at(world, task, hanoi(2025, 3, 18, 9), note="Báo cáo tháng 3.")
    client.force_login(world.mps_focal)
    with time_machine.travel(hanoi(2025, 4, 25, 9), tick=False):
        page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'id="occurrences"' in page
    march, april = task.occurrences.order_by("period_start")[:2]
    assert f'data-occurrence="{march.pk}" data-timeliness="completed_on_time"' in page
    assert f'data-occurrence="{april.pk}" data-timeliness="in_progress_overdue"' in page
    assert "20/03/2025" in page
    # a task with a deadline has no such section
    dated = services.task_create(
        actor=world.monitor, directive=world.directive, **complete_task_fields(world)
    )
    client.force_login(world.monitor)
    assert 'id="occurrences"' not in client.get(f"/tasks/{dated.pk}/").content.decode()


@pytest.mark.django_db
def test_a_list_filtered_by_timeliness_shows_a_standing_task_with_such_an_occurrence(world):
    from tasks.selectors import timeliness_q

    task = standing_task(world)
    report_at(world, task, hanoi(2025, 3, 18, 9), note="Báo cáo tháng 3.")  # March on time
    as_of = D(2025, 4, 25)  # April's is overdue
    shown = {
        value: set(Task.objects.filter(timeliness_q(value, as_of)).values_list("pk", flat=True))
        for value in Timeliness
    }
    assert shown[Timeliness.IN_PROGRESS_OVERDUE] == {task.pk}
    assert shown[Timeliness.COMPLETED_ON_TIME] == {task.pk}
    assert shown[Timeliness.COMPLETED_LATE] == shown[Timeliness.IN_PROGRESS_WITHIN_DEADLINE] == set()
    # before March began, nothing of it is counted
    assert not Task.objects.filter(
        timeliness_q(Timeliness.IN_PROGRESS_WITHIN_DEADLINE, D(2025, 2, 27))
    ).exists()


# --- the clarity index counts occurrences ---------------------------------------------------


@pytest.mark.django_db
def test_the_clarity_index_counts_a_standing_task_once_per_begun_occurrence(world):
    from tasks.selectors import clarity_by_agency, clarity_by_directive, clarity_report

    # Given a monthly report assigned on 24 February (first due 20 March) with occurrences
    # generated through July, and a one-off task of the same agency and directive.
    task = standing_task(world)
    services.task_assign(
        actor=world.monitor,
        task=services.task_create(
            actor=world.monitor, directive=world.directive, **complete_task_fields(world)
        ),
    )
    services.occurrences_generate_all(today=D(2025, 6, 25))
    assert task.occurrences.filter(period_start__gt=D(2025, 6, 15)).exists()  # July, ahead

    def counts(as_of):
        (agency,) = clarity_by_agency(Task.objects.all(), as_of=as_of)
        (directive,) = clarity_by_directive(Task.objects.all(), as_of=as_of)
        assert (agency["tasks"], agency["complete"]) == (directive["tasks"], directive["complete"])
        return agency["tasks"], agency["complete"], agency["share"]

    # As of 15 June four periods have begun (March to June): the duty weighs four, as in the
    # backlog; the one-off task one.
    assert counts(D(2025, 6, 15)) == (5, 5, 1.0)
    # Each period that begins adds one; one generated ahead (July) adds nothing yet.
    assert counts(D(2025, 7, 1)) == (6, 6, 1.0)
    assert counts(D(2025, 3, 10)) == (2, 2, 1.0)
    # Before its first period begins it is still one task to be written clearly.
    assert counts(D(2025, 2, 25)) == (2, 2, 1.0)
    # The cached report keys on the date, so two dates give two answers.
    assert clarity_report(Task.objects.all(), as_of=D(2025, 6, 15))["by_agency"][0]["tasks"] == 5
    assert clarity_report(Task.objects.all(), as_of=D(2025, 3, 10))["by_agency"][0]["tasks"] == 2


@pytest.mark.django_db
def test_a_vague_standing_draft_and_a_cancelled_duty_in_the_clarity_index(world):
    from tasks.selectors import clarity_by_agency

    # A standing draft without a responsible official counts once, missing its person.
    fields = complete_task_fields(world, deadline=None, recurrence=Recurrence.MONTHLY, due_day=20)
    fields["responsible_official"] = None
    with time_machine.travel(ASSIGNED, tick=False):
        services.task_create(actor=world.monitor, directive=world.directive, **fields)
    # A duty cancelled after three periods counts nothing, as in the backlog.
    cancelled = standing_task(world)
    with time_machine.travel(hanoi(2025, 5, 2, 9), tick=False):
        services.occurrences_generate(task=cancelled)
        services.task_cancel(actor=world.monitor, task=cancelled, reason="Gộp vào báo cáo chung.")
    (row,) = clarity_by_agency(Task.objects.all(), as_of=D(2025, 6, 15))
    assert (row["tasks"], row["complete"], row["missing_person"]) == (1, 0, 1)


@pytest.mark.django_db
def test_the_clarity_page_counts_the_periods_of_its_date(world, client):
    task = standing_task(world)
    services.occurrences_generate_all(today=D(2025, 6, 25))
    client.force_login(world.monitor)

    def cell(as_of: str, kind: str, key: str, column: str) -> str:
        page = client.get(f"/clarity/?as_of={as_of}").content.decode()
        row = page.split(f'<tr data-{kind}="{key}">')[1].split("</tr>")[0]
        return row.split(f'data-column="{column}">')[1].split("<")[0]

    number = task.directive.number
    assert cell("2025-06-15", "agency", "MPS", "tasks") == "4"  # March to June
    assert cell("2025-06-15", "directive", number, "complete") == "4"
    assert cell("2025-03-10", "agency", "MPS", "tasks") == "1"
