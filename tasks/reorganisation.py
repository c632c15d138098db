"""Applying a reorganisation of agencies to the work they hold.

A ``ReorganisationEvent`` (agencies app) says what changed in the register: MIC merged into
MOST on 1 March 2025 under Resolution 176/2025/QH15. This module carries the work over:

- ``reorganisation_preview(event=...)`` lists what would move: unclosed tasks (drafts and open
  ones) as lead and as
  coordinator, officials (with their logins, tokens and calendar feeds), and what the
  registered hooks report (pending reminders), plus the problems that stop the apply (a task
  of a split with no successor chosen, a responsible official who would end up elsewhere).
- ``reorganisation_choose(actor=..., event=..., successor_for_task=..., successor_for_official=...)``
  keeps the Government Office's choices for a split or a dissolution, so that the beat can
  apply a scheduled split on its date.
- ``reorganisation_apply(actor=..., event=..., successor_for_task=None, successor_for_official=None)``
  applies it in one transaction: officials move to the successor with their accounts intact,
  open tasks move (each with a ``TaskTransfer`` row and a "transferred" history entry naming
  the legal document), the predecessors end, and the hooks run (notifications re-addresses
  the pending reminders). Closed tasks stay credited to the agency that closed them. A second
  call changes nothing.
- ``reorganisations_apply_due(today=...)`` applies the scheduled events whose date has come
  (the beat's job).

Hooks: notifications depends on tasks, never the reverse, so tasks cannot call the reminder
code. Notifications registers a hook here from its ``AppConfig.ready``
(``transfer_hook_register``); the apply calls every hook inside its transaction, so the
reminders move with the tasks or not at all. See docs/reorganisation.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from agencies.choices import ReorganisationKind, ReorganisationStatus
from agencies.models import Agency, Official, ReorganisationEvent
from tasks.choices import UNCLOSED_STATUSES, TaskEventAction, TransferRole
from tasks.errors import ActionNotAllowed
from tasks.models import ReorganisationChoice, Task, TaskTransfer
from tasks.services import _save_with_history, _snapshot, tasks_changed

logger = logging.getLogger(__name__)

#: The history action of a task moved by a reorganisation.
TRANSFERRED = TaskEventAction.TRANSFERRED


# --- hooks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferHook:
    """Something outside the tasks app that follows moved tasks.

    ``preview(task_ids)`` counts what would move; ``apply(task_ids=..., event=...)`` moves it
    inside the apply's transaction and returns how many rows it changed."""

    name: str
    label: str | Promise  # lazy: shown in the reader's language
    preview: Callable[[list[int]], int]
    apply: Callable[..., int]


_HOOKS: dict[str, TransferHook] = {}


def transfer_hook_register(*, name: str, label: str | Promise, preview, apply) -> None:
    """Register (or replace, by name: ``ready`` may run twice) a hook called for moved tasks."""
    _HOOKS[name] = TransferHook(name=name, label=label, preview=preview, apply=apply)


def transfer_hooks() -> list[TransferHook]:
    return list(_HOOKS.values())


# --- the plan -------------------------------------------------------------------------------


@dataclass
class TaskMove:
    task: Task
    role: str  # TransferRole
    from_agency: Agency
    to_agency: Agency | None  # None: nobody chose where it goes (a split or a dissolution)

    @property
    def destination(self) -> Agency:
        """Where the task goes, when it is moved: a plan is applied only once every move has one."""
        if self.to_agency is None:
            raise ValueError(f"task {self.task.code} has no destination; the plan has problems")
        return self.to_agency


@dataclass
class OfficialMove:
    official: Official
    from_agency: Agency
    to_agency: Agency | None  # None: stays at the ended agency (a dissolution)

    @property
    def has_calendar_feed(self) -> bool:
        return bool(self.official.calendar_token_hash)


