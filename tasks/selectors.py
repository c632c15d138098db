"""Reads that matter: visibility, timeliness and the backlog, all computed in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from agencies.choices import ReorganisationKind, ReorganisationStatus
from agencies.models import Agency, Official, ReorganisationEvent
from common.cache import generation_cached
from signatures.choices import Verdict
from tasks import lifecycle
from tasks.choices import (
    COUNTED_STATUSES,
    OPEN_STATUSES,
    AgencyAttribution,
    ExtensionStatus,
    OccurrenceStatus,
    Recurrence,
    TaskAction,
    TaskStatus,
    Timeliness,
    TransferRole,
)
from tasks.clears import CLEAR_CONDITIONS, all_clears_q
from tasks.models import EvidenceFile, ExtensionRequest, Task, TaskOccurrence, TaskTransfer
from tasks.permissions import visibility_key, visible_tasks_q


class TimelinessAnnotation(TypedDict):
    """What ``with_timeliness`` adds to each task: a ``Timeliness`` value, or None for a task
    the backlog does not count (a draft, a cancelled one, one without a deadline)."""

    timeliness: str | None


if TYPE_CHECKING:
    from typing import TypeAlias

    from django_stubs_ext import WithAnnotations

    #: A task read through ``with_timeliness`` (the checker's name for it).
    TaskWithTimeliness: TypeAlias = WithAnnotations[Task, TimelinessAnnotation]


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


def with_timeliness(queryset: QuerySet[Task], as_of: dt.date | None = None) -> QuerySet[TaskWithTimeliness]:
    return queryset.annotate(timeliness=timeliness_expression(as_of or timezone.localdate()))


def _timeliness_among_counted(as_of: dt.date) -> dict[str, Q]:
    """Each timeliness as a condition on a task already known to be counted (assigned or
    later, not cancelled, with a deadline): the backlog's WHERE has said that once, so its
    FILTERs need only tell the four apart. A completed task always has both dates (a check
    constraint), so no NULL logic is needed."""
    completed = Q(status=TaskStatus.COMPLETED, completion_confirmed_on__lte=as_of)
    still_open = ~Q(status=TaskStatus.COMPLETED) | Q(completion_confirmed_on__gt=as_of)
    return {
        Timeliness.COMPLETED_ON_TIME: completed & Q(completion_date__lte=F("deadline")),
        Timeliness.COMPLETED_LATE: completed & Q(completion_date__gt=F("deadline")),
        Timeliness.IN_PROGRESS_WITHIN_DEADLINE: still_open & Q(deadline__gte=as_of),
        Timeliness.IN_PROGRESS_OVERDUE: still_open & Q(deadline__lt=as_of),
    }


COUNTED_Q = Q(status__in=COUNTED_STATUSES, deadline__isnull=False)


def dated_timeliness_q(value: str, as_of: dt.date) -> Q:
    """The rule for tasks with a deadline as a filter, so that filtering does not need the
    annotation."""
    return COUNTED_Q & _timeliness_among_counted(as_of)[Timeliness(value)]


def timeliness_q(value: str, as_of: dt.date) -> Q:
    """The tasks a list filtered by a timeliness shows: a task with a deadline by its own
    timeliness, and a standing task when one of its begun occurrences has that timeliness (the
    backlog counts each such occurrence; the list shows the task once, with its occurrences on
    its page)."""
    value = Timeliness(value)
    occurrences = TaskOccurrence.objects.filter(task_id=OuterRef("pk"), period_start__lte=as_of).filter(
        _occurrence_timeliness_among_counted(as_of)[value]
    )
    standing = Q(status__in=COUNTED_STATUSES) & ~Q(recurrence=Recurrence.NONE) & Q(Exists(occurrences))
    return dated_timeliness_q(value, as_of) | standing


# --- standing tasks: timeliness per occurrence -----------------------------------------------


def _occurrence_timeliness_among_counted(as_of: dt.date) -> dict[str, Q]:
    """The four timeliness values of an occurrence as of the end of ``as_of`` in Hanoi, by the
    rule a task's follows: completed by then (the lead agency's completing report, dated in
    Hanoi) on or before its due day is on time; not completed by then, it is within its
    deadline through its due day and overdue after it."""
    completed = Q(status=OccurrenceStatus.COMPLETED, completion_date__lte=as_of)
    still_open = ~Q(status=OccurrenceStatus.COMPLETED) | Q(completion_date__gt=as_of)
    return {
        Timeliness.COMPLETED_ON_TIME: completed & Q(completion_date__lte=F("due_on")),
        Timeliness.COMPLETED_LATE: completed & Q(completion_date__gt=F("due_on")),
        Timeliness.IN_PROGRESS_WITHIN_DEADLINE: still_open & Q(due_on__gte=as_of),
        Timeliness.IN_PROGRESS_OVERDUE: still_open & Q(due_on__lt=as_of),
    }


def occurrence_timeliness_expression(as_of: dt.date) -> Case:
    """An occurrence's timeliness as one SQL CASE; None before its period begins (generated
    ahead, it is nobody's work yet)."""
    conditions = _occurrence_timeliness_among_counted(as_of)
    return Case(
        *(When(Q(period_start__lte=as_of) & conditions[t], then=Value(t.value)) for t in Timeliness),
        default=Value(None),
        output_field=CharField(),
    )


