"""Every change to a directive, a task, a report or an extension goes through here.

Each service checks who may act (``tasks.permissions``), checks the task's status, writes
the change and its history row in one transaction, and refuses with a reason the user can
read. Views, the API, the admin, commands and jobs all call these functions, so a rule holds
whichever door a change comes through.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, ForeignKey, Max, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from agencies.choices import Role
from agencies.models import Agency, Official
from common.cache import generation_changed
from signatures.certificates import CertificateError, read_certificate
from signatures.validation import PdfCheck, check_pdf_bounded
from tasks import lifecycle, occurrences
from tasks.choices import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    DirectiveEventAction,
    ExtensionStatus,
    OccurrenceStatus,
    Recurrence,
    ResultKind,
    TaskAction,
    TaskEventAction,
    TaskStatus,
)
from tasks.errors import ActionNotAllowed, InvalidTransition, ServiceError, StaleVersion
from tasks.models import (
    TEXT_LIMIT,
    Directive,
    DirectiveEvent,
    EvidenceFile,
    EvidenceSignature,
    ExtensionRequest,
    ProgressReport,
    Task,
    TaskEvent,
    TaskOccurrence,
    TrustedRoot,
)
from tasks.permissions import FOCAL_POINT_EDITABLE
from tasks.selectors import TASKS_GENERATION_KEY

logger = logging.getLogger(__name__)

#: A task's English translations (tasks.models.EnglishText): edited and tracked as the texts are.
TASK_TRANSLATIONS = (
    "title_en",
    "description_en",
    "deadline_phrase_en",
    "expected_result_en",
    "target_unit_en",
)

#: Fields whose old and new values the history keeps.
TRACKED_FIELDS = (
    "title",
    "description",
    *TASK_TRANSLATIONS,
    "field",
    "lead_agency",
    "accountable_leader",
    "responsible_official",
    "deadline",
    "original_deadline",
    "deadline_phrase",
    "recurrence",
    "due_day",
    "due_month",
    "result_kind",
    "expected_result",
    "target_value",
    "target_unit",
    "current_value",
    "requires_signed_result",
    "status",
    "progress",
    "result_summary",
    "status_reason",
    "completion_date",
)

#: Fields a caller may set when creating or updating a task.
EDITABLE_FIELDS = (
    "title",
    "description",
    *TASK_TRANSLATIONS,
    "field",
    "lead_agency",
    "coordinating_agencies",
    "accountable_leader",
    "responsible_official",
    "deadline",
    "deadline_phrase",
    "recurrence",
    "due_day",
    "due_month",
    "result_kind",
    "expected_result",
    "target_value",
    "target_unit",
    "requires_signed_result",
)


def _local_today() -> dt.date:
    return timezone.localdate()


def _require(actor: Official, perm: str, obj: Any, message: str) -> None:
    """For rules outside the task lifecycle (entering directives and tasks, deciding extensions)."""
    if not actor.has_perm(perm, obj):
        raise ActionNotAllowed(message)


def _lock(task: Task | int, expected_version: int | None) -> Task:
    """Reload the task under a row lock and check the caller saw its latest version."""
    pk = task.pk if isinstance(task, Task) else task
    locked = Task.objects.select_for_update().get(pk=pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            _(
                "The task was changed by someone else (version %(stored)s, you edited %(sent)s). "
                "Reload it and try again."
            )
            % {"stored": locked.version, "sent": expected_version}
        )
    return locked


def _value_for_history(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Agency):
        return value.code
    if isinstance(value, Official):
        return value.username
    return value


def _snapshot(task: Task, coordinating: list[Agency] | None = None) -> dict[str, Any]:
    """The tracked fields' values; ``coordinating`` spares reading them back (a new task)."""
    snap = {}
    for name in TRACKED_FIELDS:
        field = Task._meta.get_field(name)
        if isinstance(field, ForeignKey):
            related_id = getattr(task, field.attname)
            snap[name] = _value_for_history(getattr(task, name)) if related_id else None
        else:
            snap[name] = _value_for_history(getattr(task, name))
    if coordinating is not None:
        snap["coordinating_agencies"] = sorted({a.code for a in coordinating})
    elif task.pk:
        snap["coordinating_agencies"] = sorted(task.coordinating_agencies.values_list("code", flat=True))
    return snap


def tasks_changed() -> None:
    """Move the tasks generation on now and again once the change commits, so that cached
    counts are redone: a read racing the transaction may cache the old counts under the first
    bump, never under the second."""
    generation_changed(TASKS_GENERATION_KEY)


def _save_with_history(
    task: Task,
    *,
    actor: Official | None,
    action: str,
    before: dict[str, Any],
    note: str = "",
    bump: bool = True,
) -> Task:
    """Save the task, bump its version, and record which fields changed from ``before``."""
    if bump:
        task.version += 1
    task.full_clean(exclude=["coordinating_agencies"], validate_unique=False)
    task.save()
    after = _snapshot(task)
    changes = {
        key: {"old": before.get(key), "new": after[key]} for key in after if before.get(key) != after[key]
    }
    TaskEvent.objects.create(task=task, actor=actor, action=action, changes=changes, note=note)
    tasks_changed()
    return task


