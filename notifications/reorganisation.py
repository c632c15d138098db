"""Reminders follow a task that a reorganisation moved to another agency.

Registered as a hook of ``tasks.reorganisation`` from ``NotificationsConfig.ready``: tasks do
not import notifications, so the apply calls what notifications registered, inside its own
transaction.

A pending reminder is addressed to a person. Officials move with their agency, so most rows
stay right; what changes is *who* a rung reaches when the lead agency changed (level 2 and
up reach the lead agency's focal points). For each pending rung of a moved task the
recipients are worked out again, by the sweep's own rule (``recipients_for_level``): rows for
people it no longer reaches become ``readdressed``, and rows for people it now reaches are
inserted with ON CONFLICT DO NOTHING on the outbox's unique key. So a rung pending before is
pending after for everyone it now reaches (nothing lost), and nobody gets a rung twice (the
key). Rows being sent or already sent are left alone.

``notifications.selectors.transfer_notices`` gives the sender the line "this task was
transferred from X to Y under <document>", for each person's first reminder after the move.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from notifications.choices import ReminderStatus
from notifications.models import Reminder
from notifications.services.recipients import load_people, recipients_for_level
from tasks.models import Task


def pending_reminders_count(task_ids: list[int]) -> int:
    return Reminder.objects.filter(task_id__in=task_ids, status=ReminderStatus.PENDING).count()


def reminders_readdress(*, task_ids: list[int], event=None) -> int:
    """Re-address the pending reminders of ``task_ids`` to the people their rungs reach now.
    Returns how many rows changed (marked re-addressed, or inserted)."""
    pending = list(
        Reminder.objects.filter(task_id__in=task_ids, status=ReminderStatus.PENDING)
        .select_for_update()
        .order_by("id")
        .values_list(
            "id",
            "task_id",
            "rule_id",
            "deadline",
            "period",
            "level",
            "due_on",
            "recipient_id",
            "next_attempt_at",
        )
    )
    if not pending:
        return 0
    rows = list(
        Task.objects.filter(pk__in={row[1] for row in pending}).values_list(
            "id",
            "deadline",
            "responsible_official_id",
            "accountable_leader_id",
            "lead_agency_id",
            "created_by_id",
            "responsible_official__supervisor_id",
        )
    )
    people = load_people(rows)
    tasks = {row[0]: row for row in rows}
    rungs: dict[tuple, dict] = {}
    for pk, task_id, rule_id, deadline, period, level, due_on, recipient_id, next_at in pending:
        rung = rungs.setdefault(
            (task_id, rule_id, deadline, period),
            {"level": level, "due_on": due_on, "next_at": next_at, "have": {}},
        )
        rung["have"][recipient_id] = pk
        rung["next_at"] = min(rung["next_at"], next_at)
    # Anyone who already has a row for the rung (sent, being sent, skipped): not again.
    others = defaultdict(set)
    for task_id, rule_id, deadline, period, recipient_id in (
        Reminder.objects.filter(task_id__in=tasks)
        .exclude(status=ReminderStatus.PENDING)
        .values_list("task_id", "rule_id", "deadline", "period", "recipient_id")
    ):
        others[(task_id, rule_id, deadline, period)].add(recipient_id)

    document = event.document_label if event is not None else ""
    dropped: list[int] = []
    added: list[Reminder] = []
    for key, rung in rungs.items():
        _id, _deadline, responsible, leader, agency, creator, supervisor = tasks[key[0]]
        wanted = recipients_for_level(
            rung["level"],
            responsible=responsible,
            supervisor=supervisor,
            leader=leader,
            creator=creator,
            agency=agency,
            people=people,
        )
        dropped += [pk for person, pk in rung["have"].items() if person not in wanted]
        for person in wanted:
            if person in rung["have"] or person in others[key]:
                continue
            email, language, _active, _role = people.info[person]
            added.append(
                Reminder(
                    task_id=key[0],
                    rule_id=key[1],
                    deadline=key[2],
                    period=key[3],
                    recipient_id=person,
                    level=rung["level"],
                    due_on=rung["due_on"],
                    email=email,
                    language=language,
                    digest=person in people.digest,
                    status=ReminderStatus.PENDING if email else ReminderStatus.NO_ADDRESS,
                    error="" if email else "The official has no email address.",
                    next_attempt_at=rung["next_at"],
                )
            )
    if dropped:
        Reminder.objects.filter(pk__in=dropped, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.READDRESSED,
            error=f"The task moved to another agency under {document}.".replace(" under .", "."),
            updated_at=timezone.now(),
        )
    Reminder.objects.bulk_create(added, ignore_conflicts=True)
    return len(dropped) + len(added)