def occurrences_counted(queryset: QuerySet[Task], as_of: dt.date) -> QuerySet[TaskOccurrence]:
    """The occurrences a report as of ``as_of`` counts for the tasks of ``queryset``: those of
    its standing tasks that are counted (assigned or later, not cancelled) whose period had
    begun by then. An overdue occurrence is overdue work of its agency, as an overdue task is."""
    standing = (
        queryset.filter(status__in=COUNTED_STATUSES)
        .exclude(recurrence=Recurrence.NONE)
        .order_by()
        .values("pk")
    )
    return TaskOccurrence.objects.filter(task_id__in=standing, period_start__lte=as_of).order_by()


def occurrences_of(task: Task, as_of: dt.date | None = None) -> QuerySet[TaskOccurrence]:
    """A standing task's occurrences, newest first, each with its timeliness as of ``as_of`` and
    its reports (one query each): what the task page and the API show."""
    return (
        task.occurrences.annotate(timeliness=occurrence_timeliness_expression(as_of or timezone.localdate()))
        .prefetch_related("reports__agency")
        .order_by("-period_start", "-id")
    )


def task_occurrences(task: Task, as_of: dt.date | None = None) -> list[TaskOccurrence]:
    return list(occurrences_of(task, as_of))


def task_list_for_user(user: Official) -> QuerySet[Task]:
    """Every task the user may read: all for a monitor, else their agency's as lead or
    coordinator. Lists, detail pages and actions all start from this queryset."""
    queryset = Task.objects.all()
    condition = visible_tasks_q(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset


def officials_nameable_by(user: Official | None) -> QuerySet[Official]:
    """The officials a caller may name in a filter: everyone for a monitor; otherwise their own
    agency's and those responsible for a task they see. Any other login is refused exactly as
    an unknown one, so a filter cannot confirm that an account exists in another agency."""
    if user is None or not user.is_authenticated:
        return Official.objects.none()
    if visible_tasks_q(user) is None:
        return Official.objects.all()
    responsible = task_list_for_user(user).filter(responsible_official_id=OuterRef("pk"))
    return Official.objects.filter(
        Q(agency_id=user.agency_id, agency_id__isnull=False) | Q(Exists(responsible))
    )


def task_get_for_user(*, user: Official, task_id: int) -> Task:
    """Fetch one task the user may read; Task.DoesNotExist when they may not (a 404, so that
    another agency's task numbers reveal nothing)."""
    return (
        task_list_for_user(user)
        .select_related("directive", "lead_agency", "responsible_official", "accountable_leader")
        .prefetch_related("coordinating_agencies")
        .get(pk=task_id)
    )


def allowed_actions(user: Official, task: Task) -> list[TaskAction]:
    """The actions ``user`` may take on ``task`` now, in the lifecycle's order: exactly those
    whose service would not refuse them for who the user is or where the task stands (the
    input, such as a reason, is still checked when the action is taken). The task page's
    buttons and the API's ``allowed_actions`` both come from here. Pass a task fetched by
    ``task_get_for_user`` (its coordinating agencies prefetched), so that the checks read no
    more than whether an extension request is pending."""
    return [rule.action for rule in lifecycle.RULES if lifecycle.refusal(user, task, rule.action) is None]


def held_actions(user: Official, task: Task) -> dict[str, str]:
    """Actions the user's role and the task's status allow but a condition of the lifecycle
    holds back (a confirmation waiting for a signed result), each with why: the task page shows
    them disabled, with the reason, instead of hiding them."""
    held: dict[str, str] = {}
    for rule in lifecycle.RULES:
        reason = lifecycle.blocked(user, task, rule.action)
        if reason is not None:
            held[rule.action] = " ".join(getattr(reason, "messages", None) or [str(reason)])
    return held


# --- agencies across a reorganisation ---------------------------------------------------------


def successors_today() -> dict[int, int]:
    """For each agency that ended in an applied merge or rename (or a dissolution handed to a
    single successor), the agency that carries it on today, following chains (A into B, B
    renamed C: A -> C). A split has no single successor: its predecessor keeps its own row."""
    step: dict[int, int] = {}
    events = (
        ReorganisationEvent.objects.filter(status=ReorganisationStatus.APPLIED)
        .exclude(kind=ReorganisationKind.SPLIT)
        .prefetch_related("predecessors", "successors")
        .order_by("effective_on", "id")
    )
    for event in events:
        successors = list(event.successors.all())
        if len(successors) != 1:
            continue
        for predecessor in event.predecessors.all():
            step[predecessor.pk] = successors[0].pk
    resolved = {}
    for start in step:
        seen, current = {start}, step[start]
        while current in step and step[current] not in seen:
            seen.add(current)
            current = step[current]
        resolved[start] = current
    return resolved


def predecessors_of(agency_ids: list[int]) -> set[int]:
    """Every agency that ended into one of ``agency_ids`` (directly or through a chain)."""
    wanted = set(agency_ids)
    return {old for old, new in successors_today().items() if new in wanted}


def lead_agency_key(as_of: dt.date, attribution: str = AgencyAttribution.AS_OF) -> Expression | None:
    """The lead agency a report credits a task to, as an SQL expression, or None when the
    stored ``lead_agency_id`` already is the answer (no task moved after ``as_of``, nothing
    ended): then the report keeps its plain, index-only GROUP BY.

    - the agencies of ``as_of``: a task moved by a reorganisation after that date is credited
      to the agency it moved from (its first lead transfer after the date), read from
      ``TaskTransfer``;
    - as the agencies are today: an agency that ended is rolled into its successor, so closed
      tasks of MIC count under MOST for trends across the change.
    """
    return lead_agency_keys(as_of, attribution)[0]


def lead_agency_keys(
    as_of: dt.date, attribution: str = AgencyAttribution.AS_OF, *throughs: str
) -> list[Expression | None]:
    """``lead_agency_key`` for the task itself and for each related path in ``throughs``
    (``"task__"``: an occurrence of a standing task is credited as its task is), deciding
    once (one read) whether anything needs crediting elsewhere."""
    paths = ("", *throughs)
    if attribution == AgencyAttribution.TODAY:
        mapping = successors_today()
        if not mapping:
            return [None] * len(paths)
        return [
            Case(
                *(
                    When(**{f"{path}lead_agency_id": old}, then=Value(new))
                    for old, new in sorted(mapping.items())
                ),
                default=F(f"{path}lead_agency_id"),
                output_field=IntegerField(),
            )
            for path in paths
        ]
    if not TaskTransfer.objects.filter(role=TransferRole.LEAD, effective_on__gt=as_of).exists():
        return [None] * len(paths)
    keys: list[Expression | None] = []
    for path in paths:
        moved_from = (
            TaskTransfer.objects.filter(
                task_id=OuterRef(f"{path.removesuffix('__')}_id" if path else "pk"),
                role=TransferRole.LEAD,
                effective_on__gt=as_of,
            )
            .order_by("effective_on", "id")
            .values("from_agency_id")[:1]
        )
        keys.append(Coalesce(Subquery(moved_from), F(f"{path}lead_agency_id"), output_field=IntegerField()))
    return keys


def filter_lead_agency(
    queryset: QuerySet[Task],
    agency_ids: list[int],
    *,
    as_of: dt.date | None = None,
    attribution: str = AgencyAttribution.AS_OF,
    include_predecessors: bool = False,
) -> QuerySet[Task]:
    """Tasks credited to these agencies, as the backlog credits them, so that a number of the
    backlog and the list behind it agree across a reorganisation. Without a date: tasks led by
    them now, or moved away from them (an old code still finds its tasks). With
    ``include_predecessors`` a successor's list takes in what its predecessors kept."""
    ids = set(agency_ids)
    if include_predecessors:
        ids |= predecessors_of(list(ids))
    if as_of is None:
        moved_away = TaskTransfer.objects.filter(
            task_id=OuterRef("pk"), role=TransferRole.LEAD, from_agency_id__in=ids
        )
        return queryset.filter(Q(lead_agency_id__in=ids) | Q(Exists(moved_away)))
    key = lead_agency_key(as_of, attribution)
    if key is None:
        return queryset.filter(lead_agency_id__in=ids)
    return queryset.alias(credited_agency=key).filter(credited_agency__in=ids)


def credited_agencies(
    queryset: QuerySet[Task], as_of: dt.date, attribution: str = AgencyAttribution.AS_OF
) -> dict[int, Agency]:
    """For the tasks of ``queryset`` credited as of ``as_of`` to another agency than the one
    leading them now (they moved later, or it ended and ``today`` rolls it up): task id ->
    that agency. Empty, after one small query, when nothing moved after the date."""
    key = lead_agency_key(as_of, attribution)
    if key is None:
        return {}
    pairs = list(
        queryset.order_by()
        .annotate(credited_agency=key)
        .exclude(credited_agency=F("lead_agency_id"))
        .values_list("pk", "credited_agency")
    )
    agencies = Agency.objects.in_bulk({agency for _pk, agency in pairs})
    return {pk: agencies[agency] for pk, agency in pairs}


#: The cache key of the tasks generation (``common.cache``): every committed change of a task,
#: or of the agency codes and usernames that task data shows, moves it on (``tasks_changed``).
TASKS_GENERATION_KEY = "tasks:generation"

BACKLOG_COLUMNS = tuple(t.value for t in Timeliness)


def _plain_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A grouped query's rows as dicts the caller may add names to (the checker types each
    ``.values()`` row as a closed TypedDict)."""
    return [dict(row) for row in rows]


def backlog_by_lead_agency(
    queryset: QuerySet[Task], as_of: dt.date, attribution: str = AgencyAttribution.AS_OF
) -> list[dict]:
    """One row per lead agency with the four counts and the total.

    The counts come from one statement: the task table alone, grouped by the lead agency's id
    (grouping by the joined names made PostgreSQL sort text on disk at a million tasks), and,
    in the same statement (UNION ALL), the occurrences of standing tasks grouped by their
    task's lead agency: a standing task counts once per period that has begun
    (``occurrences_counted``). The agencies' codes and names are then read by primary key.
    Across a reorganisation the group key is the agency the task is credited to
    (``lead_agency_key``): as of 15 February 2025 MIC's tasks count under MIC, as of 1 June
    under MOST.
    """
    conditions = _timeliness_among_counted(as_of)
    occurrence_conditions = _occurrence_timeliness_among_counted(as_of)
    key, occurrence_key = lead_agency_keys(as_of, attribution, "task__")
    counted = queryset.filter(COUNTED_Q).order_by()
    occurrences = occurrences_counted(queryset, as_of)
    grouped: QuerySet[Any, Mapping[str, Any]]
    occurrence_grouped: QuerySet[Any, Mapping[str, Any]]
    if key is not None:
        grouped = counted.annotate(credited_agency=key).values("credited_agency")
        occurrence_grouped = occurrences.annotate(credited_agency=occurrence_key).values("credited_agency")
    else:
        grouped = counted.values("lead_agency_id")
        occurrence_grouped = occurrences.values("task__lead_agency_id")
    counts = grouped.annotate(
        **{column: Count("pk", filter=conditions[column]) for column in BACKLOG_COLUMNS}
    )
    occurrence_counts = occurrence_grouped.annotate(
        **{column: Count("pk", filter=occurrence_conditions[column]) for column in BACKLOG_COLUMNS}
    )
    merged: dict[int, dict[str, Any]] = {}
    for union_row in counts.union(occurrence_counts, all=True):
        row: dict[str, Any] = dict(union_row)
        agency_id: int = row.pop("credited_agency" if key is not None else "lead_agency_id")
        if agency_id in merged:
            for column in BACKLOG_COLUMNS:
                merged[agency_id][column] += row[column]
        else:
            merged[agency_id] = {"lead_agency_id": agency_id, **row}
    rows = list(merged.values())
    agencies = {
        a["pk"]: a
        for a in Agency.objects.filter(pk__in=[r["lead_agency_id"] for r in rows]).values(
            "pk", "code", "name_vi", "name_en"
        )
    }
    for row in rows:
        agency = agencies[row["lead_agency_id"]]
        row["lead_agency__code"] = agency["code"]
        row["lead_agency__name_vi"] = agency["name_vi"]
        row["lead_agency__name_en"] = agency["name_en"]
        row["total"] = sum(row[c] for c in BACKLOG_COLUMNS)
    rows.sort(key=lambda r: r["lead_agency__code"])
    return rows


def backlog_report(
    queryset: QuerySet[Task], as_of: dt.date, attribution: str = AgencyAttribution.AS_OF
) -> list[dict]:
    """``backlog_by_lead_agency`` behind the shared cache (BACKLOG_CACHE_SECONDS), keyed on the
    filtered query, the date and the attribution: the dashboard and the API ask for the same
    counts again and again, and counting a million tasks takes a quarter of a second."""
    return generation_cached(
        "backlog",
        f"{queryset.query}|{as_of.isoformat()}|{attribution}",
        settings.BACKLOG_CACHE_SECONDS,
        lambda: backlog_by_lead_agency(queryset, as_of, attribution),
        generation_key=TASKS_GENERATION_KEY,
    )


def backlog_totals(rows: list[dict]) -> dict:
    totals = {c: sum(r[c] for r in rows) for c in BACKLOG_COLUMNS}
    totals["total"] = sum(totals.values())
    return totals


# --- web app reads (dashboard, clarity index, drill-down lists, feeds) ----------------------


def on_time_rate(row: dict) -> float | None:
    """Share of tasks judged so far that were done on time: completed on time over completed
    (on time or late) plus overdue. Tasks still within their deadline are not judged yet;
    None when nothing has been judged."""
    judged = (
        row[Timeliness.COMPLETED_ON_TIME]
        + row[Timeliness.COMPLETED_LATE]
        + row[Timeliness.IN_PROGRESS_OVERDUE]
    )
    if not judged:
        return None
    return row[Timeliness.COMPLETED_ON_TIME] / judged


def overdue_trend(queryset: QuerySet[Task], dates: list[dt.date]) -> list[tuple[dt.date, int]]:
    """How many tasks and occurrences of standing tasks were in progress and overdue as of each
    date, by one statement (the two aggregates joined by UNION ALL).

    Uses the same rules as the backlog (``dated_timeliness_q``, ``occurrences_counted``), so the
    point for a date equals the backlog's overdue total as of that date.
    """
    if not dates:
        return []
    counted = queryset.filter(status__in=COUNTED_STATUSES, deadline__isnull=False).order_by()
    overdue = Timeliness.IN_PROGRESS_OVERDUE
    aggregates = {
        f"d{i}": Count("id", filter=dated_timeliness_q(overdue, day)) for i, day in enumerate(dates)
    }
    occurrences = occurrences_counted(queryset, max(dates))
    occurrence_aggregates = {
        f"d{i}": Count(
            "id", filter=Q(period_start__lte=day) & _occurrence_timeliness_among_counted(day)[overdue]
        )
        for i, day in enumerate(dates)
    }
    # A constant group makes each side one row, so that the two can be joined in one statement.
    rows = (
        counted.annotate(one=Value(1))
        .values("one")
        .annotate(**aggregates)
        .union(occurrences.annotate(one=Value(1)).values("one").annotate(**occurrence_aggregates), all=True)
    )
    totals = dict.fromkeys(aggregates, 0)
    for row in _plain_rows(rows):
        for name in totals:
            totals[name] += row[name]
    return [(day, totals[f"d{i}"]) for i, day in enumerate(dates)]


def overdue_trend_report(queryset: QuerySet[Task], dates: list[dt.date]) -> list[tuple[dt.date, int]]:
    """``overdue_trend`` behind the shared cache, as the backlog's counts are: the dashboard draws
    it on every visit, and it reads every counted task (a third of a second at a million)."""
    return generation_cached(
        "overdue-trend",
        f"{queryset.query}|{','.join(d.isoformat() for d in dates)}",
        settings.BACKLOG_CACHE_SECONDS,
        lambda: overdue_trend(queryset, dates),
        generation_key=TASKS_GENERATION_KEY,
    )


def _through(condition: Q, path: str) -> Q:
    """``condition`` on a task as a condition on rows that reach the task by ``path``
    (``"task__"``: a clear of an occurrence's task)."""
    through = Q()
    through.connector, through.negated = condition.connector, condition.negated
    children: list[Any] = list(condition.children)
    through.children = [
        _through(child, path) if isinstance(child, Q) else (f"{path}{child[0]}", child[1])
        for child in children
    ]
    return through


def _clarity_conditions() -> dict[str, Q | None]:
    conditions: dict[str, Q | None] = {"tasks": None, "complete": all_clears_q()}
    for clear, condition in CLEAR_CONDITIONS.items():
        conditions[f"missing_{clear}"] = ~condition
    return conditions


def _clarity_counts() -> dict:
    return {name: Count("id", filter=condition) for name, condition in _clarity_conditions().items()}


def _clarity_extra_counts() -> dict:
    """Over the begun occurrences of counted standing tasks, grouped as their tasks are: what
    each group's counts gain beyond the task itself (its occurrences less one per task that
    has any), so that a standing task counts once per period begun, and once before its first."""
    counts = {}
    for name, condition in _clarity_conditions().items():
        on_task = None if condition is None else _through(condition, "task__")
        counts[name] = Count("pk", filter=on_task) - Count("task_id", filter=on_task, distinct=True)
    return counts


def _clarity_add_occurrences(rows: list[dict], extras, key: str, extra_key: str) -> list[dict]:
    """Add each group's occurrence counts to its row (every standing task with a begun
    occurrence is among the tasks counted, so its group has a row), then the share."""
    by_key = {row[key]: row for row in rows}
    for extra in extras:
        row = by_key[extra[extra_key]]
        for name in _clarity_conditions():
            row[name] += extra[name]
    for row in rows:
        row["share"] = row["complete"] / row["tasks"] if row["tasks"] else None
    return rows


def clarity_by_directive(queryset: QuerySet[Task], *, as_of: dt.date | None = None) -> list[dict]:
    """For each directive: its tasks (cancelled ones aside), how many have all five clears,
    and how many miss each clear. A standing task counts once per occurrence begun by ``as_of``
    (the backlog's ``occurrences_counted``), once before its first: two grouped queries, the
    tasks and their occurrences (a correlated count per task in one statement took 4.0 s
    against 0.6 s at 100,000 tasks). Shows which directives were written vaguely."""
    as_of = as_of or timezone.localdate()
    rows = _plain_rows(
        queryset.exclude(status=TaskStatus.CANCELLED)
        .values("directive_id", "directive__number", "directive__title", "directive__issued_on")
        .annotate(**_clarity_counts())
        .order_by("-directive__issued_on", "directive__number")
    )
    extras = (
        occurrences_counted(queryset, as_of).values("task__directive_id").annotate(**_clarity_extra_counts())
    )
    return _clarity_add_occurrences(rows, extras, "directive_id", "task__directive_id")


def clarity_by_agency(
    queryset: QuerySet[Task],
    *,
    as_of: dt.date | None = None,
    attribution: str = AgencyAttribution.AS_OF,
) -> list[dict]:
    """The same per lead agency (tasks with no lead agency yet form their own row, with
    ``lead_agency_id`` None): which agencies leave tasks without a person or a result.
    Credited as the backlog credits them (``lead_agency_keys``): by default to today's lead
    agency, as of a date to the agency of that date, or rolled into today's successors; a
    standing task counts once per occurrence begun by then, as in ``clarity_by_directive``."""
    as_of = as_of or timezone.localdate()
    key, occurrence_key = lead_agency_keys(as_of, attribution, "task__")
    occurrences = occurrences_counted(queryset, as_of)
    if key is None:
        rows = _plain_rows(
            queryset.exclude(status=TaskStatus.CANCELLED)
            .values("lead_agency_id", "lead_agency__code", "lead_agency__name_vi", "lead_agency__name_en")
            .annotate(**_clarity_counts())
            .order_by("lead_agency__code")
        )
        by_lead = occurrences.values("task__lead_agency_id").annotate(**_clarity_extra_counts())
        return _clarity_add_occurrences(rows, by_lead, "lead_agency_id", "task__lead_agency_id")
    credited_rows = _plain_rows(
        queryset.exclude(status=TaskStatus.CANCELLED)
        .order_by()
        .annotate(credited_agency=key)
        .values("credited_agency")
        .annotate(**_clarity_counts())
    )
    extras = (
        occurrences.annotate(credited_agency=occurrence_key)
        .values("credited_agency")
        .annotate(**_clarity_extra_counts())
    )
    _clarity_add_occurrences(credited_rows, extras, "credited_agency", "credited_agency")
    names = Agency.objects.in_bulk([r["credited_agency"] for r in credited_rows if r["credited_agency"]])
    for row in credited_rows:
        agency = names.get(row.pop("credited_agency"))
        row["lead_agency_id"] = agency.pk if agency else None
        for name in ("code", "name_vi", "name_en"):
            row[f"lead_agency__{name}"] = getattr(agency, name) if agency else None
    credited_rows.sort(key=lambda r: (r["lead_agency__code"] is None, r["lead_agency__code"] or ""))
    return credited_rows


def clarity_report(
    queryset: QuerySet[Task], *, as_of: dt.date, attribution: str = AgencyAttribution.AS_OF
) -> dict[str, list[dict]]:
    """The clarity index by directive and by lead agency, behind the shared cache as the
    backlog is: both group every task of the filters (a second at a million), and the page
    shows them a page of rows at a time."""

    def compute() -> dict[str, list[dict]]:
        return {
            "by_directive": clarity_by_directive(queryset, as_of=as_of),
            "by_agency": clarity_by_agency(queryset, as_of=as_of, attribution=attribution),
        }

    return generation_cached(
        "clarity",
        f"{queryset.query}|{as_of.isoformat()}|{attribution}",
        settings.BACKLOG_CACHE_SECONDS,
        compute,
        generation_key=TASKS_GENERATION_KEY,
    )


def evidence_get_for_user(*, user: Official, evidence_id: int):
    """Fetch an evidence file for download, authorized through its task with
    ``task_get_for_user``: EvidenceFile.DoesNotExist or Task.DoesNotExist (both a 404)."""
    evidence = EvidenceFile.objects.select_related("report").get(pk=evidence_id)
    task_get_for_user(user=user, task_id=evidence.report.task_id)
    return evidence


#: How many progress reports and history entries a task page shows before "show all".
TASK_PAGE_RECENT = 50


def task_page_related(task: Task, *, everything: bool = False) -> dict:
    """What the task page shows beside the task: reports with their evidence, extension
    requests, and the history, each fetched once. A busy task collects hundreds of reports
    and history entries: the page shows the latest ``TASK_PAGE_RECENT`` of each unless asked
    for everything, and says how many there are."""
    limit = None if everything else TASK_PAGE_RECENT
    reports = task.progress_reports.select_related("agency", "author").prefetch_related(
        "evidence__signatures"
    )
    events = task.events.select_related("actor").order_by("-at", "-id")
    shown_reports = list(reports[:limit] if limit else reports)
    shown_events = list(events[:limit] if limit else events)

    def total(shown: int, manager) -> int:
        # Counted only when the page is full: otherwise what is shown is all there is.
        return manager.count() if limit and shown == limit else shown

    return {
        "reports": shown_reports,
        "extensions": list(task.extension_requests.select_related("requested_by", "decided_by")),
        "events": shown_events,
        "reports_total": total(len(shown_reports), task.progress_reports),
        "events_total": total(len(shown_events), task.events),
    }


#: How many of each kind of waiting decision a page lists (the oldest): at national scale tens
#: of thousands of results can wait, and a page listing them all took 40 s and 180 MB.
AWAITING_SHOWN = 20


def awaiting_decision(user: Official, *, limit: int = AWAITING_SHOWN):
    """For a monitor: the ``limit`` oldest pending extension requests and submitted results, and
    whether more wait (``more_extensions``, ``more_submitted``). Kept in the shared cache as the
    backlog is, for those who see the same tasks: finding the oldest of a hundred thousand
    submitted results sorts them all (0.7 s at a million tasks)."""
    return generation_cached(
        "awaiting-decision",
        f"{visibility_key(user)}|{limit}",
        settings.BACKLOG_CACHE_SECONDS,
        lambda: _awaiting_decision(user, limit),
        generation_key=TASKS_GENERATION_KEY,
    )


def _awaiting_decision(user: Official, limit: int) -> dict:
    visible = task_list_for_user(user)
    extensions = list(
        ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING, task__in=visible)
        .select_related("task", "task__lead_agency", "requested_by")
        .order_by("requested_at", "id")[: limit + 1]
    )
    submitted = list(
        visible.filter(status=TaskStatus.SUBMITTED)
        .select_related("lead_agency", "directive")
        .order_by("submitted_at", "id")[: limit + 1]
    )
    return {
        "extensions": extensions[:limit],
        "more_extensions": len(extensions) > limit,
        "submitted": submitted[:limit],
        "more_submitted": len(submitted) > limit,
    }


