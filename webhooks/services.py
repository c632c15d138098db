"""Subscriptions, the dispatcher that turns history into deliveries, and the sender.

- The services write every change of a task with its history entry in one transaction; the
  dispatcher reads the history after it (``webhooks_dispatch``), so nothing a request does is
  ever sent from the request, and an entry that committed is never missed.
- A delivery is a row before it is a request: unique per (subscription, history entry), so a
  dispatcher that runs twice writes nothing twice; claimed with ``SKIP LOCKED`` and a lease, so
  two senders never send one row at once; retried with backoff up to a cap.
- Per receiver and task the deliveries go in the order of the history: a later one waits while
  an earlier one is not delivered (or given up). Receivers are called in parallel threads, so a
  receiver that hangs holds up only its own deliveries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import requests
from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import Role
from agencies.models import Official
from common.api.renderers import ORJSONRenderer
from tasks.api.serializers import task_data
from tasks.api.views import coordinating, task_rows
from tasks.models import Task, TaskEvent
from tasks.permissions import is_monitor, visible_tasks_q
from webhooks.choices import OPEN_DELIVERY_STATUSES, DeliveryStatus, WebhookEvent
from webhooks.models import WebhookCursor, WebhookDelivery, WebhookSubscription

SIGNATURE_HEADER = "X-FiveClear-Signature"
_RENDERER = ORJSONRenderer()

#: The webhook events a history entry is, by its action (an entry may be two: an approved
#: extension is a decision and a moved deadline). A subscription gets the first it wants.
EVENTS_OF_ACTION: dict[str, tuple[str, ...]] = {
    "created": (WebhookEvent.CREATED,),
    "assigned": (WebhookEvent.ASSIGNED,),
    "started": (WebhookEvent.STARTED,),
    "progress_reported": (WebhookEvent.PROGRESS_REPORTED,),
    "contribution_reported": (WebhookEvent.PROGRESS_REPORTED,),
    "submitted": (WebhookEvent.SUBMITTED,),
    "confirmed": (WebhookEvent.CONFIRMED,),
    "returned": (WebhookEvent.RETURNED,),
    "cancelled": (WebhookEvent.CANCELLED,),
    "extension_requested": (WebhookEvent.EXTENSION_REQUESTED,),
    "extension_approved": (WebhookEvent.EXTENSION_DECIDED, WebhookEvent.DEADLINE_MOVED),
    "extension_rejected": (WebhookEvent.EXTENSION_DECIDED,),
    "transferred": (WebhookEvent.TRANSFERRED,),
}


def events_of_entry(action: str, changes: dict) -> tuple[str, ...]:
    if action == "updated":
        if "deadline" in (changes or {}):
            return (WebhookEvent.DEADLINE_MOVED, WebhookEvent.UPDATED)
        return (WebhookEvent.UPDATED,)
    return EVENTS_OF_ACTION.get(action, ())


# --- subscriptions ----------------------------------------------------------------------------


def may_subscribe(user: Official) -> bool:
    """Monitors and administrators (every task) and an agency's leader, who administers the
    agency's integrations (the tasks the agency may see)."""
    return bool(user and user.is_authenticated and (is_monitor(user) or user.role == Role.LEADER))


def _require_subscriber(actor: Official) -> None:
    if not may_subscribe(actor):
        raise PermissionDenied(_("Only monitors and agency leaders may manage webhooks."))


def _require_owner(actor: Official, subscription: WebhookSubscription) -> None:
    _require_subscriber(actor)
    if subscription.owner_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("This webhook belongs to someone else."))


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in WebhookEvent.values]
    if unknown or not chosen:
        raise ValidationError(
            {"events": [_("Choose events among: %(known)s.") % {"known": ", ".join(WebhookEvent.values)}]}
        )
    return chosen


