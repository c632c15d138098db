"""The sweep's two ways of deciding its messages write the same outbox: the set-based
statement PostgreSQL runs (``sweep_sql``, the default there) and the Python path that SQLite
runs (NOTIFICATIONS_SWEEP_IN_SQL off). The same days are swept twice over the same tasks and
people, once each way, and every row is compared."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from agencies.choices import Role
from notifications.models import NotificationPreference, Reminder, SweepState
from notifications.services import reminders_sweep
from tasks.models import Task
from tests.factories import OfficialFactory
from tests.notifications.conftest import at, make_task
from tests.notifications.test_standing import monthly_report_task

D = dt.date
pytestmark = pytest.mark.usefixtures("postgres", "ladder")

#: Every column the sweep writes, and those it leaves at their defaults.
COLUMNS = (
    "task_id",
    "rule_id",
    "deadline",
    "period",
    "language",
    "part",
    "digest",
    "recipient_id",
    "level",
    "due_on",
    "status",
    "error",
    "attempts",
    "next_attempt_at",
    "message_id",
    "claim_token",
    "sent_at",
)


def outbox() -> list[tuple]:
    rows = Reminder.objects.order_by().values_list(*COLUMNS, "recipients")
    # the recipients' order is kept (it is the ladder's order); keys are sorted by JSON
    return sorted((*row[:-1], json.dumps(row[-1], sort_keys=True)) for row in rows)


def people(world):
    """More people than the demo's: more focal points of the ministry (named in id order),
    one reading English and the daily digest, some reading Vietnamese, one without an address,
    an inactive supervisor, and a focal point appointed only in the middle of the ladder."""
    english = OfficialFactory(username="t.mps.en", agency=world.mps, role=Role.FOCAL_POINT, language="en")
    NotificationPreference.objects.create(official=english, daily_digest=True)
    NotificationPreference.objects.create(official=world.mic_leader, daily_digest=True)
    NotificationPreference.objects.create(official=world.monitor2, daily_digest=False)
    OfficialFactory(username="t.mps.noaddress", agency=world.mps, role=Role.FOCAL_POINT, email="")
    OfficialFactory(username="t.mps.deputy", agency=world.mps, role=Role.FOCAL_POINT)
    retired = OfficialFactory(username="t.mps.retired", agency=world.mps, role=Role.LEADER, is_active=False)
    world.mps_focal.supervisor = retired
    world.mps_focal.language = "vi"
    world.mps_focal.save(update_fields=["supervisor", "language"])
    world.mic_leader.language = "vi"
    world.mic_leader.save(update_fields=["language"])
    late = OfficialFactory(username="t.moj.late", agency=world.moj, role=Role.FOCAL_POINT, is_active=False)
    return late


def tasks(world):
    make_task(world, code="56/TB-VPCP/P1", deadline=D(2025, 5, 30))
    make_task(world, code="56/TB-VPCP/P2", deadline=D(2025, 6, 6))
    make_task(
        world,
        code="56/TB-VPCP/P3",
        deadline=D(2025, 5, 31),  # a Saturday: two rungs on the Friday
        lead_agency=world.mic,
        responsible_official=world.mic_focal,
        accountable_leader=world.mic_leader,
    )
    moj_leader = OfficialFactory(username="t.moj.leader", agency=world.moj, role=Role.LEADER)
    moj = make_task(
        world,
        code="56/TB-VPCP/P4",
        deadline=D(2025, 5, 28),
        lead_agency=world.moj,
        responsible_official=world.moj_focal,
        accountable_leader=moj_leader,
    )
    # entered by someone who is not a monitor: level 3 names every monitor
    Task.objects.filter(pk=moj.pk).update(created_by=world.moj_focal)
    monthly_report_task(world)


def play(late) -> list[dict]:
    """The days swept: daily at first, then a week's outage (catch-up), then a focal point
    appointed and the same day swept again (people added to rungs already written)."""
    results = []
    for day in (D(2025, 5, 16), D(2025, 5, 19), D(2025, 5, 20), D(2025, 5, 21)):
        results.append(reminders_sweep(as_of=at(day)).counts)
    results.append(reminders_sweep(as_of=at("2025-06-02")).counts)  # catches up from 22/05
    results.append(reminders_sweep(as_of=at("2025-06-04")).counts)  # the MOJ task's level 3
    late.is_active = True
    late.save(update_fields=["is_active"])
    results.append(reminders_sweep(as_of=at("2025-06-04", 15)).counts)
    for day in (D(2025, 6, 6), D(2025, 6, 9), D(2025, 6, 13), D(2025, 6, 20)):
        results.append(reminders_sweep(as_of=at(day)).counts)
    return results


def reset(late) -> None:
    Reminder.objects.all().delete()
    SweepState.objects.all().delete()
    late.is_active = False
    late.save(update_fields=["is_active"])


def test_set_based_and_python_sweeps_write_the_same_rows(world):
    # Given tasks at several deadlines, a standing task, and people of every kind
    late = people(world)
    tasks(world)
    # When the same days are swept the Python way, then again in SQL
    with override_settings(NOTIFICATIONS_SWEEP_IN_SQL=False):
        python_counts = play(late)
    python_rows = outbox()
    reset(late)
    with CaptureQueriesContext(connection) as queries:
        sql_counts = play(late)
    sql_rows = outbox()
    # Then the set-based statement ran, and both wrote the same rows with the same counts
    assert any("WITH rungs" in q["sql"] for q in queries.captured_queries)
    assert sql_counts == python_counts
    assert sql_rows == python_rows
    # and the scenario reached what it was built for: all three levels, both languages,
    # digest rows, rows with nobody to send to, a second part of a rung, repetitions
    assert {row[8] for row in sql_rows} == {1, 2, 3}
    assert {row[4] for row in sql_rows} == {"vi", "en"}
    assert any(row[6] for row in sql_rows)
    assert {row[10] for row in sql_rows} >= {"pending", "skipped"}
    assert any(row[5] > 0 for row in sql_rows)
    assert any(row[3] > 0 for row in sql_rows)
    assert any('"no_address"' in row[-1] for row in sql_rows)
