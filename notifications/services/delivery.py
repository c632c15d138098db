"""The sender: claims due outbox rows with row locks that skip locked rows, sends each over one
reused SMTP connection per batch, and records the outcome row by row (a commit per message)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import smtplib
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import sanitize_address
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import Official
from notifications.choices import ReminderStatus
from notifications.models import RECIPIENT_TO, Reminder
from notifications.selectors import transfer_notices
from notifications.services.ladder import REMINDED_STATUSES
from notifications.services.messages import Addressed, build_message
from tasks.choices import OccurrenceStatus
from tasks.models import Task, TaskOccurrence

logger = logging.getLogger(__name__)


@dataclass
class SendResult:
    """What one run of the sender did, by reminder id."""

    now: dt.datetime
    messages: int = 0
    outcomes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    smtp_unreachable: str = ""

    def count(self, status: str) -> int:
        return len(self.outcomes.get(status, ()))

    @property
    def sent(self) -> int:
        return self.count(ReminderStatus.SENT)


def senders_needed(pending: int) -> int:
    """How many send jobs to start for ``pending`` new reminders: one per batch, at most
    NOTIFICATIONS_PARALLEL_SENDERS (about the worker's concurrency)."""
    if pending <= 0:
        return 0
    batch = settings.NOTIFICATIONS_BATCH_SIZE
    return max(1, min(settings.NOTIFICATIONS_PARALLEL_SENDERS, math.ceil(pending / batch)))


class _Outcome:
    OK = "ok"
    BROKEN = "broken"  # the SMTP connection is gone: stop this batch


def reminders_send_pending(
    *,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
    time_budget: float | None = None,
    max_batches: int | None = None,
) -> SendResult:
    """Claim due reminders in batches and send them, one SMTP connection per batch.

    Safe to run in several processes at once: a claim takes rows with
    ``SELECT ... FOR UPDATE SKIP LOCKED`` and leases them to this run; each message is then
    sent and marked in its own short transaction, so a sender killed mid-batch leaves the
    messages it sent marked sent, and the rest of its claim returns to the pool when the
    lease runs out. Stops when nothing is due, when the SMTP server cannot be reached, or
    when the time budget (kept below the Celery time limit) is spent.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.NOTIFICATIONS_BATCH_SIZE
    budget = time_budget if time_budget is not None else settings.NOTIFICATIONS_SEND_TIME_BUDGET
    budget_end = time.monotonic() + budget
    result = SendResult(now=now)
    batches = 0
    while time.monotonic() < budget_end and (max_batches is None or batches < max_batches):
        token = uuid.uuid4()
        ids = _claim(now=now, limit=batch_size, token=token)
        if not ids:
            break
        batches += 1
        if not _send_claimed(ids, token=token, now=now, budget_end=budget_end, result=result):
            break
    return result


def _claim(*, now: dt.datetime, limit: int, token: uuid.UUID) -> list[int]:
    """Lease up to ``limit`` due rows to this sender. Rows another sender holds are skipped,
    not waited for; rows whose lease ran out (their sender died) are taken back first."""
    real_now = timezone.now()
    lease = dt.timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.SENDING, claimed_until__lt=real_now)
            .order_by("claimed_until", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            logger.warning("Reclaiming %d reminders whose sender stopped mid-batch", len(ids))
        if len(ids) < limit:
            ids += list(
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(status=ReminderStatus.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")
                .values_list("id", flat=True)[: limit - len(ids)]
            )
        if not ids:
            return []
        digest_people = set(
            Reminder.objects.filter(id__in=ids, digest=True).values_list("recipient_id", flat=True)
        )
        if digest_people:
            # A digest holds all of the official's due reminders, not just those in this batch.
            ids += list(
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(
                    status=ReminderStatus.PENDING,
                    digest=True,
                    recipient_id__in=digest_people,
                    next_attempt_at__lte=now,
                )
                .exclude(id__in=ids)
                .values_list("id", flat=True)
            )
        Reminder.objects.filter(id__in=ids).update(
            status=ReminderStatus.SENDING,
            claim_token=token,
            claimed_until=real_now + lease,
            updated_at=real_now,
        )
    return ids


def _send_claimed(
    ids: list[int], *, token: uuid.UUID, now: dt.datetime, budget_end: float, result: SendResult
) -> bool:
    """Send one claimed batch over one connection. False when SMTP could not be used."""
    reminders = list(
        Reminder.objects.filter(id__in=ids, claim_token=token).select_related("rule").order_by("id")
    )
    tasks = {
        task.pk: task
        for task in Task.objects.filter(pk__in={r.task_id for r in reminders})
        .select_related("directive", "lead_agency", "responsible_official", "accountable_leader")
        .prefetch_related("coordinating_agencies")
    }
    notices = transfer_notices(reminders)
    people = _people_now(reminders)
    units: list[list[Reminder]] = []
    digests: dict[int, list[Reminder]] = {}
    for reminder in reminders:
        recipient = reminder.recipient_id  # set on every digest row (a constraint)
        if reminder.digest and recipient is not None:
            if recipient not in digests:
                digests[recipient] = []
                units.append(digests[recipient])
            digests[recipient].append(reminder)
        else:
            units.append([reminder])

    smtp = get_connection(fail_silently=False)
    try:
        smtp.open()
    except (OSError, smtplib.SMTPException) as exc:
        result.smtp_unreachable = repr(exc)
        logger.warning("SMTP server unreachable, %d reminders wait: %r", len(reminders), exc)
        for reminder_list in units:
            _retry_later(reminder_list, token=token, now=now, error=repr(exc), result=result)
        return False
    try:
        for index, unit in enumerate(units):
            if time.monotonic() >= budget_end:
                _release([r for rest in units[index:] for r in rest], token=token, when=None)
                return False
            outcome = _deliver(
                smtp, unit, token=token, now=now, tasks=tasks, result=result, notices=notices, people=people
            )
            if outcome == _Outcome.BROKEN:
                later = now + dt.timedelta(seconds=settings.NOTIFICATIONS_RETRY_BASE_SECONDS)
                _release([r for rest in units[index + 1 :] for r in rest], token=token, when=later)
                return False
    finally:
        try:
            smtp.close()
        except (OSError, smtplib.SMTPException):
            logger.info("SMTP connection closed uncleanly", exc_info=True)
    return True


def _people_now(reminders: list[Reminder]) -> dict[int, tuple[str, bool, str]]:
    """The current address, whether still active, and name of everyone the batch's messages are
    for (one query): an address fixed after the sweep is used, a person who left is not mailed."""
    ids = {entry["id"] for reminder in reminders for entry in reminder.addressees}
    return {
        pk: (email, active, f"{first} {last}".strip() or username)
        for pk, email, active, first, last, username in Official.objects.filter(pk__in=ids).values_list(
            "id", "email", "is_active", "first_name", "last_name", "username"
        )
    }


def _addressed(unit: list[Reminder], people: dict[int, tuple[str, bool, str]]) -> Addressed:
    """Who gets this unit: a digest's one official, or the people a message is for (each
    once, with the address they have now)."""
    names: list[str] = []
    emails: list[str] = []
    ids: list[int] = []
    seen: set[int] = set()
    for reminder in unit:
        for entry in reminder.addressees:
            email, active, name = people.get(entry["id"], ("", False, entry.get("name", "")))
            if entry["id"] in seen or not active or not email:
                continue
            seen.add(entry["id"])
            ids.append(entry["id"])
            names.append(name)
            emails.append(email)
    return Addressed(names=names, emails=emails, language=unit[0].language, ids=ids)


def _lock_tasks_for_share(task_ids: set[int]) -> dict[int, tuple[str, dt.date | None]]:
    """Each task's status and deadline, share-locked until the message is marked: a monitor
    approving an extension waits for the email in flight, and the next one sees the new
    deadline."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, status, deadline FROM {Task._meta.db_table} WHERE id = ANY(%s) FOR SHARE",  # noqa: S608
                [list(task_ids)],
            )
            return {pk: (status, deadline) for pk, status, deadline in cursor.fetchall()}
    return {
        pk: (status, deadline)
        for pk, status, deadline in Task.objects.filter(pk__in=task_ids).values_list(
            "id", "status", "deadline"
        )
    }