@dataclass
class ReorganisationPlan:
    """What applying the event would do (the preview), or did (the result of the apply)."""

    event: ReorganisationEvent
    lead: list[TaskMove] = field(default_factory=list)
    coordinating: list[TaskMove] = field(default_factory=list)
    officials: list[OfficialMove] = field(default_factory=list)
    closed_tasks: int = 0
    hooks: dict[str, tuple[str | Promise, int]] = field(default_factory=dict)  # name -> (label, count)
    problems: list[str] = field(default_factory=list)
    applied: bool = False  # True when this call applied it (False: preview, or already applied)

    @property
    def calendar_feeds(self) -> list[Official]:
        return [move.official for move in self.officials if move.has_calendar_feed]

    @property
    def unassigned(self) -> list[TaskMove]:
        return [move for move in self.lead + self.coordinating if move.to_agency is None]

    @property
    def task_ids(self) -> list[int]:
        return sorted({move.task.pk for move in self.lead + self.coordinating})

    @property
    def ready(self) -> bool:
        return not self.problems


def _as_agency_map(mapping: Mapping | None) -> dict[int, int]:
    """``{task or official id: Agency or agency id}`` as ids."""
    if not mapping:
        return {}
    return {
        int(key): (value.pk if isinstance(value, Agency) else int(value))
        for key, value in mapping.items()
        if value is not None
    }


def _event_problems(
    event: ReorganisationEvent, predecessors: list[Agency], successors: list[Agency]
) -> list[str]:
    """What is wrong with the event itself, whatever the tasks."""
    problems = []
    kind = event.kind
    if not predecessors:
        problems.append(_("The reorganisation names no predecessor."))
    if kind == ReorganisationKind.MERGE and len(successors) != 1:
        problems.append(_("A merge has exactly one successor."))
    if kind == ReorganisationKind.RENAME and (len(predecessors) != 1 or len(successors) != 1):
        problems.append(_("A rename has one predecessor and one successor."))
    if kind == ReorganisationKind.SPLIT and (len(predecessors) != 1 or len(successors) < 2):
        problems.append(_("A split has one predecessor and at least two successors."))
    both = {a.code for a in predecessors} & {a.code for a in successors}
    if both:
        problems.append(_("%(codes)s cannot both end and continue.") % {"codes": ", ".join(sorted(both))})
    for agency in predecessors:
        if agency.ended_on is not None:
            problems.append(
                _("%(code)s already ended on %(date)s.")
                % {"code": agency.code, "date": date_format(agency.ended_on)}
            )
    for agency in successors:
        if agency.ended_on is not None:
            problems.append(
                _("The successor %(code)s ended on %(date)s.")
                % {"code": agency.code, "date": date_format(agency.ended_on)}
            )
    return problems


def _single_successor(successors: list[Agency]) -> Agency | None:
    return successors[0] if len(successors) == 1 else None