def _clean_url(url: str) -> str:
    if not url.lower().startswith(("https://", "http://")) or len(url) > 500:
        raise ValidationError({"url": [_("Enter an http:// or https:// address of at most 500 characters.")]})
    return url


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def subscription_create(
    *, actor: Official, url: str, events: Iterable[str], description: str = ""
) -> tuple[WebhookSubscription, str]:
    """Returns the subscription and its secret, which is shown this once."""
    _require_subscriber(actor)
    secret = _new_secret()
    subscription = WebhookSubscription.objects.create(
        owner=actor, url=_clean_url(url), events=_clean_events(events), description=description, secret=secret
    )
    return subscription, secret


def subscription_update(
    *,
    actor: Official,
    subscription: WebhookSubscription,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    _require_owner(actor, subscription)
    if url is not None:
        subscription.url = _clean_url(url)
    if events is not None:
        subscription.events = _clean_events(events)
    if description is not None:
        subscription.description = description
    if is_active is not None:
        subscription.is_active = is_active
    subscription.save()
    return subscription


def subscription_rotate_secret(*, actor: Official, subscription: WebhookSubscription) -> str:
    """A new secret, shown once; the previous one keeps signing (a second signature) for
    ``WEBHOOKS_SECRET_OVERLAP_HOURS``, so the receiver can switch without losing a delivery."""
    _require_owner(actor, subscription)
    secret = _new_secret()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        subscription.previous_secret = subscription.secret
        subscription.previous_secret_expires_at = timezone.now() + dt.timedelta(
            hours=settings.WEBHOOKS_SECRET_OVERLAP_HOURS
        )
        subscription.secret = secret
        subscription.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return secret


def subscription_delete(*, actor: Official, subscription: WebhookSubscription) -> None:
    _require_owner(actor, subscription)
    subscription.delete()


def delivery_redeliver(*, actor: Official, delivery: WebhookDelivery) -> WebhookDelivery:
    """'Send again': the same body and idempotency key, as soon as a sender runs."""
    _require_owner(actor, delivery.subscription)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == DeliveryStatus.SENDING:
            raise ValidationError(_("This delivery is being sent right now."))
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
    transaction.on_commit(_enqueue_send)
    return delivery


#: The sender job's name (webhooks/jobs.py), looked up in Celery's registry so that the
#: services need not import the jobs that call them.
SEND_JOB = "webhooks.send"


def _enqueue_send() -> None:
    current_app.tasks[SEND_JOB].delay()


# --- dispatch: history entries -> deliveries ----------------------------------------------------


@dataclass
class DispatchResult:
    entries: int = 0
    new_entries: int = 0
    created: int = 0
    through_id: int = 0


def _task_payloads(task_ids: set[int]) -> dict[int, dict]:
    """The tasks as the API shows them, read once for every subscription of the run."""
    if not task_ids:
        return {}
    rows = list(task_rows(Task.objects.filter(pk__in=task_ids), timezone.localdate()))
    return {row["id"]: task_data(row) for row in coordinating(rows)}


#: New history entries read per dispatch run (the job runs again while a run reads this many).
DISPATCH_LIMIT = 5000
_ENTRY_FIELDS = ("pk", "task_id", "action", "changes", "at", "note", "actor__username")


def webhooks_dispatch(*, now: dt.datetime | None = None, limit: int = DISPATCH_LIMIT) -> DispatchResult:
    """Write a delivery for each new history entry and each active subscription that wants its
    event and whose owner may see the task.

    Ids are taken at insert, not at commit, so an entry can become visible after a later one
    was read. Entries of the last ``WEBHOOKS_COMMIT_LAG_SECONDS`` are therefore read again on
    every run (their deliveries are written once: the unique key), and the cursor moves past an
    entry only when it is older than that, which no transaction here lasts.
    """
    now = now or timezone.now()
    result = DispatchResult()
    with transaction.atomic():
        cursor, _created = WebhookCursor.objects.get_or_create(key="default")
        cursor = WebhookCursor.objects.select_for_update().get(pk=cursor.pk)
        history = TaskEvent.objects.order_by("pk").values(*_ENTRY_FIELDS)
        recent = list(history.filter(pk__gt=cursor.through_id, pk__lte=cursor.read_id))
        new = list(history.filter(pk__gt=max(cursor.read_id, cursor.through_id))[:limit])
        entries = recent + new
        result.entries, result.new_entries = len(entries), len(new)
        subscriptions = list(WebhookSubscription.objects.filter(is_active=True).select_related("owner"))
        wanted = []
        for subscription in subscriptions:
            chosen = set(subscription.events)
            for entry in entries:
                if entry["at"] < subscription.created_at:
                    continue  # a subscription hears of changes from its creation on
                event = next(
                    (e for e in events_of_entry(entry["action"], entry["changes"]) if e in chosen), None
                )
                if event:
                    wanted.append((subscription, entry, event))
        if wanted:
            result.created = _write_deliveries(wanted, now)
        settled = now - dt.timedelta(seconds=settings.WEBHOOKS_COMMIT_LAG_SECONDS)
        through = cursor.through_id
        for entry in entries:
            if entry["at"] > settled:
                break
            through = entry["pk"]
        cursor.through_id = through
        cursor.read_id = max(cursor.read_id, new[-1]["pk"] if new else 0, through)
        cursor.save(update_fields=["through_id", "read_id"])
        result.through_id = through
    if result.created:
        transaction.on_commit(_enqueue_send)
    return result


def _write_deliveries(wanted: list[tuple[WebhookSubscription, dict, str]], now: dt.datetime) -> int:
    mine = WebhookDelivery.objects.filter(history_entry_id__in={e["pk"] for _s, e, _v in wanted})
    done = set(mine.values_list("subscription_id", "history_entry_id"))
    wanted = [(s, e, v) for s, e, v in wanted if (s.pk, e["pk"]) not in done]
    if not wanted:
        return 0
    visible: dict[int, set[int]] = {}
    for subscription in {s for s, _e, _v in wanted}:
        task_ids = {e["task_id"] for s, e, _v in wanted if s is subscription}
        q = visible_tasks_q(subscription.owner)
        tasks = Task.objects.filter(pk__in=task_ids)
        visible[subscription.pk] = set((tasks if q is None else tasks.filter(q)).values_list("pk", flat=True))
    wanted = [(s, e, v) for s, e, v in wanted if e["task_id"] in visible[s.pk]]
    payloads = _task_payloads({e["task_id"] for _s, e, _v in wanted})
    rows = []
    for subscription, entry, event in wanted:
        body = {
            "event": event,
            "history_entry": entry["pk"],
            "occurred_at": entry["at"],
            "actor": entry["actor__username"],
            "changes": entry["changes"],
            "note": entry["note"],
            "task": payloads[entry["task_id"]],
        }
        rows.append(
            WebhookDelivery(
                subscription=subscription,
                history_entry_id=entry["pk"],
                task_id=entry["task_id"],
                event=event,
                # as the API renders it (the same dates, decimals and text), kept as JSON
                payload=json.loads(_RENDERER.render(body)),
                next_attempt_at=now,
            )
        )
    before = mine.count()
    # two runs at once write each delivery once: the unique key
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return mine.count() - before


# --- sending ---------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over ``<timestamp>.<body>``, hex: what the receiver recomputes."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(subscription: WebhookSubscription, timestamp: int, body: bytes, now: dt.datetime) -> str:
    parts = [f"t={timestamp}", f"v1={sign(subscription.secret, timestamp, body)}"]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires and expires > now:
        parts.append(f"v1={sign(subscription.previous_secret, timestamp, body)}")
    return ",".join(parts)


@dataclass
class Outcome:
    delivery_id: int
    status_code: int | None
    error: str
    duration_ms: int


@dataclass
class SendResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


def _claim(limit: int) -> list[WebhookDelivery]:
    now = timezone.now()
    earlier_open = WebhookDelivery.objects.filter(
        subscription_id=OuterRef("subscription_id"),
        task_id=OuterRef("task_id"),
        history_entry_id__lt=OuterRef("history_entry_id"),
        status__in=OPEN_DELIVERY_STATUSES,
    )
    with transaction.atomic():
        claimed = list(
            WebhookDelivery.objects.filter(
                Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now)
            )
            .filter(~Exists(earlier_open))
            .select_related("subscription")
            .order_by("history_entry_id")
            .select_for_update(skip_locked=True, of=("self",))[:limit]
        )
        if claimed:
            WebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
                status=DeliveryStatus.SENDING,
                claimed_until=now + dt.timedelta(seconds=settings.WEBHOOKS_CLAIM_LEASE_SECONDS),
            )
    return claimed


