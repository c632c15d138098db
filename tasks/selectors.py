"""Reads that matter: visibility, timeliness and the backlog, all computed in the database."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from agencies.models import Official
from tasks.choices import TaskStatus, Timeliness
from tasks.models import Task
from tasks.permissions import visible_tasks_q

#: Statuses that count in a backlog as of a date; drafts and cancelled tasks do not.
COUNTED_STATUSES = (
    TaskStatus.ASSIGNED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.SUBMITTED,
    TaskStatus.COMPLETED,
)


def timeliness_expression(as_of: dt.date) -> Case:
    """Timeliness as of the end of ``as_of`` in Hanoi, as one SQL CASE.

    A task counts as completed on that date once the Government Office had confirmed it by
    then; it is on time when the agency submitted the confirmed result on or before the
    deadline day. Otherwise it is still in progress, overdue once the deadline day (the
    extended one, if an extension was approved) has passed.
    """
    completed = Q(status=TaskStatus.COMPLETED, completion_confirmed_on__lte=as_of)
    counted = Q(status__in=COUNTED_STATUSES, deadline__isnull=False)
    return Case(
        When(
            completed & Q(completion_date__lte=F("deadline")), then=Value(Timeliness.COMPLETED_ON_TIME.value)
        ),
        When(completed, then=Value(Timeliness.COMPLETED_LATE.value)),
        When(counted & Q(deadline__gte=as_of), then=Value(Timeliness.IN_PROGRESS_WITHIN_DEADLINE.value)),
        When(counted, then=Value(Timeliness.IN_PROGRESS_OVERDUE.value)),
        default=Value(None),
        output_field=CharField(),
    )


def with_timeliness(queryset: QuerySet[Task], as_of: dt.date | None = None) -> QuerySet[Task]:
    return queryset.annotate(timeliness=timeliness_expression(as_of or timezone.localdate()))


def timeliness_q(value: str, as_of: dt.date) -> Q:
    """The same rule as a filter, so that filtering does not need the annotation."""
    completed = Q(status=TaskStatus.COMPLETED, completion_confirmed_on__lte=as_of)
    counted = Q(status__in=COUNTED_STATUSES, deadline__isnull=False) & ~completed
    return {
        Timeliness.COMPLETED_ON_TIME: completed & Q(completion_date__lte=F("deadline")),
        Timeliness.COMPLETED_LATE: completed & Q(completion_date__gt=F("deadline")),
        Timeliness.IN_PROGRESS_WITHIN_DEADLINE: counted & Q(deadline__gte=as_of),
        Timeliness.IN_PROGRESS_OVERDUE: counted & Q(deadline__lt=as_of),
    }[Timeliness(value)]


def task_list_for_user(user: Official) -> QuerySet[Task]:
    """Every task the user may read: all for a monitor, else their agency's as lead or
    coordinator. Lists, detail pages and actions all start from this queryset."""
    queryset = Task.objects.all()
    condition = visible_tasks_q(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset


def task_get_for_user(*, user: Official, task_id: int) -> Task:
    """Fetch one task the user may read; Task.DoesNotExist when they may not (a 404, so that
    another agency's task numbers reveal nothing)."""
    return (
        task_list_for_user(user)
        .select_related("directive", "lead_agency", "responsible_official", "accountable_leader")
        .prefetch_related("coordinating_agencies")
        .get(pk=task_id)
    )


BACKLOG_COLUMNS = tuple(t.value for t in Timeliness)


def backlog_by_lead_agency(queryset: QuerySet[Task], as_of: dt.date) -> list[dict]:
    """One row per lead agency with the four counts and the total, by one grouped query."""
    counts = {column: Count("id", filter=timeliness_q(column, as_of)) for column in BACKLOG_COLUMNS}
    rows = (
        queryset.filter(status__in=COUNTED_STATUSES, deadline__isnull=False)
        .values("lead_agency_id", "lead_agency__code", "lead_agency__name_vi", "lead_agency__name_en")
        .annotate(**counts)
        .order_by("lead_agency__code")
    )
    result = []
    for row in rows:
        row["total"] = sum(row[c] for c in BACKLOG_COLUMNS)
        result.append(row)
    return result


def backlog_totals(rows: list[dict]) -> dict:
    totals = {c: sum(r[c] for r in rows) for c in BACKLOG_COLUMNS}
    totals["total"] = sum(totals.values())
    return totals