def deadline_feed_tasks(user: Official, scope: str) -> QuerySet[Task]:
    """Tasks for a calendar feed: ``mine`` (the user is the responsible official or the
    accountable leader) or ``agency`` (the user's agency leads them); open ones with a date."""
    queryset = task_list_for_user(user).filter(status__in=OPEN_STATUSES, deadline__isnull=False)
    if scope == "mine":
        queryset = queryset.filter(Q(responsible_official=user) | Q(accountable_leader=user))
    else:
        queryset = queryset.filter(lead_agency_id=user.agency_id)
    return queryset.select_related("directive", "lead_agency").order_by("deadline", "id")


def timeliness_of(task: Task, as_of: dt.date) -> str | None:
    """One task's timeliness as of a date, by the same SQL rule as the backlog."""
    return with_timeliness(Task.objects.filter(pk=task.pk), as_of).values_list("timeliness", flat=True).get()


def extension_get_for_user(*, user: Official, extension_id: int):
    """Fetch an extension request through its task's visibility (a 404 otherwise)."""
    extension = ExtensionRequest.objects.only("pk", "task_id", "status").get(pk=extension_id)
    task_get_for_user(user=user, task_id=extension.task_id)
    return extension


#: Which of a task's evidence verdicts speaks for it: a valid signature first, then the nearest
#: miss, so an export shows "valid" as soon as one signed PDF is.
_VERDICT_RANK = Case(
    *[When(signature_verdict=v, then=Value(rank)) for rank, v in enumerate(Verdict.values)],
    default=Value(len(Verdict.values)),
    output_field=IntegerField(),
)


