"""The cached backlog is never older than the last committed change of a task."""

from __future__ import annotations

import datetime as dt

import pytest

from tasks import services
from tasks.models import Task
from tasks.selectors import backlog_by_lead_agency, backlog_report
from tests.factories import complete_task_fields

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 7, 1)


@pytest.fixture
def cached(settings):
    settings.BACKLOG_CACHE_SECONDS = 300


def overdue(rows, code):
    return next(r["in_progress_overdue"] for r in rows if r["lead_agency__code"] == code)


def test_second_read_comes_from_the_cache(cached, world, django_assert_num_queries):
    task = services.task_create(actor=world.monitor, directive=world.directive, **complete_task_fields(world))
    services.task_assign(actor=world.monitor, task=task)
    first = backlog_report(Task.objects.all(), AS_OF)
    with django_assert_num_queries(0):
        second = backlog_report(Task.objects.all(), AS_OF)
    assert second == first == backlog_by_lead_agency(Task.objects.all(), AS_OF)


def test_a_change_through_the_services_is_seen_at_once(cached, world, django_capture_on_commit_callbacks):
    task = services.task_create(actor=world.monitor, directive=world.directive, **complete_task_fields(world))
    services.task_assign(actor=world.monitor, task=task)
    assert overdue(backlog_report(Task.objects.all(), AS_OF), "MPS") == 1
    # a second overdue task, committed
    with django_capture_on_commit_callbacks(execute=True):
        other = services.task_create(
            actor=world.monitor, directive=world.directive, **complete_task_fields(world)
        )
        services.task_assign(actor=world.monitor, task=other)
    assert overdue(backlog_report(Task.objects.all(), AS_OF), "MPS") == 2
    # an approved extension moves a task out of "overdue"
    services.task_start(actor=world.mps_focal, task=other)
    request = services.extension_request_create(
        actor=world.mps_focal, task=other, proposed_deadline=dt.date(2025, 12, 31), reason="NA schedule"
    )
    services.extension_request_decide(actor=world.monitor, extension=request, approve=True)
    assert overdue(backlog_report(Task.objects.all(), AS_OF), "MPS") == 1


def test_different_filters_and_dates_are_cached_apart(cached, world):
    task = services.task_create(actor=world.monitor, directive=world.directive, **complete_task_fields(world))
    services.task_assign(actor=world.monitor, task=task)
    assert overdue(backlog_report(Task.objects.all(), AS_OF), "MPS") == 1
    assert backlog_report(Task.objects.all(), dt.date(2025, 5, 1))[0]["in_progress_overdue"] == 0
    assert backlog_report(Task.objects.filter(lead_agency=world.mic), AS_OF) == []