def _open_occurrences(task_ids: set[int]) -> set[tuple[int, dt.date]]:
    """(task, due date) of the open occurrences of these standing tasks: a reminder about a
    standing task is still due while the occurrence it names is not completed. Read after the
    tasks' share lock, and not locked itself: the one write that completes an occurrence (a
    progress report) holds its task's row lock first (``tasks.services._lock``), so a report
    not yet committed holds the sender back until it is, and this read then sees the occurrence
    done (tests/notifications/test_standing_race.py)."""
    if not task_ids:
        return set()
    rows = (
        TaskOccurrence.objects.filter(task_id__in=task_ids)
        .exclude(status=OccurrenceStatus.COMPLETED)
        .values_list("task_id", "due_on")
    )
    return set(rows)


def _deliver(
    smtp,
    unit: list[Reminder],
    *,
    token: uuid.UUID,
    now: dt.datetime,
    tasks,
    result: SendResult,
    notices: dict | None = None,
    people: dict[int, tuple[str, bool, str]],
) -> str:
    with transaction.atomic():
        live = _lock_tasks_for_share({r.task_id for r in unit})
        standing = _open_occurrences(
            {r.task_id for r in unit if live.get(r.task_id, (None, None))[1] is None}
        )
        valid = []
        for reminder in unit:
            status, deadline = live.get(reminder.task_id, (None, None))
            if status not in REMINDED_STATUSES:
                _finish(
                    [reminder], token, ReminderStatus.CANCELLED, result, error="The task is no longer open."
                )
            elif deadline is None and (reminder.task_id, reminder.deadline) not in standing:
                _finish([reminder], token, ReminderStatus.CANCELLED, result, error="The occurrence is done.")
            elif deadline is not None and deadline != reminder.deadline:
                _finish([reminder], token, ReminderStatus.SUPERSEDED, result, error="The deadline has moved.")
            else:
                valid.append(reminder)
        if not valid:
            return _Outcome.OK
        to = _addressed(valid, people)
        if not to.emails:
            _finish(
                valid, token, ReminderStatus.NO_ADDRESS, result, error="The official has no email address."
            )
            return _Outcome.OK
        message = build_message(valid, tasks=tasks, now=now, to=to, notices=notices)
        try:
            refused = _send(smtp, message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _refused(valid, token, now, code, text, result)
        except smtplib.SMTPResponseException as exc:
            return _refused(valid, token, now, exc.smtp_code, exc.smtp_error, result)
        except (smtplib.SMTPException, OSError) as exc:
            _retry_later(valid, token=token, now=now, error=repr(exc), result=result)
            return _Outcome.BROKEN
        partly = _note_refused(valid, to, refused)
        sent = Reminder.objects.filter(id__in=[r.id for r in valid], claim_token=token).update(
            **partly,
            status=ReminderStatus.SENT,
            sent_at=timezone.now(),
            message_id=message.extra_headers["Message-ID"],
            attempts=F("attempts") + 1,
            error="",
            claim_token=None,
            claimed_until=None,
            updated_at=timezone.now(),
        )
        if sent != len(valid):
            logger.error("Reminders %s were sent after their lease ran out", [r.id for r in valid])
        result.messages += 1
        result.outcomes[ReminderStatus.SENT].extend(r.id for r in valid)
    return _Outcome.OK


def _send(smtp, message) -> dict[str, tuple[int, bytes]]:
    """Send one message; returns the addresses the SMTP server refused while it accepted others.

    Django's SMTP backend drops that answer of ``sendmail``, so over SMTP the message is sent
    here as that backend sends it; other backends (the console, files, tests' locmem) refuse
    nobody in part."""
    connection = getattr(smtp, "connection", None)
    if not isinstance(connection, smtplib.SMTP):
        smtp.send_messages([message])
        return {}
    encoding = message.encoding or settings.DEFAULT_CHARSET
    return connection.sendmail(
        sanitize_address(message.from_email, encoding),
        [sanitize_address(address, encoding) for address in message.recipients()],
        message.message().as_bytes(linesep="\r\n"),
    )


def _note_refused(valid: list[Reminder], to: Addressed, refused: dict) -> dict:
    """The people whose address the server refused, in a message it accepted for others, are
    named ``failed`` with its answer (the others got it: the message is sent, not retried)."""
    if not refused or len(valid) != 1:
        return {}
    encoding = settings.DEFAULT_CHARSET
    answers = {
        person: refused[sanitize_address(email, encoding)]
        for person, email in zip(to.ids, to.emails, strict=True)
        if sanitize_address(email, encoding) in refused
    }
    recipients = valid[0].recipients
    for entry in recipients:
        if entry["id"] in answers and entry.get("state") == RECIPIENT_TO:
            code, text = answers[entry["id"]]
            detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
            entry["state"], entry["error"] = str(ReminderStatus.FAILED), f"{code} {detail}"[:500]
    logger.warning("Message %s: the SMTP server refused %s", valid[0].pk, sorted(refused))
    return {"recipients": recipients}


def _refused(valid, token, now, code: int, text, result: SendResult) -> str:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    error = f"{code} {detail}"
    if 500 <= code < 600:
        _finish(valid, token, ReminderStatus.FAILED, result, error=error, attempted=True)
        return _Outcome.OK
    _retry_later(valid, token=token, now=now, error=error, result=result)
    # 421: the server is closing the connection.
    return _Outcome.BROKEN if code == 421 else _Outcome.OK


def _finish(
    reminders: list[Reminder], token, status: str, result: SendResult, *, error: str = "", attempted=False
) -> None:
    Reminder.objects.filter(id__in=[r.id for r in reminders], claim_token=token).update(
        status=status,
        error=error,
        attempts=F("attempts") + (1 if attempted else 0),
        claim_token=None,
        claimed_until=None,
        updated_at=timezone.now(),
    )
    result.outcomes[status].extend(r.id for r in reminders)


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff from the base delay, capped."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    cap = settings.NOTIFICATIONS_RETRY_MAX_SECONDS
    return dt.timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def _retry_later(
    reminders: list[Reminder], *, token, now: dt.datetime, error: str, result: SendResult
) -> None:
    """A transient failure: try again after a growing delay, or give up after the cap."""
    max_attempts = settings.NOTIFICATIONS_MAX_ATTEMPTS
    with transaction.atomic():
        for reminder in reminders:
            attempts = reminder.attempts + 1
            if attempts >= max_attempts:
                status, update = ReminderStatus.FAILED, {}
                error_text = f"Gave up after {attempts} attempts: {error}"
            else:
                status = ReminderStatus.PENDING
                update = {"next_attempt_at": now + retry_delay(attempts)}
                error_text = error
            Reminder.objects.filter(id=reminder.id, claim_token=token).update(
                status=status,
                attempts=attempts,
                error=error_text[:2000],
                claim_token=None,
                claimed_until=None,
                updated_at=timezone.now(),
                **update,
            )
            result.outcomes["retry" if status == ReminderStatus.PENDING else status].append(reminder.id)


def _release(reminders: list[Reminder], *, token, when: dt.datetime | None) -> None:
    """Give back claimed rows that were not tried (no attempt is counted)."""
    if not reminders:
        return
    update = {"next_attempt_at": when} if when else {}
    Reminder.objects.filter(id__in=[r.id for r in reminders], claim_token=token).update(
        status=ReminderStatus.PENDING,
        claim_token=None,
        claimed_until=None,
        updated_at=timezone.now(),
        **update,
    )


def reminders_requeue_failed(*, ids: list[int]) -> int:
    """Put failed reminders back in the queue (after the address was fixed, say), from zero
    attempts. Only failed rows move: a sent reminder is never sent again."""
    return Reminder.objects.filter(id__in=ids, status=ReminderStatus.FAILED).update(
        status=ReminderStatus.PENDING,
        next_attempt_at=timezone.now(),
        attempts=0,
        updated_at=timezone.now(),
    )


def reminders_claim(
    *, limit: int, now: dt.datetime | None = None, token: uuid.UUID | None = None
) -> list[int]:
    """Lease up to ``limit`` due reminders to a sender (see ``reminders_send_pending``)."""
    return _claim(now=now or timezone.now(), limit=limit, token=token or uuid.uuid4())