def with_signed_result(queryset: QuerySet[Task]) -> QuerySet[Task]:
    """Annotate ``signed_result``: the best signature verdict among the lead agency's evidence
    PDFs (None without any), one subquery in the same statement."""
    best = (
        EvidenceFile.objects.filter(
            report__task_id=OuterRef("pk"),
            report__agency_id=OuterRef("lead_agency_id"),
            report__is_contribution=False,
        )
        .exclude(signature_verdict="")
        .annotate(rank=_VERDICT_RANK)
        .order_by("rank", "-uploaded_at")
        .values("signature_verdict")[:1]
    )
    return queryset.annotate(signed_result=Subquery(best))


# --- the daily job of each role (issue 16) ------------------------------------------------------


def last_progress_report(*, task: Task, agency_id: int | None):
    """The latest report of this agency on the task (its contribution, for a coordinator): the
    report form starts from its figures, so a focal point changes what moved, not everything."""
    if agency_id is None:
        return None
    return task.progress_reports.filter(agency_id=agency_id).order_by("-reported_on", "-id").first()


def drafts_for_user(user: Official) -> QuerySet[Task]:
    """The drafts a user may see, in the order they were written, for the monitor's drafts list
    (which pages them by keyset on the same key)."""
    return (
        task_list_for_user(user)
        .filter(status=TaskStatus.DRAFT)
        .select_related("directive", "lead_agency", "responsible_official", "accountable_leader")
        .order_by("pk")
    )


