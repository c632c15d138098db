"""Reminders follow a task that a reorganisation moved to another agency.

Registered as a hook of ``tasks.reorganisation`` from ``NotificationsConfig.ready``: tasks do
not import notifications, so the apply calls what notifications registered, inside its own
transaction.

A pending message names its people. Officials move with their agency, so most stay right;
what changes is *who* a rung reaches when the lead agency changed (level 2 and up reach the
lead agency's focal points). For each pending rung of a moved task the recipients are worked
out again, by the sweep's own rule (``recipients_for_level``): people it no longer reaches are
marked ``readdressed`` in the message (a message left with nobody is ``readdressed``), and
people it now reaches and does not name yet are added, to a pending message in their language
or as a new one (the next ``part``). So a rung pending before is pending after for everyone it
now reaches (nothing lost), and nobody is named twice in a rung: this holds the sweep's lock,
so no sweep adds people to the same rung meanwhile. Messages being sent or sent are left alone.

``notifications.selectors.transfer_notices`` gives the sender the line "this task was
transferred from X to Y under <document>", for each person's first reminder after the move.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from notifications.choices import ReminderStatus
from notifications.models import RECIPIENT_TO, Reminder, SweepState
from notifications.services.recipients import load_people, recipient_entry, recipients_for_level
from tasks.models import Task


def pending_reminders_count(task_ids: list[int]) -> int:
    """How many (person, rung) reminders are pending: the people pending messages are for."""
    return sum(
        sum(1 for entry in entries if entry.get("state") == RECIPIENT_TO)
        for entries in Reminder.objects.filter(task_id__in=task_ids, status=ReminderStatus.PENDING)
        .values_list("recipients", flat=True)
        .iterator(chunk_size=2000)
    )


def reminders_readdress(*, task_ids: list[int], event=None) -> int:
    """Re-address the pending reminders of ``task_ids`` to the people their rungs reach now.
    Returns how many people changed (re-addressed away, or added)."""
    # The sweep's lock first: the sweep and this are the two writers that add people to rungs.
    SweepState.objects.get_or_create(key="default")
    SweepState.objects.select_for_update().get(key="default")
    pending = list(
        Reminder.objects.filter(task_id__in=task_ids, status=ReminderStatus.PENDING)
        .select_for_update()
        .order_by("id")
    )
    if not pending:
        return 0
    rows = list(
        Task.objects.filter(pk__in={r.task_id for r in pending}).values_list(
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
    rungs: dict[tuple, list[Reminder]] = defaultdict(list)
    for reminder in pending:
        rungs[(reminder.task_id, reminder.rule_id, reminder.deadline, reminder.period)].append(reminder)
    # Everyone a rung names in any row (sent, being sent, skipped...), and its highest part.
    named: dict[tuple, set[int]] = defaultdict(set)
    top: dict[tuple, int] = defaultdict(int)
    for task_id, rule_id, deadline, period, part, entries in Reminder.objects.filter(
        task_id__in=tasks
    ).values_list("task_id", "rule_id", "deadline", "period", "part", "recipients"):
        key = (task_id, rule_id, deadline, period)
        named[key].update(entry["id"] for entry in entries)
        top[key] = max(top[key], part)

    document = event.document_label if event is not None else ""
    error = f"The task moved to another agency under {document}.".replace(" under .", ".")
    changed: dict[int, Reminder] = {}
    added: list[Reminder] = []
    count = 0
    for key, messages in rungs.items():
        _id, _deadline, responsible, leader, agency, creator, supervisor = tasks[key[0]]
        first = messages[0]
        wanted = recipients_for_level(
            first.level,
            responsible=responsible,
            supervisor=supervisor,
            leader=leader,
            creator=creator,
            agency=agency,
            people=people,
        )
        for message in messages:
            for entry in message.addressees:
                if entry["id"] not in wanted:
                    entry["state"] = str(ReminderStatus.READDRESSED)
                    entry["error"] = error
                    changed[message.pk] = message
                    count += 1
        by_language = {m.language: m for m in messages if not m.digest}
        for person in wanted:
            if person in named[key]:
                continue
            count += 1
            entry = recipient_entry(people, person, RECIPIENT_TO if people.info[person][0] else "no_address")
            language = people.info[person][1]
            if person not in people.digest and language in by_language:
                by_language[language].recipients.append(entry)
                changed[by_language[language].pk] = by_language[language]
                continue
            digest = person in people.digest
            if not digest:
                top[key] += 1
            new = Reminder(
                task_id=key[0],
                rule_id=key[1],
                deadline=key[2],
                period=key[3],
                language=language,
                part=0 if digest else top[key],
                digest=digest,
                recipient_id=person if digest else None,
                level=first.level,
                due_on=first.due_on,
                recipients=[entry],
                status=ReminderStatus.PENDING if entry["email"] else ReminderStatus.NO_ADDRESS,
                error="" if entry["email"] else "The official has no email address.",
                next_attempt_at=min(m.next_attempt_at for m in messages),
            )
            added.append(new)
            if not digest:
                by_language[language] = new
    now = timezone.now()
    for message in changed.values():
        if message.pk and not message.addressees:
            message.status = ReminderStatus.READDRESSED
            message.error = error
        message.updated_at = now
    Reminder.objects.bulk_update(
        [m for m in changed.values() if m.pk], ["recipients", "status", "error", "updated_at"]
    )
    Reminder.objects.bulk_create(added, ignore_conflicts=True)
    return count
