"""The demo lives through 2025 as it happened.

``seed_demo`` loads Notice No. 56/TB-VPCP as the Government Office received it on 23 February
2025; ``demo_2025_replay`` then plays what followed, in date order: the reorganisations of the
agency register (fixtures/reorganisation_2025.json: the ministries merged on 1 March 2025, the
63 provinces become 34 on 1 July 2025) and what public sources say happened to the tasks
(fixtures/notice_56_2025_replay.json: the laws submitted and passed, a deadline carried into
2026). Every change goes through the services (``tasks.services``, ``tasks.reorganisation``)
as the demo's stand-in officials, so the rules and the history hold as for any user.

The services stamp what they write with the present moment. A replay must stamp the moment
it reconstructs, so each step is followed by one explicit correction of the rows that step
just wrote (history entries, the report's date, the submission and confirmation times),
with the note "Reconstructed from <source>". Nothing else is ever backdated.

Idempotent: a step whose effect is already there (the report, the submission, the
confirmation, the extension, the applied event) is skipped, so ``make run`` replays nothing
the second time. A step that the task's present state refuses (someone moved the task by
hand) is skipped and reported, never forced.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from agencies.models import Agency, Official, ReorganisationEvent
from agencies.services import agency_upsert
from tasks import services
from tasks.choices import TaskStatus
from tasks.errors import ActionNotAllowed, InvalidTransition
from tasks.models import ExtensionRequest, ProgressReport, Task, TaskEvent
from tasks.reorganisation import reorganisation_apply

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
REORGANISATION_FILE = "reorganisation_2025.json"
REPLAY_FILE = "notice_56_2025_replay.json"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
#: The hour of the working day a reconstructed act is stamped with (the sources give days).
WORKING_HOUR = 9


def read_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def moment(day: dt.date) -> dt.datetime:
    """A reconstructed act happened on ``day``, in Hanoi, during working hours."""
    return dt.datetime.combine(day, dt.time(WORKING_HOUR), tzinfo=HANOI)


def reconstructed(sources: list[str]) -> str:
    return "Reconstructed from " + "; ".join(sources)


@dataclass
class ReplayResult:
    """What a replay did, for the seed's summary."""

    agencies_new: list[str] = field(default_factory=list)
    events_applied: list[str] = field(default_factory=list)
    steps_done: list[str] = field(default_factory=list)
    steps_present: int = 0
    steps_refused: list[str] = field(default_factory=list)


# --- agencies and reorganisations -------------------------------------------------------------


def _new_agencies(rows: list[dict[str, Any]], result: ReplayResult) -> None:
    for row in rows:
        agency, created = agency_upsert(row=row)
        if created:
            result.agencies_new.append(agency.code)


def _event_for(entry: dict[str, Any]) -> ReorganisationEvent:
    """The register's event for a fixture entry: found by its legal basis, date and
    predecessors, or entered (scheduled) once."""
    effective_on = dt.date.fromisoformat(entry["effective_on"])
    predecessors = sorted(entry["predecessors"])
    candidates = ReorganisationEvent.objects.filter(
        document_number=entry["document"]["number"], effective_on=effective_on
    ).prefetch_related("predecessors")
    for event in candidates:
        if sorted(a.code for a in event.predecessors.all()) == predecessors:
            return event
    document = entry["document"]
    event = ReorganisationEvent(
        kind=entry["kind"],
        effective_on=effective_on,
        document_number=document["number"],
        document_date=dt.date.fromisoformat(document["date"]),
        document_title=document["title_vi"],
        sources="\n".join(entry["sources"]),
        note=entry["note"],
    )
    event.full_clean(exclude=["applied_by"])
    event.save()
    event.predecessors.set(Agency.objects.filter(code__in=entry["predecessors"]))
    event.successors.set(Agency.objects.filter(code__in=entry["successors"]))
    return event


def _apply_event(entry: dict[str, Any], monitor: Official, result: ReplayResult) -> None:
    event = _event_for(entry)
    if event.is_applied:
        result.steps_present += 1
        return
    day = event.effective_on
    with transaction.atomic(), stamped(day, note=""):
        reorganisation_apply(actor=monitor, event=event)
    result.events_applied.append(entry["key"])


# --- task steps ---------------------------------------------------------------------------


def _last_id(model) -> int:
    return model.objects.aggregate(last=Max("id"))["last"] or 0