#: How many of the tasks that fell overdue the morning view lists (the rest are a link to the
#: task list away): at national scale 250 fell overdue in a day, a page of 80 KB drawn in 0.9 s.
MORNING_SHOWN = 50


def morning_view(
    user: Official, *, today: dt.date, since: dt.date | None = None, limit: int = MORNING_SHOWN
) -> dict:
    """What a monitor looks at first each morning: the open tasks that fell overdue since
    ``since`` (yesterday unless told; on a Monday, say, Friday), that is whose deadline day
    ended on or after ``since`` and before ``today``, by the backlog's rule, the first ``limit``
    of them and whether more fell (``more_overdue``); then what waits for a decision
    (``awaiting_decision``)."""
    since = since or today - dt.timedelta(days=1)
    newly_overdue = list(
        task_list_for_user(user)
        .filter(status__in=OPEN_STATUSES, deadline__gte=since, deadline__lt=today)
        .select_related("directive", "lead_agency", "responsible_official")
        .order_by("deadline", "lead_agency__code", "code")[: limit + 1]
    )
    return {
        "since": since,
        "today": today,
        "newly_overdue": newly_overdue[:limit],
        "more_overdue": len(newly_overdue) > limit,
        **awaiting_decision(user),
    }


def agency_officials_workload(*, agency: Agency, as_of: dt.date) -> QuerySet[Official]:
    """The active officials of an agency, each with the open tasks they are responsible for,
    how many of those are overdue, and how many of their tasks were completed late (as of
    ``as_of``, by the backlog's rule): one grouped query, the most overdue first."""
    mine = "tasks_responsible"
    open_q = Q(**{f"{mine}__status__in": OPEN_STATUSES})
    overdue_q = open_q & Q(**{f"{mine}__deadline__lt": as_of})
    late_q = Q(
        **{
            f"{mine}__status": TaskStatus.COMPLETED,
            f"{mine}__completion_confirmed_on__lte": as_of,
            f"{mine}__completion_date__gt": F(f"{mine}__deadline"),
        }
    )
    return (
        Official.objects.filter(agency=agency, is_active=True)
        .annotate(
            open_count=Count(mine, filter=open_q),
            overdue_count=Count(mine, filter=overdue_q),
            late_count=Count(mine, filter=late_q),
        )
        .order_by("-overdue_count", "-open_count", "last_name", "first_name", "username")
    )