def _plan(
    event: ReorganisationEvent,
    *,
    successor_for_task: Mapping | None = None,
    successor_for_official: Mapping | None = None,
    lock: bool = False,
) -> ReorganisationPlan:
    predecessors = list(event.predecessors.order_by("code"))
    successors = list(event.successors.order_by("code"))
    plan = ReorganisationPlan(event=event)
    plan.problems = _event_problems(event, predecessors, successors)
    pred_ids = {a.pk for a in predecessors}
    by_id = {a.pk: a for a in predecessors + successors}

    stored = ReorganisationChoice.objects.filter(event=event)
    task_choice = {c.task_id: c.successor_id for c in stored if c.task_id}
    official_choice = {c.official_id: c.successor_id for c in stored if c.official_id}
    task_choice.update(_as_agency_map(successor_for_task))
    official_choice.update(_as_agency_map(successor_for_official))
    chosen_ids = set(task_choice.values()) | set(official_choice.values())
    by_id.update({a.pk: a for a in Agency.objects.filter(pk__in=chosen_ids - set(by_id))})
    single = _single_successor(successors) if event.kind != ReorganisationKind.SPLIT else None
    allowed = {a.pk for a in successors}

    def destination(choice: int | None, what: str) -> Agency | None:
        if choice is None:
            return single
        agency = by_id[choice]
        if event.kind == ReorganisationKind.DISSOLVE:
            # A dissolved agency's work may go to any agency that exists.
            if not agency.is_active or choice in pred_ids:
                plan.problems.append(
                    _("%(what)s cannot go to %(code)s, which does not continue.")
                    % {"what": what, "code": agency.code}
                )
        elif choice not in allowed:
            plan.problems.append(
                _("%(what)s cannot go to %(code)s: it is not a successor.")
                % {"what": what, "code": agency.code}
            )
        return agency

    open_tasks = Task.objects.filter(status__in=UNCLOSED_STATUSES)
    lead_qs = open_tasks.filter(lead_agency_id__in=pred_ids)
    coord_qs = open_tasks.filter(coordinating_agencies__in=pred_ids).distinct()
    if lock:
        # The rows this transaction rewrites, locked in id order (two applies, or an apply and
        # an edit, wait for each other instead of deadlocking).
        list(
            Task.objects.filter(Q(pk__in=lead_qs.values("pk")) | Q(pk__in=coord_qs.values("pk")))
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
    lead_tasks = list(
        lead_qs.select_related("lead_agency", "responsible_official", "accountable_leader").order_by("code")
    )
    for task in lead_tasks:
        to = destination(task_choice.get(task.pk), task.code)
        assert task.lead_agency is not None  # lead_qs holds the tasks a predecessor leads
        plan.lead.append(TaskMove(task, TransferRole.LEAD, task.lead_agency, to))
    coordinated = Task.coordinating_agencies.through.objects.filter(
        agency_id__in=pred_ids, task__in=coord_qs.values("pk")
    ).values_list("task_id", "agency_id")
    coord_tasks = {
        t.pk: t
        for t in Task.objects.filter(pk__in={t for t, _a in coordinated}).select_related("lead_agency")
    }
    for task_id, agency_id in sorted(coordinated, key=lambda pair: (coord_tasks[pair[0]].code, pair[1])):
        task = coord_tasks[task_id]
        to = destination(task_choice.get(task_id), task.code)
        plan.coordinating.append(TaskMove(task, TransferRole.COORDINATING, by_id[agency_id], to))
    for move in plan.unassigned:
        plan.problems.append(
            _("Choose where task %(code)s goes (%(role)s of %(agency)s).")
            % {"code": move.task.code, "role": TransferRole(move.role).label, "agency": move.from_agency.code}
        )

    # Officials follow: an explicit choice, else the single successor, else the destination of
    # every open task they answer for, when those agree.
    follows: dict[int, set[int]] = defaultdict(set)
    for move in plan.lead:
        if move.to_agency is None:
            continue
        for person_id in (move.task.responsible_official_id, move.task.accountable_leader_id):
            if person_id:
                follows[person_id].add(move.to_agency.pk)
    officials = Official.objects.filter(agency_id__in=pred_ids).select_related("agency").order_by("username")
    if lock:
        officials = officials.select_for_update(of=("self",))
    person_to: dict[int, Agency | None] = {}
    for official in officials:
        label = official.username
        if official.pk in official_choice:
            to = destination(official_choice[official.pk], label)
        elif single is not None:
            to = single
        elif len(follows.get(official.pk, ())) == 1:
            to = by_id[next(iter(follows[official.pk]))]
        else:
            to = None
            if event.kind == ReorganisationKind.SPLIT:
                plan.problems.append(_("Choose where %(person)s goes.") % {"person": label})
        person_to[official.pk] = to
        assert official.agency is not None  # read by agency_id__in=pred_ids
        plan.officials.append(OfficialMove(official, official.agency, to))

    # A moved task keeps its five clears: whoever answers for it must arrive where it goes.
    for move in plan.lead:
        if move.to_agency is None:
            continue
        for person in (move.task.responsible_official, move.task.accountable_leader):
            if person is None or person.pk not in person_to:
                continue
            arrives = person_to[person.pk]
            if arrives is None or arrives.pk != move.to_agency.pk:
                plan.problems.append(
                    _("%(person)s answers for task %(code)s, which goes to %(to)s, but would be at %(at)s.")
                    % {
                        "person": person.username,
                        "code": move.task.code,
                        "to": move.to_agency.code,
                        "at": arrives.code if arrives else person.agency.code if person.agency else "-",
                    }
                )
    plan.closed_tasks = (
        Task.objects.filter(lead_agency_id__in=pred_ids).exclude(status__in=UNCLOSED_STATUSES).count()
    )
    task_ids = plan.task_ids
    for hook in transfer_hooks():
        plan.hooks[hook.name] = (hook.label, hook.preview(task_ids) if task_ids else 0)
    return plan


def reorganisation_preview(
    *,
    event: ReorganisationEvent,
    actor: Official | None = None,
    successor_for_task: Mapping | None = None,
    successor_for_official: Mapping | None = None,
) -> ReorganisationPlan:
    """What applying ``event`` would move, with the choices given (and those kept), and the
    problems that would stop it. Reads only; with an ``actor``, only a monitor may look (it
    names every official and task of the agencies). An applied event previews as nothing."""
    if actor is not None:
        _require_monitor(actor)
    if event.is_applied:
        return ReorganisationPlan(event=event)
    return _plan(event, successor_for_task=successor_for_task, successor_for_official=successor_for_official)


def _require_monitor(actor: Official | None) -> None:
    if actor is not None and not actor.is_monitor:
        raise ActionNotAllowed(_("Only the Government Office can apply a reorganisation."))


def reorganisation_choose(
    *,
    actor: Official,
    event: ReorganisationEvent,
    successor_for_task: Mapping | None = None,
    successor_for_official: Mapping | None = None,
) -> None:
    """Keep the Government Office's choice of successor per task and per official, for an
    event not yet applied. A choice of ``None`` removes the one kept."""
    _require_monitor(actor)
    with transaction.atomic():
        event = ReorganisationEvent.objects.select_for_update().get(pk=event.pk)
        if event.is_applied:
            raise ValidationError(_("This reorganisation has already been applied."))
        for kind, mapping in (("task", successor_for_task), ("official", successor_for_official)):
            for key, value in (mapping or {}).items():
                ReorganisationChoice.objects.filter(event=event, **{f"{kind}_id": int(key)}).delete()
                if value is not None:
                    ReorganisationChoice.objects.create(
                        event=event,
                        successor_id=value.pk if isinstance(value, Agency) else int(value),
                        chosen_by=actor,
                        **{f"{kind}_id": int(key)},
                    )


def transfer_note(from_codes: Iterable[str], to_code: str, event: ReorganisationEvent) -> str:
    """The history line of a moved task (kept in English, like the codes it names; pages say
    it in their own language through ``transfer_note_words``)."""
    return f"transferred from {', '.join(from_codes)} to {to_code} under {event.document_label}"


_TRANSFER_NOTE = re.compile(r"^transferred from (?P<old>.+?) to (?P<new>\S+) under (?P<document>.+)$", re.S)


def transfer_note_words(note: str) -> str:
    """A stored ``transfer_note`` in the active language; any other note as it is."""
    match = _TRANSFER_NOTE.match(note or "")
    if match is None:
        return note
    return _("transferred from %(old)s to %(new)s under %(document)s") % match.groupdict()


def reorganisation_apply(
    *,
    actor: Official | None,
    event: ReorganisationEvent,
    successor_for_task: Mapping | None = None,
    successor_for_official: Mapping | None = None,
) -> ReorganisationPlan:
    """Apply ``event`` in one transaction and return what moved.

    ``actor`` is a Government Office monitor, or None for the beat. Refused with a
    ValidationError listing the problems (nothing changes) when the preview has any, e.g. a
    split with a task no successor was chosen for. Applying an applied event returns a plan
    with ``applied`` False and changes nothing.
    """
    _require_monitor(actor)
    with transaction.atomic():
        event = ReorganisationEvent.objects.select_for_update().get(pk=event.pk)
        if event.is_applied:
            return ReorganisationPlan(event=event)
        plan = _plan(
            event,
            successor_for_task=successor_for_task,
            successor_for_official=successor_for_official,
            lock=True,
        )
        if plan.problems:
            raise ValidationError(plan.problems)
        if actor is not None and (successor_for_task or successor_for_official):
            reorganisation_choose(
                actor=actor,
                event=event,
                successor_for_task=successor_for_task,
                successor_for_official=successor_for_official,
            )

        # Officials first, so that a moved task's people already work where it arrives.
        by_destination: dict[int, list[int]] = defaultdict(list)
        for move in plan.officials:
            if move.to_agency is not None:
                by_destination[move.to_agency.pk].append(move.official.pk)
        for agency_id, ids in by_destination.items():
            # Only the agency changes: password, logins, API tokens and the calendar feed
            # secret stay as they were.
            Official.objects.filter(pk__in=ids).update(agency_id=agency_id)

        _move_tasks(plan, actor=actor)
        _end_predecessors(event)
        for hook in transfer_hooks():
            count = hook.apply(task_ids=plan.task_ids, event=event) if plan.task_ids else 0
            plan.hooks[hook.name] = (hook.label, count)

        event.status = ReorganisationStatus.APPLIED
        event.applied_at = timezone.now()
        event.applied_by = actor
        event.save(update_fields=["status", "applied_at", "applied_by"])
        tasks_changed()
        plan.applied = True
    logger.info("Reorganisation %s applied: %d tasks moved", event.pk, len(plan.task_ids))
    return plan


def _move_tasks(plan: ReorganisationPlan, *, actor: Official | None) -> None:
    event = plan.event
    moves: dict[int, list[TaskMove]] = defaultdict(list)
    for move in plan.lead + plan.coordinating:
        moves[move.task.pk].append(move)
    tasks = Task.objects.in_bulk(list(moves))
    transfers = []
    for task_id in sorted(moves):
        task = tasks[task_id]
        before = _snapshot(task)
        lead_move = next((m for m in moves[task_id] if m.role == TransferRole.LEAD), None)
        if lead_move is not None:
            task.lead_agency = lead_move.destination
        coordinating = set(task.coordinating_agencies.values_list("pk", flat=True))
        for move in moves[task_id]:
            transfers.append(
                TaskTransfer(
                    task=task,
                    event=event,
                    role=move.role,
                    from_agency=move.from_agency,
                    to_agency=move.to_agency,
                    effective_on=event.effective_on,
                )
            )
            if move.role == TransferRole.COORDINATING:
                coordinating.discard(move.from_agency.pk)
                if move.destination.pk != task.lead_agency_id:
                    coordinating.add(move.destination.pk)
        coordinating.discard(task.lead_agency_id)
        task.coordinating_agencies.set(coordinating)
        if lead_move is not None:
            note = transfer_note([lead_move.from_agency.code], lead_move.destination.code, event)
        else:
            move = moves[task_id][0]
            note = transfer_note([move.from_agency.code], move.destination.code, event)
            note = f"{note} ({TransferRole.COORDINATING.value})"
        _save_with_history(task, actor=actor, action=TRANSFERRED, before=before, note=note)
    TaskTransfer.objects.bulk_create(transfers)


def _end_predecessors(event: ReorganisationEvent) -> None:
    """The predecessors end on the effective date and leave the pickers. With a single
    successor that reads their records, it holds them (and whatever they held)."""
    predecessors = list(event.predecessors.all())
    successors = list(event.successors.all())
    holder = None
    if (
        event.successor_reads_records
        and len(successors) == 1
        and event.kind
        in (
            ReorganisationKind.MERGE,
            ReorganisationKind.RENAME,
        )
    ):
        holder = successors[0]
    for agency in predecessors:
        agency.is_active = False
        agency.ended_on = event.effective_on
        agency.records_held_by = holder
        agency.save(update_fields=["is_active", "ended_on", "records_held_by"])
    if holder is not None:
        Agency.objects.filter(records_held_by__in=predecessors).update(records_held_by=holder)


def reorganisations_apply_due(*, today: dt.date | None = None) -> list[int]:
    """Apply every scheduled event whose date has come (the beat's job). An event that cannot
    apply (a split still waiting for choices) stays scheduled, is logged, and is tried again
    on the next run; the others go ahead."""
    today = today or timezone.localdate()
    applied = []
    due = ReorganisationEvent.objects.filter(
        status=ReorganisationStatus.SCHEDULED, effective_on__lte=today
    ).order_by("effective_on", "id")
    for event in due:
        try:
            plan = reorganisation_apply(actor=None, event=event)
        except ValidationError as exc:
            logger.warning("Reorganisation %s is due but cannot apply: %s", event.pk, "; ".join(exc.messages))
            continue
        if plan.applied:
            applied.append(event.pk)
    return applied