@contextmanager
def stamped(day: dt.date, *, note: str) -> Iterator[None]:
    """Restamp what the services write inside the block as done on ``day``: the history
    entries (with ``note`` where they have none), progress reports, extension requests."""
    events, reports, extensions = _last_id(TaskEvent), _last_id(ProgressReport), _last_id(ExtensionRequest)
    yield
    at = moment(day)
    written = TaskEvent.objects.filter(id__gt=events)
    written.update(at=at)
    if note:
        written.filter(note="").update(note=note)
    ProgressReport.objects.filter(id__gt=reports).update(reported_on=day, created_at=at)
    requests = ExtensionRequest.objects.filter(id__gt=extensions)
    requests.update(requested_at=at)
    requests.exclude(decided_at=None).update(decided_at=at)


def _step_done(step: dict[str, Any], task: Task) -> bool:
    action = step["action"]
    if action == "report":
        return task.progress_reports.filter(
            reported_on=dt.date.fromisoformat(step["on"]), note=step["note"]
        ).exists()
    if action == "submit":
        return task.events.filter(action="submitted").exists()
    if action == "confirm":
        return task.status == TaskStatus.COMPLETED
    if action == "extend":
        return task.extension_requests.filter(proposed_deadline=dt.date.fromisoformat(step["to"])).exists()
    raise ValueError(f"Unknown replay action {action!r}")


def _run_step(step: dict[str, Any], task: Task) -> None:
    day = dt.date.fromisoformat(step["on"])
    source_note = reconstructed(step["sources"])
    # Read now, not at the start: a reorganisation applied earlier in the replay moved people.
    people = Official.objects.in_bulk([step["by"], step.get("decided_by", step["by"])], field_name="username")
    actor = people[step["by"]]
    action = step["action"]
    if action == "report":
        with stamped(day, note=source_note):
            services.progress_report_submit(actor=actor, task=task, note=f"{step['note']}\n{source_note}")
    elif action == "submit":
        with stamped(day, note=source_note):
            services.task_submit(actor=actor, task=task, result_summary=f"{step['result']}\n{source_note}")
        Task.objects.filter(pk=task.pk).update(submitted_at=moment(day))
    elif action == "confirm":
        with stamped(day, note=f"{step['note']}\n{source_note}"):
            services.task_confirm(actor=actor, task=task)
        Task.objects.filter(pk=task.pk).update(completed_at=moment(day), completion_confirmed_on=day)
    elif action == "extend":
        note = source_note + (" (interpretation)" if step.get("interpretation") else "")
        with stamped(day, note=note):
            request = services.extension_request_create(
                actor=actor,
                task=task,
                proposed_deadline=dt.date.fromisoformat(step["to"]),
                reason=f"{step['reason']}\n{note}",
            )
            services.extension_request_decide(
                actor=people[step["decided_by"]], extension=request, approve=True, note=note
            )


def _task_step(step: dict[str, Any], result: ReplayResult) -> None:
    label = f"{step['on']} {step['task']} {step['action']}"
    task = Task.objects.get(code=step["task"])
    if _step_done(step, task):
        result.steps_present += 1
        return
    try:
        with transaction.atomic():
            _run_step(step, task)
    except (InvalidTransition, ActionNotAllowed, ValidationError) as exc:
        # The task was moved by hand before the replay reached it: its present state wins.
        result.steps_refused.append(f"{label}: {exc}")
        return
    result.steps_done.append(label)


# --- the timeline ---------------------------------------------------------------------------


def timeline() -> list[tuple[dt.date, int, dict[str, Any]]]:
    """Every reorganisation and every task step, by date; on one date the register changes
    first (a task submitted on 1 March is submitted by its new agency)."""
    reorganisation = read_fixture(REORGANISATION_FILE)
    replay = read_fixture(REPLAY_FILE)
    items = [(dt.date.fromisoformat(e["effective_on"]), 0, {"event": e}) for e in reorganisation["events"]]
    items += [(dt.date.fromisoformat(s["on"]), 1, {"step": s}) for s in replay["steps"]]
    return sorted(items, key=lambda item: (item[0], item[1]))


def demo_2025_replay(*, monitor: Official, today: dt.date | None = None) -> ReplayResult:
    """Replay 2025 up to ``today`` (default: all of it). One transaction per step, so an
    interrupted replay resumes where it stopped."""
    result = ReplayResult()
    _new_agencies(read_fixture(REORGANISATION_FILE)["new_agencies"], result)
    handlers: dict[str, Callable[[dict[str, Any]], None]] = {
        "event": lambda e: _apply_event(e, monitor, result),
        "step": lambda s: _task_step(s, result),
    }
    for day, _order, item in timeline():
        if today is not None and day > today:
            break
        for kind, payload in item.items():
            handlers[kind](payload)
    services.tasks_changed()
    return result
