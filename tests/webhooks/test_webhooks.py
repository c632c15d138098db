"""Webhooks against a real HTTP receiver on loopback: signed, in order per task, never doubled,
never another agency's task, and a receiver that fails, hangs or is down for a day."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections import Counter

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.choices import Role
from tasks import services as task_services
from tests.factories import OfficialFactory, complete_task_fields
from tests.notifications.conftest import free_port, wait_for
from webhooks import services
from webhooks.choices import DeliveryStatus, WebhookEvent
from webhooks.jobs import dispatch_webhooks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.postgres


class Receiver:
    """A webhook receiver: checks each signature with its secret, answers as told, and keeps
    what it accepted (an idempotency key once, as a real receiver would de-duplicate)."""

    def __init__(self, *, fail_first: int = 0, hang_seconds: float = 0.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/fiveclear"
        self.secrets: list[str] = []
        self.fail_first = fail_first
        self.hang_seconds = hang_seconds
        self.requests: list[dict] = []
        self.accepted: list[dict] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.server: http.server.ThreadingHTTPServer | None = None

    def verify(self, headers, body: bytes) -> list[str]:
        """The secrets whose signature is in the header (within five minutes of its time)."""
        parts = [p.split("=", 1) for p in headers["X-FiveClear-Signature"].split(",")]
        timestamp = int(next(v for k, v in parts if k == "t"))
        given = {v for k, v in parts if k == "v1"}
        signed = str(timestamp).encode() + b"." + body
        return [s for s in self.secrets if hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() in given]

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests.append({"at": time.monotonic(), "headers": dict(self.headers)})
                    failing = len(receiver.requests) <= receiver.fail_first
                if receiver.hang_seconds:
                    time.sleep(receiver.hang_seconds)
                if failing:
                    self.send_response(500)
                    self.end_headers()
                    return
                verified = receiver.verify(self.headers, body)
                with receiver.lock:
                    if not verified:
                        receiver.bad_signatures += 1
                    else:
                        payload = json.loads(body)
                        payload["_verified_with"] = verified
                        payload["_at"] = time.monotonic()
                        receiver.accepted.append(payload)
                self.send_response(200 if verified else 401)
                self.end_headers()

            def log_message(self, *args):
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def keys(self) -> Counter:
        return Counter(p["idempotency_key"] for p in self.accepted)


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**options) -> Receiver:
        receiver = Receiver(**options)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.stop()


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 0
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2
    settings.WEBHOOKS_COMMIT_LAG_SECONDS = 0


def subscribe(actor, receiver: Receiver, events=None):
    subscription, secret = services.subscription_create(
        actor=actor, url=receiver.url, events=events or WebhookEvent.values
    )
    receiver.secrets.append(secret)
    return subscription


def assigned_task(world, agency=None, **overrides):
    agency = agency or world.mps
    people = {
        world.mps.pk: (world.mps_focal, world.mps_leader),
        world.mic.pk: (world.mic_focal, world.mic_leader),
    }
    if agency.pk in people:
        responsible, leader = people[agency.pk]
    else:
        responsible = leader = OfficialFactory(agency=agency, role=Role.LEADER)
    task = task_services.task_create(
        actor=world.monitor,
        directive=world.directive,
        **complete_task_fields(
            world,
            lead_agency=agency,
            responsible_official=responsible,
            accountable_leader=leader,
            **overrides,
        ),
    )
    return task_services.task_assign(actor=world.monitor, task=task)


def test_a_delivery_is_signed_and_carries_the_task_as_the_api_shows_it(world, receivers, fast_retries):
    receiver = receivers().start()
    subscribe(world.monitor, receiver)
    task = assigned_task(world)

    dispatched = services.webhooks_dispatch()
    sent = services.webhooks_send_due(time_budget=10)

    assert dispatched.created == 2 and sent.delivered == 2
    assert [p["event"] for p in receiver.accepted] == ["task.created", "task.assigned"]
    assert receiver.bad_signatures == 0
    last = receiver.accepted[-1]
    assert last["_verified_with"] == receiver.secrets
    client = APIClient()
    client.force_authenticate(world.monitor)
    api = client.get(f"/api/v1/tasks/{task.pk}/").json()
    api.pop("allowed_actions", None)  # the caller's own buttons, not part of the task
    assert last["task"] == api
    headers = receiver.requests[-1]["headers"]
    assert headers["X-FiveClear-Event"] == "task.assigned"
    assert headers["Idempotency-Key"] == last["idempotency_key"]
    delivery = WebhookDelivery.objects.get(idempotency_key=last["idempotency_key"])
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )


def test_dispatching_twice_writes_each_delivery_once(world, receivers, fast_retries):
    receiver = receivers()
    subscribe(world.monitor, receiver)
    assigned_task(world)
    first = services.webhooks_dispatch()
    again = services.webhooks_dispatch()
    assert (first.created, again.created) == (2, 0)
    assert WebhookDelivery.objects.count() == 2


def test_a_subscription_never_sees_another_agencys_task(world, receivers, fast_retries):
    theirs, everything = receivers().start(), receivers().start()
    subscribe(world.mps_leader, theirs)
    subscribe(world.monitor, everything)
    mps_task = assigned_task(world)
    moj_task = assigned_task(world, agency=world.moj)

    services.webhooks_dispatch()
    services.webhooks_send_due(time_budget=10)

    assert {p["task"]["id"] for p in theirs.accepted} == {mps_task.pk}
    assert {p["task"]["id"] for p in everything.accepted} == {mps_task.pk, moj_task.pk}
    assert not WebhookDelivery.objects.filter(subscription__owner=world.mps_leader, task=moj_task).exists()


def test_only_monitors_and_agency_leaders_subscribe(world, receivers):
    client = APIClient()
    client.force_authenticate(world.mps_focal)
    body = {"url": "http://127.0.0.1:9/hook", "events": ["task.assigned"]}
    assert client.post("/api/v1/webhooks/", body, format="json").status_code == 403
    client.force_authenticate(world.monitor)
    created = client.post("/api/v1/webhooks/", body, format="json")
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    shown = client.get(f"/api/v1/webhooks/{created.json()['id']}/").json()
    assert "secret" not in shown
    bad = client.post("/api/v1/webhooks/", {"url": "ftp://x", "events": ["task.nope"]}, format="json")
    assert bad.status_code == 400 and set(bad.json()) >= {"events"}


def test_a_receiver_that_fails_then_recovers_gets_every_event_once_in_order(world, receivers, fast_retries):
    receiver = receivers(fail_first=3).start()
    subscribe(world.monitor, receiver)
    task = assigned_task(world)
    task_services.task_start(actor=world.mps_focal, task=task)

    services.webhooks_dispatch()
    services.webhooks_send_due(time_budget=15)

    assert [p["event"] for p in receiver.accepted] == ["task.created", "task.assigned", "task.started"]
    assert set(receiver.keys().values()) == {1}
    first = WebhookDelivery.objects.get(event="task.created")
    assert first.attempts == 4 and first.status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 3 + 3


def test_a_receiver_down_for_a_day_gets_everything_when_it_returns_in_order_per_task(
    world, receivers, settings
):
    settings.WEBHOOKS_COMMIT_LAG_SECONDS = 0
    receiver = receivers()  # not listening: every attempt is refused
    subscribe(world.monitor, receiver)
    tasks = [assigned_task(world, title=f"Complete the draft law {n}") for n in range(3)]
    for task in tasks:
        task_services.task_start(actor=world.mps_focal, task=task)
    services.webhooks_dispatch()
    start = timezone.now()
    for hour in range(0, 26):
        with time_machine.travel(start + dt.timedelta(hours=hour, minutes=1), tick=True):
            services.webhooks_send_due(time_budget=5)
    assert not receiver.accepted
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count() == 0

    receiver.start()
    with time_machine.travel(start + dt.timedelta(hours=27), tick=True):
        for _ in range(6):
            services.webhooks_send_due(time_budget=5)

    assert set(receiver.keys().values()) == {1} and len(receiver.accepted) == 9
    for task in tasks:
        events = [p["event"] for p in receiver.accepted if p["task"]["id"] == task.pk]
        assert events == ["task.created", "task.assigned", "task.started"]


def test_a_receiver_that_hangs_does_not_hold_up_the_others(world, receivers, fast_retries):
    slow = receivers(hang_seconds=4).start()
    quick = receivers().start()
    subscribe(world.monitor, slow)
    subscribe(world.monitor, quick)
    assigned_task(world)
    services.webhooks_dispatch()

    started = time.monotonic()
    services.webhooks_send_due(time_budget=3)

    assert [p["event"] for p in quick.accepted] == ["task.created", "task.assigned"]
    assert all(p["_at"] - started < 1.5 for p in quick.accepted), [p["_at"] - started for p in quick.accepted]
    stuck = WebhookDelivery.objects.get(subscription__url=slow.url, event="task.created")
    assert stuck.status == DeliveryStatus.PENDING and "Timeout" in stuck.last_error
    assert not WebhookDelivery.objects.filter(
        subscription__url=slow.url, event="task.assigned", attempts__gt=0
    )


def test_a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends(world, receivers, fast_retries):
    receiver = receivers().start()
    subscription = subscribe(world.monitor, receiver, events=[WebhookEvent.ASSIGNED, WebhookEvent.STARTED])
    old = receiver.secrets[0]
    new = services.subscription_rotate_secret(actor=world.monitor, subscription=subscription)
    receiver.secrets.append(new)
    task = assigned_task(world)
    services.webhooks_dispatch()
    services.webhooks_send_due(time_budget=5)
    assert receiver.accepted[-1]["_verified_with"] == [old, new]

    with time_machine.travel(timezone.now() + dt.timedelta(hours=25), tick=True):
        task_services.task_start(actor=world.mps_focal, task=task)
        services.webhooks_dispatch()
        services.webhooks_send_due(time_budget=5)
    assert receiver.accepted[-1]["event"] == "task.started"
    assert receiver.accepted[-1]["_verified_with"] == [new]


def test_send_again_resends_the_same_body_and_key(world, receivers, fast_retries):
    receiver = receivers().start()
    subscription = subscribe(world.monitor, receiver, events=[WebhookEvent.ASSIGNED])
    assigned_task(world)
    services.webhooks_dispatch()
    services.webhooks_send_due(time_budget=5)
    delivery = WebhookDelivery.objects.get(subscription=subscription)

    client = APIClient()
    client.force_authenticate(world.monitor)
    answer = client.post(f"/api/v1/webhooks/{subscription.pk}/deliveries/{delivery.pk}/redeliver/")
    assert answer.status_code == 202
    services.webhooks_send_due(time_budget=5)

    assert receiver.keys() == Counter({str(delivery.idempotency_key): 2})
    assert receiver.accepted[0]["task"] == receiver.accepted[1]["task"]
    log = client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/").json()["results"]
    assert log[0]["attempts"] == 2 and log[0]["status"] == "delivered"


@pytest.mark.celery
def test_the_worker_dispatches_and_sends_after_commit(start_worker, world, receivers, settings):
    """The real path: committed changes, the dispatch job on a Celery worker, which enqueues
    the sender; two senders at once still deliver each event once."""
    receiver = receivers().start()
    subscribe(world.monitor, receiver)
    start_worker(WEBHOOKS_COMMIT_LAG_SECONDS="0")
    tasks = [assigned_task(world, title=f"Complete the draft law {n}") for n in range(5)]
    assert connection.in_atomic_block is False

    dispatch_webhooks.delay()
    dispatch_webhooks.delay()
    wait_for(lambda: len(receiver.accepted) >= 10, timeout=60, what="ten deliveries")
    time.sleep(1)

    assert len(receiver.accepted) == 10 and set(receiver.keys().values()) == {1}
    assert {p["task"]["id"] for p in receiver.accepted} == {t.pk for t in tasks}