def _post(delivery: WebhookDelivery) -> Outcome:
    """One HTTP request, in a worker thread: no database here."""
    body = json.dumps(
        {**delivery.payload, "idempotency_key": str(delivery.idempotency_key)},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "FiveClear-Webhooks/1",
        "X-FiveClear-Event": delivery.event,
        "X-FiveClear-Delivery": str(delivery.idempotency_key),
        "Idempotency-Key": str(delivery.idempotency_key),
        "X-FiveClear-Timestamp": str(timestamp),
        SIGNATURE_HEADER: signature_header(delivery.subscription, timestamp, body, timezone.now()),
    }
    started = time.monotonic()
    try:
        response = requests.post(
            delivery.subscription.url,
            data=body,
            headers=headers,
            timeout=(3.0, settings.WEBHOOKS_TIMEOUT_SECONDS),
            allow_redirects=False,
        )
        code, error = response.status_code, "" if 200 <= response.status_code < 300 else response.reason
    except requests.RequestException as exc:
        code, error = None, f"{type(exc).__name__}: {exc}"[:300]
    return Outcome(delivery.pk, code, error, int((time.monotonic() - started) * 1000))


def _record(outcome: Outcome, result: SendResult) -> None:
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=outcome.delivery_id)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = outcome.status_code
        delivery.last_duration_ms = outcome.duration_ms
        delivery.last_error = outcome.error
        delivery.claimed_until = None
        if outcome.status_code is not None and 200 <= outcome.status_code < 300:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            result.delivered += 1
        elif delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS or now - delivery.created_at > dt.timedelta(
            hours=settings.WEBHOOKS_GIVE_UP_AFTER_HOURS
        ):
            delivery.status = DeliveryStatus.FAILED
            result.failed += 1
        else:
            delay = min(
                settings.WEBHOOKS_RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1),
                settings.WEBHOOKS_RETRY_MAX_SECONDS,
            )
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
            result.retried += 1
        delivery.save()
    result.outcomes.append(outcome)


def webhooks_send_due(*, time_budget: float | None = None, batch_size: int = 50) -> SendResult:
    """Send what is due until nothing is, or the time budget is spent. Each claimed delivery
    is posted from a thread of its own; results are written as they come, so a receiver that
    answers releases its next delivery at once while another one hangs."""
    budget = settings.WEBHOOKS_SEND_TIME_BUDGET if time_budget is None else time_budget
    deadline = time.monotonic() + budget
    result = SendResult()
    in_flight: dict[Future, int] = {}
    with ThreadPoolExecutor(max_workers=settings.WEBHOOKS_PARALLEL) as pool:
        while True:
            room = settings.WEBHOOKS_PARALLEL - len(in_flight)
            claimed = _claim(min(room, batch_size)) if room > 0 and time.monotonic() < deadline else []
            for delivery in claimed:
                in_flight[pool.submit(_post, delivery)] = delivery.pk
            if not in_flight:
                break
            done, _pending = wait(list(in_flight), timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                in_flight.pop(future)
                _record(future.result(), result)
    return result