def _check_text(errors: dict[str, list[str]], name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        errors.setdefault(name, []).append(
            _("At most %(limit)s characters (this has %(length)s).") % {"limit": limit, "length": len(value)}
        )


def _validate_task_fields(task: Task, coordinating: list[Agency] | None) -> None:
    """Checks that span fields; raises one ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    _check_text(errors, "description", task.description, TEXT_LIMIT)
    _check_text(errors, "description_en", task.description_en, TEXT_LIMIT)
    if task.deadline and task.directive_id and task.deadline < task.directive.issued_on:
        errors.setdefault("deadline", []).append(
            _("The deadline %(deadline)s is before the directive was issued (%(issued)s).")
            % {
                "deadline": date_format(task.deadline),
                "issued": date_format(task.directive.issued_on),
            }
        )
    if task.deadline and task.recurrence != Recurrence.NONE:
        errors.setdefault("recurrence", []).append(
            _("A standing task has a recurrence instead of a deadline, not both.")
        )
    if task.due_day is not None:
        if task.recurrence == Recurrence.NONE:
            errors.setdefault("due_day", []).append(_("Only a standing task has a due day."))
        elif task.recurrence == Recurrence.WEEKLY and not 1 <= task.due_day <= 7:
            errors.setdefault("due_day", []).append(
                _("A weekly task is due on a weekday: 1 (Monday) to 7 (Sunday).")
            )
        elif not 1 <= task.due_day <= 31:
            errors.setdefault("due_day", []).append(_("A due day is a day of the month, 1 to 31."))
    if task.due_month is not None:
        months = {Recurrence.QUARTERLY.value: 3, Recurrence.YEARLY.value: 12}.get(task.recurrence)
        if months is None:
            errors.setdefault("due_month", []).append(
                _("Only a quarterly or yearly task falls due in a chosen month of its period.")
            )
        elif not 1 <= task.due_month <= months:
            errors.setdefault("due_month", []).append(
                _("A period of this recurrence has %(months)s months.") % {"months": months}
            )
    for name in ("responsible_official", "accountable_leader"):
        person = getattr(task, name)
        if person is None:
            continue
        if task.lead_agency_id is None or person.agency_id != task.lead_agency_id:
            errors.setdefault(name, []).append(
                _("%(person)s does not work at the lead agency.") % {"person": person}
            )
    leader = task.accountable_leader
    if leader is not None and leader.role != Role.LEADER:
        errors.setdefault("accountable_leader", []).append(
            _("%(person)s is not a leader of the agency.") % {"person": leader}
        )
    if coordinating and task.lead_agency_id in {a.pk for a in coordinating}:
        errors.setdefault("coordinating_agencies", []).append(
            _("The lead agency cannot also coordinate its own task.")
        )
    # An agency that ended in a reorganisation keeps its closed tasks but takes no new work.
    ended: list[tuple[str, Agency]] = [("lead_agency", task.lead_agency)] if task.lead_agency else []
    ended += [("coordinating_agencies", agency) for agency in coordinating or []]
    for name, agency in ended:
        if agency.ended_on is not None:
            errors.setdefault(name, []).append(
                _("%(code)s ended on %(date)s; choose the agency that took over its work.")
                % {"code": agency.code, "date": date_format(agency.ended_on)}
            )
    if task.target_value is not None and task.target_value < 0:
        errors.setdefault("target_value", []).append(_("The target cannot be negative."))
    if task.result_kind == ResultKind.DELIVERABLE and (task.target_value or task.target_unit):
        errors.setdefault("target_value", []).append(
            _("A deliverable has no target value; choose an indicator instead.")
        )
    if errors:
        raise ValidationError(errors)


def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# --- directives --------------------------------------------------------------------------

#: A directive's particulars, as ``directive_create`` takes them and ``directive_update`` changes them.
DIRECTIVE_FIELDS = ("number", "kind", "title", "issued_on", "issuing_agency", "signer", "full_text", "link")
DIRECTIVE_TEXT_LIMIT = 500_000


def _directive_snapshot(directive: Directive) -> dict[str, Any]:
    snap = {
        name: _value_for_history(getattr(directive, name)) for name in DIRECTIVE_FIELDS if name != "full_text"
    }
    # The full text may run to 500,000 characters: the history says that it changed (its
    # length and a fingerprint), not what it was.
    text = directive.full_text or ""
    snap["full_text"] = (
        f"{len(text)} chars, sha256 {hashlib.sha256(text.encode()).hexdigest()[:12]}" if text else ""
    )
    return snap


def _clean_directive(directive: Directive) -> None:
    errors: dict[str, list[str]] = {}
    _check_text(errors, "full_text", directive.full_text, DIRECTIVE_TEXT_LIMIT)
    if directive.pk and directive.issued_on:
        earliest = directive.tasks.filter(deadline__lt=directive.issued_on).order_by("deadline").first()
        if earliest is not None and earliest.deadline is not None:
            errors.setdefault("issued_on", []).append(
                _("Task %(code)s is due on %(deadline)s, before this issue date.")
                % {"code": earliest.code, "deadline": date_format(earliest.deadline)}
            )
    if errors:
        raise ValidationError(errors)
    directive.full_clean()


@transaction.atomic
def directive_create(
    *,
    actor: Official,
    number: str,
    kind: str,
    title: str,
    issued_on: dt.date,
    issuing_agency: Agency,
    signer: str = "",
    full_text: str = "",
    link: str = "",
    title_en: str = "",
) -> Directive:
    """Record a directive document; only the Government Office enters them."""
    _require(actor, "tasks.add_directive", None, _("Only a Government Office monitor can enter a directive."))
    directive = Directive(
        number=number.strip(),
        kind=kind,
        title=title.strip(),
        title_en=title_en.strip(),
        issued_on=issued_on,
        issuing_agency=issuing_agency,
        signer=signer.strip(),
        full_text=full_text,
        link=link,
    )
    _clean_directive(directive)
    directive.save()
    DirectiveEvent.objects.create(
        directive=directive,
        actor=actor,
        action=DirectiveEventAction.CREATED,
        changes={
            k: {"old": None, "new": v}
            for k, v in _directive_snapshot(directive).items()
            if v not in (None, "", 0)
        },
    )
    return directive


@transaction.atomic
def directive_update(*, actor: Official, directive: Directive | int, **changes: Any) -> Directive:
    """Correct a directive's particulars (its number, title, date ...), recorded in its history.

    Task pages show the directive's number, so cached pages are moved on; the codes its tasks
    were given from the old number stay (they are the tasks' own identifiers). An issue date
    after one of its tasks' deadlines is refused, as a task due before its directive is."""
    pk = directive.pk if isinstance(directive, Directive) else directive
    directive = Directive.objects.select_for_update().get(pk=pk)
    _require(
        actor,
        "tasks.change_directive",
        directive,
        _("Only a Government Office monitor can change a directive."),
    )
    unknown = set(changes) - set(DIRECTIVE_FIELDS)
    if unknown:
        raise TypeError(f"directive_update got unknown fields: {sorted(unknown)}")
    before = _directive_snapshot(directive)
    for name, value in changes.items():
        setattr(directive, name, value if name == "full_text" else _clean_text(value))
    _clean_directive(directive)
    after = _directive_snapshot(directive)
    diff = {key: {"old": before[key], "new": after[key]} for key in after if before[key] != after[key]}
    if not diff:
        return directive
    directive.save()
    DirectiveEvent.objects.create(
        directive=directive, actor=actor, action=DirectiveEventAction.UPDATED, changes=diff
    )
    tasks_changed()
    return directive


# --- tasks -------------------------------------------------------------------------------


def _next_task_code(directive: Directive) -> str:
    # Lock the directive so that two tasks created at once do not take the same number.
    Directive.objects.select_for_update().filter(pk=directive.pk).first()
    seq = Task.objects.filter(directive=directive).count() + 1
    while True:
        code = f"{directive.number}-T{seq:02d}"
        if not Task.objects.filter(code=code).exists():
            return code
        seq += 1


def _task_new(*, actor: Official, directive: Directive, code: str, fields: dict[str, Any]) -> Task:
    """A task as ``task_create`` and ``tasks_create_many`` build it, not yet checked or saved."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"task_create got unknown fields: {sorted(unknown)}")
    # A document is delivered signed (Notice 56: officials sign with digital signatures), so a
    # deliverable requires a signed result unless the monitor says otherwise.
    fields.setdefault("requires_signed_result", fields.get("result_kind") == ResultKind.DELIVERABLE)
    task = Task(directive=directive, created_by=actor, status=TaskStatus.DRAFT)
    for name, value in fields.items():
        setattr(task, name, _clean_text(value))
    if task.recurrence is None:
        task.recurrence = Recurrence.NONE
    task.original_deadline = task.deadline
    task.code = code
    return task


def _created_changes(task: Task, coordinating: list[Agency] | None) -> dict[str, Any]:
    snap = _snapshot(task, coordinating or [])
    return {k: {"old": None, "new": v} for k, v in snap.items() if v not in (None, "", [])}


@transaction.atomic
def task_create(
    *,
    actor: Official,
    directive: Directive,
    code: str | None = None,
    coordinating_agencies: list[Agency] | None = None,
    **fields: Any,
) -> Task:
    """Create a task; it is a draft, listing its missing clears, until someone assigns it."""
    _require(actor, "tasks.add_task", None, _("Only a Government Office monitor can create tasks."))
    code = (code or "").strip() or _next_task_code(directive)
    task = _task_new(actor=actor, directive=directive, code=code, fields=fields)
    _validate_task_fields(task, coordinating_agencies)
    task.full_clean(exclude=["coordinating_agencies"])
    task.save()
    if coordinating_agencies:
        task.coordinating_agencies.set(coordinating_agencies)
    tasks_changed()
    TaskEvent.objects.create(
        task=task,
        actor=actor,
        action=TaskEventAction.CREATED,
        changes=_created_changes(task, coordinating_agencies),
    )
    return task


@dataclass
class NewTask:
    """One task for ``tasks_create_many``: its fields (as ``task_create`` takes them) and its
    coordinating agencies."""

    fields: dict[str, Any]
    coordinating_agencies: list[Agency]
    #: a code of its own (an imported task's); without one it is numbered as ``task_create`` does
    code: str | None = None


#: Fields whose rows the caller passes loaded: ``full_clean`` would query each one a task.
_LOADED_RELATIONS = ["coordinating_agencies", "directive", "lead_agency", "created_by"]


@transaction.atomic
def tasks_create_many(*, actor: Official, directive: Directive, tasks: list[NewTask]) -> list[Task]:
    """Create many tasks of one directive at once, all or none, under the checks of
    ``task_create`` and with the same history, in a few queries rather than ~37 a task: a
    notice of 300 tasks is accepted in one request (one by one it took 40-70 s).

    Codes are numbered as ``task_create`` numbers them, under the same lock on the directive.
    A refusal names the task by its place in the list ("task 3: deadline")."""
    _require(actor, "tasks.add_task", None, _("Only a Government Office monitor can create tasks."))
    if not tasks:
        return []
    Directive.objects.select_for_update().filter(pk=directive.pk).first()
    prefix = f"{directive.number}-T"
    taken = set(Task.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    given = [item.code for item in tasks if item.code]
    used = set(Task.objects.filter(code__in=given).values_list("code", flat=True)) if given else set()
    taken |= set(given)
    seq = Task.objects.filter(directive=directive).count()
    built: list[Task] = []
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, item in enumerate(tasks, start=1):
        if item.code:
            code = item.code
            if code in used or code in seen:
                errors.setdefault(f"task {index}: code", []).append(
                    _("A task with code %(code)s already exists.") % {"code": code}
                )
            seen.add(code)
        else:
            seq += 1
            while f"{prefix}{seq:02d}" in taken:
                seq += 1
            code = f"{prefix}{seq:02d}"
        task = _task_new(actor=actor, directive=directive, code=code, fields=dict(item.fields))
        try:
            _validate_task_fields(task, item.coordinating_agencies)
            # The constraints are checked by the database on insert; the unique code above.
            task.full_clean(exclude=_LOADED_RELATIONS, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(f"task {index}: {name}", []).extend(messages)
        built.append(task)
    if errors:
        raise ValidationError(errors)
    Task.objects.bulk_create(built)
    through = Task.coordinating_agencies.through
    through.objects.bulk_create(
        [
            through(task_id=task.pk, agency_id=agency.pk)
            for task, item in zip(built, tasks, strict=True)
            for agency in dict.fromkeys(item.coordinating_agencies)
        ]
    )
    TaskEvent.objects.bulk_create(
        [
            TaskEvent(
                task=task,
                actor=actor,
                action=TaskEventAction.CREATED,
                changes=_created_changes(task, item.coordinating_agencies),
            )
            for task, item in zip(built, tasks, strict=True)
        ]
    )
    tasks_changed()
    return built


@transaction.atomic
def task_update(
    *,
    actor: Official,
    task: Task | int,
    expected_version: int | None = None,
    **changes: Any,
) -> Task:
    """Change a task's clears. Monitors edit anything; a lead focal point edits who does it.

    Once assigned, a deadline moves only by an approved extension, and no clear may be
    removed: an assigned task never falls back to draft.
    """
    task = _lock(task, expected_version)
    lifecycle.check(actor, task, TaskAction.EDIT)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"task_update got unknown fields: {sorted(unknown)}")
    if not actor.is_monitor:
        forbidden = sorted(set(changes) - FOCAL_POINT_EDITABLE)
        if forbidden:
            raise ActionNotAllowed(
                _("Only the Government Office can change: %(fields)s.") % {"fields": ", ".join(forbidden)}
            )
    if task.status != TaskStatus.DRAFT and "deadline" in changes and changes["deadline"] != task.deadline:
        raise ValidationError(
            {"deadline": [_("The deadline of an assigned task moves only by an approved extension.")]}
        )
    kind_changed = "result_kind" in changes and changes["result_kind"] != task.result_kind
    if kind_changed and "requires_signed_result" not in changes:
        changes["requires_signed_result"] = changes["result_kind"] == ResultKind.DELIVERABLE
    before = _snapshot(task)
    coordinating = changes.pop("coordinating_agencies", None)
    for name, value in changes.items():
        setattr(task, name, _clean_text(value))
    if task.recurrence is None:
        task.recurrence = Recurrence.NONE
    if task.status == TaskStatus.DRAFT:
        task.original_deadline = task.deadline
    _validate_task_fields(task, coordinating)
    if task.status != TaskStatus.DRAFT and task.missing_clears:
        raise ValidationError(
            {
                "__all__": [
                    _("An assigned task must keep its five clears; missing: %(missing)s.")
                    % {"missing": ", ".join(task.missing_clears)}
                ]
            }
        )
    if coordinating is not None:
        task.coordinating_agencies.set(coordinating)
    rescheduled = (before["recurrence"], before["due_day"], before["due_month"]) != (
        task.recurrence,
        task.due_day,
        task.due_month,
    )
    task = _save_with_history(task, actor=actor, action=TaskEventAction.UPDATED, before=before)
    if rescheduled and task.status in OPEN_STATUSES:
        _occurrences_reschedule(task)
    return task


@transaction.atomic
def task_transition(
    *,
    actor: Official,
    task: Task | int,
    action: str,
    expected_version: int | None = None,
    reason: str = "",
    result_summary: str = "",
) -> Task:
    """Move a task along the lifecycle as ``tasks.lifecycle`` declares ``action``: check the
    input it needs, lock the task, check who may and from which status, change it, record the
    history event, and close pending extension requests when the task closes."""
    rule = lifecycle.rule_for(action)
    target, event, apply = rule.transition()
    inputs = {"reason": reason, "result_summary": result_summary}
    if rule.needs is not None:
        name, message = rule.needs
        inputs[name] = _required_text(name, inputs[name], message)
    task = _lock(task, expected_version)
    lifecycle.check(actor, task, action)
    before = _snapshot(task)
    task.status = target
    apply(task, inputs)
    _save_with_history(task, actor=actor, action=event, before=before, note=inputs["reason"])
    if rule.closes_extensions:
        _close_pending_extensions(task, actor)
    if task.recurrence != Recurrence.NONE:
        if task.status in CLOSED_STATUSES:
            _occurrences_drop_unstarted(task)
        elif task.status in OPEN_STATUSES:
            occurrences_generate(task=task)
    return task


# The named transitions: thin entries to ``task_transition``, kept because every door calls them.


def task_assign(*, actor: Official, task: Task | int, expected_version: int | None = None) -> Task:
    """Send a complete task to its lead agency; refused while any clear is missing."""
    return task_transition(
        actor=actor, task=task, action=TaskAction.ASSIGN, expected_version=expected_version
    )


def task_start(*, actor: Official, task: Task | int, expected_version: int | None = None) -> Task:
    """The lead agency acknowledges the task and starts work on it."""
    return task_transition(actor=actor, task=task, action=TaskAction.START, expected_version=expected_version)


def task_submit(
    *, actor: Official, task: Task | int, result_summary: str, expected_version: int | None = None
) -> Task:
    """The lead agency reports the task done, with its result, for the Government Office to confirm."""
    return task_transition(
        actor=actor,
        task=task,
        action=TaskAction.SUBMIT,
        expected_version=expected_version,
        result_summary=result_summary,
    )


def task_confirm(*, actor: Official, task: Task | int, expected_version: int | None = None) -> Task:
    """The Government Office accepts the submitted result; the task counts as completed on the
    Hanoi date the agency submitted it."""
    return task_transition(
        actor=actor, task=task, action=TaskAction.CONFIRM, expected_version=expected_version
    )


def task_return(
    *, actor: Official, task: Task | int, reason: str, expected_version: int | None = None
) -> Task:
    """The Government Office sends a submitted result back, saying why."""
    return task_transition(
        actor=actor, task=task, action=TaskAction.RETURN, expected_version=expected_version, reason=reason
    )


def task_cancel(
    *, actor: Official, task: Task | int, reason: str, expected_version: int | None = None
) -> Task:
    """Withdraw a task that is no longer needed (superseded, merged), saying why."""
    return task_transition(
        actor=actor, task=task, action=TaskAction.CANCEL, expected_version=expected_version, reason=reason
    )


# --- the monitor's drafts: complete, assign, return; one or many at once ----------------------


@transaction.atomic
def draft_assign(
    *, actor: Official, task: Task | int, expected_version: int | None = None, **clears: Any
) -> Task:
    """Give a draft the clears it lacks and send it to its lead agency, in one transaction:
    the history shows the edit, then the assignment, and a draft that still lacks a clear is
    left exactly as it was. Who may assign is checked before anything is written."""
    locked = _lock(task, expected_version)
    refused = lifecycle.refusal(actor, locked, TaskAction.ASSIGN)
    # Missing clears are what this call is about to give; any other refusal stops it here.
    if refused is not None and not isinstance(refused, ValidationError):
        raise refused
    if clears:
        locked = task_update(actor=actor, task=locked, **clears)
    return task_assign(actor=actor, task=locked)


@transaction.atomic
def draft_return(
    *, actor: Official, task: Task | int, reason: str, expected_version: int | None = None
) -> Task:
    """Send back a draft that should not become a task (a duplicate, not a task at all): the
    lifecycle's cancellation, with the reason, refused for a task that is no longer a draft
    (an assigned task is cancelled on purpose, not returned in passing)."""
    locked = _lock(task, expected_version)
    if locked.status != TaskStatus.DRAFT:
        raise InvalidTransition(
            _("Only a draft can be returned; %(code)s is %(status)s.")
            % {"code": locked.code, "status": locked.get_status_display()}
        )
    return task_cancel(actor=actor, task=locked, reason=reason)


@dataclass
class BulkOutcome:
    """What one action on several tasks did: the tasks it changed, and for each task it left
    alone, the reason in the user's words."""

    done: list[Task]
    refused: list[tuple[Task, str]]


def _refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return getattr(exc, "message", None) or str(exc)


def _each_task(task_ids: Iterable[int], call: Callable[[Task], Task]) -> BulkOutcome:
    """Run ``call`` on each task in its own transaction: one refusal leaves the others done."""
    outcome = BulkOutcome(done=[], refused=[])
    for task in Task.objects.filter(pk__in=list(task_ids)).order_by("code", "pk"):
        try:
            outcome.done.append(call(task))
        except (ServiceError, ValidationError) as exc:
            outcome.refused.append((task, _refusal_text(exc)))
    return outcome


def drafts_assign_many(*, actor: Official, task_ids: Iterable[int], **clears: Any) -> BulkOutcome:
    """Assign several drafts at once, giving each the same clears (the person, the deadline ...);
    each draft is assigned or left untouched on its own, with the reason."""
    return _each_task(task_ids, lambda task: draft_assign(actor=actor, task=task.pk, **clears))


def drafts_return_many(*, actor: Official, task_ids: Iterable[int], reason: str) -> BulkOutcome:
    """Return several drafts at once with one reason (checked once, before any is touched)."""
    reason = _required_reason(reason)
    return _each_task(task_ids, lambda task: draft_return(actor=actor, task=task.pk, reason=reason))


#: The relations ``tasks_assign_many`` loads with the tasks: ``full_clean`` would query each one
#: a task to find a row the database's foreign key already guarantees.
_ASSIGN_LOADED = [*_LOADED_RELATIONS, "accountable_leader", "responsible_official"]


@transaction.atomic
def tasks_assign_many(*, actor: Official, task_ids: Iterable[int]) -> BulkOutcome:
    """``task_assign`` for many drafts at once, each assigned or refused on its own as if in
    its own transaction, in a few queries for the batch rather than ~45 a task (an import of
    300 complete rows spent 36 of its 38 s assigning them one by one at national scale).

    The same rule of ``tasks.lifecycle`` (who may, from which status, the five clears), the
    same changes, version bump and history event per task. The constraints ``full_clean``
    would ask the database about are left to the database: assigning changes only the status,
    ``assigned_at`` and the version, and the one constraint on an assigned task's fields
    (the five clears) is implied by the rule's blocker, which checks them more strictly."""
    rule = lifecycle.rule_for(TaskAction.ASSIGN)
    target, event, apply = rule.transition()
    locked = (
        Task.objects.select_for_update(of=("self",))
        .filter(pk__in=list(task_ids))
        .select_related("directive", "lead_agency", "accountable_leader", "responsible_official")
        .prefetch_related("coordinating_agencies")
        .order_by("code", "pk")
    )
    outcome = BulkOutcome(done=[], refused=[])
    events: list[TaskEvent] = []
    now = timezone.now()
    for task in locked:
        refused = lifecycle.refusal(actor, task, TaskAction.ASSIGN)
        coordinating = list(task.coordinating_agencies.all())
        before = _snapshot(task, coordinating)
        assigned = copy.copy(task)  # the loaded task stays as it was if this one is refused
        assigned.status = target
        apply(assigned, {"reason": "", "result_summary": ""})
        assigned.version += 1
        try:
            if refused is not None:
                raise refused
            assigned.full_clean(exclude=_ASSIGN_LOADED, validate_unique=False, validate_constraints=False)
        except (ServiceError, ValidationError) as exc:
            outcome.refused.append((task, _refusal_text(exc)))
            continue
        assigned.updated_at = now
        after = _snapshot(assigned, coordinating)
        changes = {
            key: {"old": before.get(key), "new": after[key]} for key in after if before.get(key) != after[key]
        }
        events.append(TaskEvent(task=assigned, actor=actor, action=event, changes=changes, note=""))
        outcome.done.append(assigned)
    if not outcome.done:
        return outcome
    Task.objects.bulk_update(outcome.done, ["status", "assigned_at", "version", "updated_at"])
    TaskEvent.objects.bulk_create(events)
    tasks_changed()
    for task in outcome.done:
        if task.recurrence != Recurrence.NONE:
            occurrences_generate(task=task)
    return outcome


# --- the leader: responsibility inside the agency --------------------------------------------


@transaction.atomic
def task_reassign(
    *,
    actor: Official,
    task: Task | int,
    official: Official,
    expected_version: int | None = None,
    note: str = "",
) -> Task:
    """Make another official of the lead agency responsible for an open task. The leader who
    answers for the agency's work does this without the Government Office; the history keeps
    who moved it from whom, and why. Reminders follow the task's responsible official."""
    task = _lock(task, expected_version)
    _require(
        actor,
        "tasks.reassign_task",
        task,
        _("Only a leader of the lead agency or a Government Office monitor can reassign this task."),
    )
    if task.status not in OPEN_STATUSES:
        raise InvalidTransition(
            _("Cannot reassign a task that is %(status)s.") % {"status": task.get_status_display()}
        )
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    _check_text(errors, "note", note, TEXT_LIMIT)
    if official.pk == task.responsible_official_id:
        errors["responsible_official"] = [
            _("%(person)s is already responsible for this task.") % {"person": official}
        ]
    elif not official.is_active:
        errors["responsible_official"] = [_("%(person)s no longer has an account.") % {"person": official}]
    if errors:
        raise ValidationError(errors)
    before = _snapshot(task)
    task.responsible_official = official
    _validate_task_fields(task, None)
    return _save_with_history(task, actor=actor, action=TaskEventAction.UPDATED, before=before, note=note)


def _required_text(name: str, value: str, message: str | Promise) -> str:
    value = (value or "").strip()
    errors: dict[str, list[str]] = {}
    if not value:
        errors[name] = [str(message)]
    _check_text(errors, name, value, TEXT_LIMIT)
    if errors:
        raise ValidationError(errors)
    return value


def _required_reason(reason: str) -> str:
    return _required_text("reason", reason, _("Give a reason."))


# --- standing tasks: their occurrences -------------------------------------------------------


def _given_on(task: Task) -> dt.date:
    """The Hanoi day a standing task became the agency's: its first occurrence is the first
    period due on or after it."""
    return timezone.localdate(task.assigned_at or task.created_at or timezone.now())


def _horizon(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.STANDING_TASKS_HORIZON_DAYS)


def _occurrence_rows(
    task_id: int,
    recurrence: str,
    due_day: int | None,
    due_month: int | None,
    given_on: dt.date,
    last_end: dt.date | None,
    today: dt.date,
) -> list[TaskOccurrence]:
    periods = occurrences.schedule(
        recurrence, due_day, first_due=given_on, after=last_end, until=_horizon(today), due_month=due_month
    )
    return [
        TaskOccurrence(task_id=task_id, period_start=p.start, period_end=p.end, due_on=p.due_on)
        for p in periods
    ]


def occurrences_generate(*, task: Task | int, today: dt.date | None = None) -> int:
    """Write the occurrences of an open standing task from the last one held up to the periods
    that start within ``STANDING_TASKS_HORIZON_DAYS``, so that each exists before its reminders
    fall due. Returns how many it wrote. Safe to run twice or at once: a period already held is
    not written again (the unique constraint, inserted with ON CONFLICT DO NOTHING)."""
    if not isinstance(task, Task):
        task = Task.objects.get(pk=task)
    if task.recurrence == Recurrence.NONE or task.status not in OPEN_STATUSES:
        return 0
    today = today or _local_today()
    last_end = task.occurrences.order_by("-period_start").values_list("period_end", flat=True).first()
    rows = _occurrence_rows(
        task.pk, task.recurrence, task.due_day, task.due_month, _given_on(task), last_end, today
    )
    if rows:
        TaskOccurrence.objects.bulk_create(rows, ignore_conflicts=True)
        tasks_changed()
    return len(rows)


def occurrences_generate_all(*, today: dt.date | None = None, batch_size: int = 2000) -> int:
    """The beat's daily pass: ``occurrences_generate`` for every open standing task whose
    occurrences do not yet reach the horizon, in batches (one grouped read, one insert per
    batch). Returns how many occurrences it wrote."""
    today = today or _local_today()
    until = _horizon(today)
    due = (
        Task.objects.filter(status__in=OPEN_STATUSES)
        .exclude(recurrence=Recurrence.NONE)
        .annotate(last_end=Max("occurrences__period_end"))
        .filter(Q(last_end__isnull=True) | Q(last_end__lt=until))
        .order_by("pk")
        .values_list("pk", "recurrence", "due_day", "due_month", "assigned_at", "created_at", "last_end")
    )
    written = 0
    batch: list[TaskOccurrence] = []
    for pk, recurrence, day, month, assigned_at, created_at, last_end in due.iterator(chunk_size=batch_size):
        given_on = timezone.localdate(assigned_at or created_at)
        batch += _occurrence_rows(pk, recurrence, day, month, given_on, last_end, today)
        if len(batch) >= batch_size:
            TaskOccurrence.objects.bulk_create(batch, ignore_conflicts=True)
            written, batch = written + len(batch), []
    if batch:
        TaskOccurrence.objects.bulk_create(batch, ignore_conflicts=True)
        written += len(batch)
    if written:
        tasks_changed()
    return written


def _untouched_occurrences(task: Task):
    """Occurrences nobody has reported on yet: the ones a change of plan may replace."""
    return task.occurrences.filter(status=OccurrenceStatus.OPEN).exclude(
        Exists(ProgressReport.objects.filter(occurrence_id=OuterRef("pk")))
    )


def _occurrences_reschedule(task: Task) -> None:
    """The recurrence or due day changed: the occurrences not yet due and not reported on are
    replaced by the new rule's; those already due, or reported on, stay as history."""
    _untouched_occurrences(task).filter(due_on__gte=_local_today()).delete()
    occurrences_generate(task=task)


def _occurrences_drop_unstarted(task: Task) -> None:
    """A standing task that ends (its duty confirmed done, or cancelled) has no more periods:
    the occurrences generated ahead whose period has not begun go."""
    _untouched_occurrences(task).filter(period_start__gt=_local_today()).delete()


def _occurrence_current(task: Task, today: dt.date) -> TaskOccurrence | None:
    """The occurrence a report on a standing task belongs to: the oldest one begun and not yet
    completed (a late report clears the oldest period first); when all begun ones are done,
    the latest begun (a further report on it); before the first period, the first one.
    Called with the task locked: the reminder sender share-locks the task, not the occurrence,
    before it rechecks that an occurrence is still open (``notifications.services.delivery``)."""
    occurrences_generate(task=task, today=today)
    held = task.occurrences.select_for_update()
    begun = held.filter(period_start__lte=today)
    return (
        begun.exclude(status=OccurrenceStatus.COMPLETED).order_by("period_start").first()
        or begun.order_by("-period_start").first()
        or held.order_by("period_start").first()
    )


def _occurrence_reported(occurrence: TaskOccurrence, *, percent: int | None, today: dt.date) -> None:
    """The lead agency reported on an occurrence: a report that gives no percentage (the
    meeting held, the report sent) or 100% completes it, judged on the report's Hanoi date;
    a lower percentage says work is under way."""
    if occurrence.status == OccurrenceStatus.COMPLETED:
        return
    if percent is None or percent == 100:
        occurrence.status = OccurrenceStatus.COMPLETED
        occurrence.completion_date = today
        occurrence.completed_at = timezone.now()
    else:
        occurrence.status = OccurrenceStatus.REPORTED
    occurrence.save(update_fields=["status", "completion_date", "completed_at"])


# --- progress ------------------------------------------------------------------------------


def progress_report_submit(
    *,
    actor: Official,
    task: Task | int,
    note: str = "",
    percent: int | None = None,
    indicator_value: Decimal | None = None,
    evidence: Iterable[Any] = (),
    expected_version: int | None = None,
) -> ProgressReport:
    """Record a progress report. The lead agency's report moves the task's progress (and
    starts an assigned task); a coordinating agency's is its contribution and moves nothing.

    Evidence files are all checked before anything is written, and written last; if the
    transaction does not commit (an error, or the database refusing the COMMIT) the files
    written are deleted again. A crash between the write and the commit leaves files no row
    points to: ``manage.py evidence_orphans`` finds them."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            return _progress_report_write(
                actor=actor,
                task=task,
                note=note,
                percent=percent,
                indicator_value=indicator_value,
                evidence=list(evidence),
                expected_version=expected_version,
                stored=stored,
            )
    except BaseException:
        evidence_discard(names=stored)
        raise


def _progress_report_write(
    *,
    actor: Official,
    task: Task | int,
    note: str,
    percent: int | None,
    indicator_value: Decimal | None,
    evidence: list[Any],
    expected_version: int | None,
    stored: list[str],
) -> ProgressReport:
    task = _lock(task, expected_version)
    lifecycle.check(actor, task, TaskAction.REPORT_PROGRESS)
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    _check_text(errors, "note", note, TEXT_LIMIT)
    if percent is not None and not 0 <= percent <= 100:
        errors["percent"] = [_("Progress is a percentage from 0 to 100.")]
    if indicator_value is not None and task.result_kind != ResultKind.INDICATOR:
        errors["indicator_value"] = [_("This task's result is a deliverable, not an indicator.")]
    if not note and percent is None and indicator_value is None:
        errors["note"] = [_("Say what was done: a note, a percentage or the indicator's value.")]
    checked = evidence_check(evidence)
    if checked.errors:
        errors["evidence"] = checked.errors
    if errors:
        raise ValidationError(errors)
    agency_id = actor.agency_id
    assert agency_id is not None  # the lifecycle lets only a lead or coordinating agency's official report
    is_lead = agency_id == task.lead_agency_id
    today = _local_today()
    occurrence = _occurrence_current(task, today) if task.recurrence != Recurrence.NONE else None
    report = ProgressReport(
        task=task,
        occurrence=occurrence,
        agency_id=agency_id,
        author=actor,
        reported_on=today,
        percent=percent,
        indicator_value=indicator_value,
        note=note,
        is_contribution=not is_lead,
    )
    report.full_clean()
    report.save()
    if is_lead and occurrence is not None:
        _occurrence_reported(occurrence, percent=percent, today=today)
    if is_lead:
        if task.status == TaskStatus.ASSIGNED:
            # The first report starts the task: the lifecycle's own start, with its history
            # event, in this transaction (the agency need not press "start" first).
            target, event, apply = lifecycle.check(actor, task, TaskAction.START).transition()
            before = _snapshot(task)
            task.status = target
            apply(task, {})
            _save_with_history(task, actor=actor, action=event, before=before)
        before = _snapshot(task)
        if percent is not None:
            task.progress = percent
        if indicator_value is not None:
            task.current_value = indicator_value
        # Each event that changes the row moves the version (the audit counts them).
        _save_with_history(
            task, actor=actor, action=TaskEventAction.PROGRESS_REPORTED, before=before, note=note
        )
    else:
        TaskEvent.objects.create(
            task=task,
            actor=actor,
            action=TaskEventAction.CONTRIBUTION_REPORTED,
            changes={"agency": {"old": None, "new": _value_for_history(actor.agency)}},
            note=note,
        )
    # One time budget for the signature checks of the whole report, not one per file: ten
    # hostile PDFs must not hold the task's row lock ten times the limit.
    deadline = time.monotonic() + settings.SIGNATURE_CHECK_SECONDS
    for upload, content_type in checked.files:
        _evidence_store(
            report=report, upload=upload, content_type=content_type, stored=stored, deadline=deadline
        )
    return report


#: Evidence types accepted, by content signature rather than by the name's extension.
EVIDENCE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    # .docx and .xlsx are zip containers
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}
EVIDENCE_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class CheckedEvidence:
    files: list[tuple[Any, str]]  # (upload, content type)
    errors: list[str]


def evidence_check(uploads: list[Any]) -> CheckedEvidence:
    """The one rule for evidence files, whichever door they come through: at most
    EVIDENCE_MAX_FILES per report, each of an accepted type whose content matches its name,
    each at most EVIDENCE_MAX_BYTES. Every file is checked before any is written, and every
    refusal is reported at once."""
    errors: list[str] = []
    if len(uploads) > settings.EVIDENCE_MAX_FILES:
        errors.append(
            _("At most %(limit)s files per report; %(count)s were sent.")
            % {"limit": settings.EVIDENCE_MAX_FILES, "count": len(uploads)}
        )
    files = []
    for upload in uploads:
        name = getattr(upload, "name", "") or "evidence"
        suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        content_type = EVIDENCE_EXTENSIONS.get(suffix)
        if content_type is None:
            errors.append(
                _("%(name)s: only PDF, PNG, JPEG, DOCX and XLSX files are accepted.") % {"name": name}
            )
            continue
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            errors.append(
                _("%(name)s is larger than %(limit)s MB.")
                % {"name": name, "limit": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)}
            )
            continue
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(sig) for sig in EVIDENCE_SIGNATURES[content_type]):
            errors.append(_("%(name)s is not really a %(suffix)s file.") % {"name": name, "suffix": suffix})
            continue
        files.append((upload, content_type))
    return CheckedEvidence(files=files, errors=errors)


def _evidence_store(
    *, report: ProgressReport, upload: Any, content_type: str, stored: list[str], deadline: float
) -> None:
    """Write one checked file and its row; a PDF's digital signatures are checked here, bounded
    in memory and by the report's time ``deadline`` (docs/signatures.md), stored with it, and a
    signed one is recorded in the task's history with its verdict."""
    name = getattr(upload, "name", "") or "evidence"
    item = EvidenceFile(report=report, original_name=name[:255], content_type=content_type, size=upload.size)
    item.file.save(name, upload, save=False)
    if item.file.name:  # the stored name, to discard should the report fail later
        stored.append(item.file.name)
    item.save()
    if content_type == "application/pdf":
        upload.seek(0)
        seconds = max(deadline - time.monotonic(), 0.01)
        check = _signatures_check(upload.read(), moment=timezone.now(), seconds=seconds)
        _signatures_store(item, check)
        if check.signatures:
            _signed_result_recorded(
                item, check, actor=report.author, action=TaskEventAction.SIGNED_RESULT_ATTACHED, old=None
            )


def evidence_discard(*, names: Iterable[str]) -> None:
    """Delete stored evidence files that no committed row points to."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete the orphan evidence file %s", name, exc_info=True)


def evidence_orphans(*, older_than: dt.timedelta) -> list[str]:
    """Files under ``evidence/`` that no EvidenceFile row points to and that were last written
    more than ``older_than`` ago (a younger one may belong to a transaction still running)."""
    known = set(EvidenceFile.objects.values_list("file", flat=True).iterator())
    cutoff = timezone.now() - older_than
    found = []
    folders = ["evidence"]
    while folders:
        folder = folders.pop()
        if not default_storage.exists(folder):
            continue
        subfolders, files = default_storage.listdir(folder)
        folders += [f"{folder}/{name}" for name in subfolders]
        for name in files:
            path = f"{folder}/{name}"
            if path not in known and default_storage.get_modified_time(path) < cutoff:
                found.append(path)
    return sorted(found)


# --- extensions ------------------------------------------------------------------------------


@transaction.atomic
def extension_request_create(
    *,
    actor: Official,
    task: Task | int,
    proposed_deadline: dt.date,
    reason: str,
    expected_version: int | None = None,
) -> ExtensionRequest:
    """The lead agency asks to move its deadline; one request may be pending at a time."""
    task = _lock(task, expected_version)
    lifecycle.check(actor, task, TaskAction.REQUEST_EXTENSION)
    reason = _required_reason(reason)
    current = task.deadline
    assert current is not None  # the lifecycle refuses to extend a task without a deadline
    if proposed_deadline <= current:
        raise ValidationError(
            {
                "proposed_deadline": [
                    _("The proposed deadline must be after the current one (%(deadline)s).")
                    % {"deadline": date_format(current)}
                ]
            }
        )
    request = ExtensionRequest.objects.create(
        task=task,
        requested_by=actor,
        current_deadline=current,
        proposed_deadline=proposed_deadline,
        reason=reason,
    )
    TaskEvent.objects.create(
        task=task,
        actor=actor,
        action=TaskEventAction.EXTENSION_REQUESTED,
        changes={"proposed_deadline": {"old": current.isoformat(), "new": proposed_deadline.isoformat()}},
        note=reason,
    )
    return request


@transaction.atomic
def extension_request_decide(
    *,
    actor: Official,
    extension: ExtensionRequest | int,
    approve: bool,
    note: str = "",
) -> ExtensionRequest:
    """A monitor approves or rejects a request. Approval moves the deadline (the original is
    kept) and so restarts the reminder ladder, which keys its reminders on the deadline."""
    pk = extension.pk if isinstance(extension, ExtensionRequest) else extension
    # One lock order for everything that touches a task and its requests: the task first, then
    # its requests (confirming or cancelling a task closes them in that order). Locking the
    # request first here, as this once did, could deadlock against a confirmation.
    task_id = ExtensionRequest.objects.values_list("task_id", flat=True).get(pk=pk)
    task = _lock(task_id, None)
    extension = ExtensionRequest.objects.select_for_update().get(pk=pk)
    extension.task = task
    _require(
        actor,
        "tasks.decide_extension",
        extension,
        _("Only a Government Office monitor who did not ask for it can decide an extension."),
    )
    if extension.status != ExtensionStatus.PENDING:
        raise InvalidTransition(_("This request was already decided."))
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    _check_text(errors, "note", note, TEXT_LIMIT)
    if not approve and not note:
        errors["note"] = [_("Say why the request is rejected.")]
    if errors:
        raise ValidationError(errors)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = note
    extension.save()
    if approve:
        if task.status not in OPEN_STATUSES:
            raise InvalidTransition(_("The task is no longer open; its deadline cannot move."))
        before = _snapshot(task)
        task.deadline = extension.proposed_deadline
        task.deadline_phrase = ""
        _save_with_history(
            task, actor=actor, action=TaskEventAction.EXTENSION_APPROVED, before=before, note=note
        )
    else:
        TaskEvent.objects.create(task=task, actor=actor, action=TaskEventAction.EXTENSION_REJECTED, note=note)
    return extension


def _close_pending_extensions(task: Task, actor: Official) -> None:
    """A closed task needs no new deadline: its pending requests are rejected, each with its
    history entry (the task is locked already, so the requests are locked after it)."""
    note = _("Closed with the task.")
    now = timezone.now()
    for extension in task.extension_requests.select_for_update().filter(status=ExtensionStatus.PENDING):
        extension.status = ExtensionStatus.REJECTED
        extension.decided_by = actor
        extension.decided_at = now
        extension.decision_note = note
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        TaskEvent.objects.create(
            task=task,
            actor=actor,
            action=TaskEventAction.EXTENSION_CLOSED,
            changes={
                "extension": {"old": None, "new": extension.pk},
                "proposed_deadline": {"old": None, "new": extension.proposed_deadline.isoformat()},
            },
            note=note,
        )


# --- signed results ----------------------------------------------------------------------------


def _trusted_root_ders() -> list[bytes]:
    active = TrustedRoot.objects.filter(is_active=True)
    return [bytes(der) for der in active.values_list("certificate", flat=True)]


def _signatures_check(data: bytes, *, moment: dt.datetime, seconds: float | None = None) -> PdfCheck:
    """The signatures of a PDF judged at ``moment`` against the active trusted roots, in a
    child process bounded in time and memory (``signatures.validation``)."""
    return check_pdf_bounded(
        data,
        trust_roots=_trusted_root_ders(),
        moment=moment,
        seconds=settings.SIGNATURE_CHECK_SECONDS if seconds is None else seconds,
        memory_bytes=settings.SIGNATURE_CHECK_MEMORY_BYTES,
    )


def _signatures_store(item: EvidenceFile, check: PdfCheck) -> None:
    item.signatures.all().delete()
    EvidenceSignature.objects.bulk_create(
        EvidenceSignature(
            evidence=item,
            position=position,
            field_name=sig.field_name[:255],
            verdict=sig.verdict,
            signer_name=sig.signer_name[:255],
            organisation=sig.organisation[:255],
            issuer=sig.issuer[:255],
            serial_number=sig.serial_number[:80],
            certificate_sha256=sig.certificate_sha256,
            signing_time=sig.signing_time,
            timestamp_time=sig.timestamp_time,
            timestamp_trusted=sig.timestamp_trusted,
            coverage=sig.coverage,
            modification=sig.modification,
            problem=sig.problem[:64],
        )
        for position, sig in enumerate(check.signatures, start=1)
    )
    item.signature_verdict = check.verdict
    item.signature_problem = check.problem
    item.signatures_checked_at = timezone.now()
    item.save(update_fields=["signature_verdict", "signature_problem", "signatures_checked_at"])


def _signers_note(check: PdfCheck) -> str:
    return "; ".join(
        f"{sig.signer_name or '?'}" + (f" ({sig.organisation})" if sig.organisation else "")
        for sig in check.signatures
    )


def _signed_result_recorded(
    item: EvidenceFile, check: PdfCheck, *, actor: Official | None, action: str, old: str | None
) -> None:
    """History: a signed PDF attached, or a re-check that changed its verdict."""
    TaskEvent.objects.create(
        task_id=item.report.task_id,
        actor=actor,
        action=action,
        changes={
            "evidence": {"old": None, "new": item.original_name},
            "signature_verdict": {"old": old, "new": check.verdict},
        },
        note=_signers_note(check)[:2000],
    )


@transaction.atomic
def evidence_signatures_recheck(*, evidence: EvidenceFile | int) -> str:
    """Check one evidence PDF's signatures again against today's trusted roots, judged at its
    upload time (it provably existed then). Records a history entry when the verdict moves.
    Safe to run twice: a second run finds the same verdict and records nothing."""
    pk = evidence.pk if isinstance(evidence, EvidenceFile) else evidence
    item = EvidenceFile.objects.select_for_update().select_related("report").get(pk=pk)
    if item.content_type != "application/pdf":
        return item.signature_verdict
    with item.file.open("rb") as handle:
        data = handle.read(settings.EVIDENCE_MAX_BYTES + 1)
    check = _signatures_check(data, moment=item.uploaded_at)
    old = item.signature_verdict
    _signatures_store(item, check)
    if old != check.verdict and check.signatures:
        _signed_result_recorded(
            item, check, actor=None, action=TaskEventAction.SIGNATURE_RECHECKED, old=old or None
        )
        tasks_changed()
    return check.verdict


def evidence_signatures_recheck_all(*, progress: Callable[[int, str], None] | None = None) -> dict[str, int]:
    """Re-check every evidence PDF (after the trusted roots changed): one short transaction
    per file, so a long run blocks no task for long. Returns how many files got each verdict."""
    counts: dict[str, int] = {}
    pdfs = EvidenceFile.objects.filter(content_type="application/pdf").order_by("pk")
    ids = pdfs.values_list("pk", flat=True)
    for pk in ids.iterator(chunk_size=500):
        try:
            verdict = evidence_signatures_recheck(evidence=pk)
        except EvidenceFile.DoesNotExist:  # deleted meanwhile
            continue
        counts[verdict] = counts.get(verdict, 0) + 1
        if progress is not None:
            progress(pk, verdict)
    return counts


#: The Celery job (tasks/jobs.py) that runs ``evidence_signatures_recheck_all``. Looked up by
#: its name: the jobs module imports this one, never the reverse.
RECHECK_JOB = "tasks.evidence_signatures_recheck_all"


def evidence_signatures_recheck_all_later() -> None:
    """Ask for every evidence PDF to be re-checked in the background once this commits."""
    transaction.on_commit(lambda: current_app.tasks[RECHECK_JOB].delay())


@transaction.atomic
def trusted_root_add(*, actor: Official, name: str, certificate: bytes) -> TrustedRoot:
    """Trust a certificate authority (PEM or DER), then re-check the evidence after commit:
    a file signed under it may now be valid."""
    if not actor.is_superuser and not actor.has_perm("tasks.add_trustedroot"):
        raise ActionNotAllowed(_("Only an administrator can change the trusted roots."))
    try:
        info = read_certificate(certificate)
    except CertificateError as exc:
        raise ValidationError({"certificate": [str(exc)]}) from exc
    if TrustedRoot.objects.filter(fingerprint_sha256=info.fingerprint_sha256).exists():
        raise ValidationError({"certificate": [_("This certificate is already a trusted root.")]})
    root = TrustedRoot.objects.create(
        name=(name or "").strip()[:255] or info.common_name[:255] or info.fingerprint_sha256[:16],
        certificate=info.der,
        subject=info.subject,
        fingerprint_sha256=info.fingerprint_sha256,
        valid_from=info.valid_from,
        valid_until=info.valid_until,
        added_by=actor,
    )
    evidence_signatures_recheck_all_later()
    return root


@transaction.atomic
def trusted_root_set_active(*, actor: Official, root: TrustedRoot | int, active: bool) -> TrustedRoot:
    """Stop (or resume) trusting a root; the evidence is re-checked after commit."""
    if not actor.is_superuser and not actor.has_perm("tasks.change_trustedroot"):
        raise ActionNotAllowed(_("Only an administrator can change the trusted roots."))
    pk = root.pk if isinstance(root, TrustedRoot) else root
    root = TrustedRoot.objects.select_for_update().get(pk=pk)
    if root.is_active != active:
        root.is_active = active
        root.save(update_fields=["is_active"])
        evidence_signatures_recheck_all_later()
    return root
