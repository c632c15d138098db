"""A backlog of Notice 56/TB-VPCP built through the services, and a real Chromium for the
end-to-end tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tasks import services
from tests.factories import complete_task_fields

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
AS_OF = dt.date(2025, 6, 1)


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=HANOI), tick=False)


def build_backlog(world: SimpleNamespace) -> SimpleNamespace:
    """As of 01/06/2025: MPS has one task overdue, one within deadline, one completed on time;
    MIC one completed late and one overdue; MOJ one within deadline and a draft without a
    responsible official (for the clarity index)."""
    monitor = world.monitor

    def make(title, day, agency="mps", assign=True, **overrides):
        chosen = {
            "title": title,
            "deadline": day,
            "lead_agency": getattr(world, agency),
            "responsible_official": getattr(world, f"{agency}_focal"),
            "accountable_leader": getattr(world, f"{agency}_leader"),
        }
        chosen.update(overrides)
        fields = complete_task_fields(world, **chosen)
        with at(dt.date(2025, 2, 25)):
            task = services.task_create(actor=monitor, directive=world.directive, **fields)
            if assign:
                task = services.task_assign(actor=monitor, task=task)
        return task

    # MOJ needs a leader for complete tasks.
    from agencies.choices import Role
    from tests.factories import OfficialFactory

    world.moj_leader = OfficialFactory(username="t.moj.leader", agency=world.moj, role=Role.LEADER)

    overdue = make("Complete the draft Personal Data Protection Law", dt.date(2025, 5, 31))
    with at(dt.date(2025, 4, 2)):
        services.progress_report_submit(actor=world.mps_focal, task=overdue, percent=60, note="Draft ready")
    within = make(
        "Connect the population database with the civil status registry",
        dt.date(2025, 6, 30),
        coordinating_agencies=[world.mic],
    )
    on_time = make("Issue the plan for Project 06 in 2025", dt.date(2025, 4, 30))
    with at(dt.date(2025, 4, 20)):
        services.task_submit(actor=world.mps_focal, task=on_time, result_summary="Plan 123/KH-BCA issued")
    with at(dt.date(2025, 4, 25)):
        services.task_confirm(actor=monitor, task=on_time)
    late = make(
        "Provide 100% of eligible procedures as full online public services", dt.date(2025, 3, 31), "mic"
    )
    with at(dt.date(2025, 4, 10)):
        services.task_submit(actor=world.mic_focal, task=late, result_summary="Portal upgraded")
    with at(dt.date(2025, 4, 12)):
        services.task_confirm(actor=monitor, task=late)
    mic_overdue = make(
        "Reach 80% of administrative procedure records processed online",
        dt.date(2025, 5, 15),
        "mic",
        result_kind="indicator",
        expected_result="80% of dossiers processed online",
        target_value=80,
        target_unit="%",
    )
    moj_within = make("Review legal documents on digital transformation", dt.date(2025, 12, 31), "moj")
    draft = make(
        "Study a project applying the Internet of Things",
        dt.date(2025, 9, 30),
        "moj",
        assign=False,
        responsible_official=None,
    )
    return SimpleNamespace(
        world=world,
        overdue=overdue,
        within=within,
        on_time=on_time,
        late=late,
        mic_overdue=mic_overdue,
        moj_within=moj_within,
        draft=draft,
    )


@pytest.fixture
def backlog(world):
    return build_backlog(world)


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login
