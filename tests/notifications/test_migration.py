"""The data migration from one outbox row per person to one per message (0008): pending rows of
a rung and language become one message, history stays row by row, digest rows stay per person,
and sending afterwards reaches exactly those who were still due."""

import datetime as dt
from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from notifications.models import EscalationRule, NotificationPreference, Reminder
from notifications.services import reminders_send_pending
from tests.notifications.conftest import make_task

BEFORE = [("notifications", "0006_sweep_state_figures")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.usefixtures("postgres_tx", "ladder")
def test_per_person_rows_become_messages_and_the_history_stays(world):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("notifications")
    task = make_task(world, code="56/TB-VPCP/MIG", deadline=dt.date(2025, 5, 30))
    level2 = EscalationRule.objects.get(offset=1)
    level1 = EscalationRule.objects.get(offset=-1)
    world.monitor2.language = "vi"
    world.monitor2.save()
    NotificationPreference.objects.create(official=world.moj_focal, daily_digest=True)
    try:
        old = migrate(BEFORE)
        Old = old.get_model("notifications", "Reminder")
        now = timezone.now()

        def row(person, status, *, rule=level2, digest=False, **extra):
            return Old.objects.create(
                task_id=task.pk,
                rule_id=rule.pk,
                deadline=task.deadline,
                recipient_id=person.pk,
                period=0,
                level=rule.level,
                due_on=dt.date(2025, 6, 2),
                email=person.email,
                language=person.language,
                digest=digest,
                status=status,
                next_attempt_at=now - dt.timedelta(minutes=5),
                **extra,
            )

        sent = row(world.mps_focal, "sent", sent_at=now, message_id="<reminder.1@x>")
        row(world.mps_leader, "pending")
        row(world.monitor, "sending", claim_token="00000000-0000-0000-0000-000000000001", claimed_until=now)
        row(world.monitor2, "pending")
        row(world.moj_focal, "pending", digest=True)
        row(world.mps_focal, "skipped", rule=level1)
        assert Old.objects.count() == 6
    finally:
        migrate(latest)

    rows = {(r.rule_id, r.language, r.digest, r.part): r for r in Reminder.objects.filter(task=task)}
    # the sent row is history as it was; the two English pending people are one message
    assert rows[(level2.pk, "en", False, 0)].pk == sent.pk
    assert rows[(level2.pk, "en", False, 0)].status == "sent"
    merged = rows[(level2.pk, "en", False, 1)]
    assert merged.status == "pending" and merged.claim_token is None
    assert sorted(e["user"] for e in merged.addressees) == ["t.monitor", "t.mps.leader"]
    assert [e["user"] for e in rows[(level2.pk, "vi", False, 0)].addressees] == ["t.monitor2"]
    digest = next(r for r in rows.values() if r.digest)
    assert digest.recipient_id == world.moj_focal.pk and digest.addressees[0]["user"] == "t.moj.focal"
    assert rows[(level1.pk, "en", False, 0)].recipients[0]["state"] == "skipped"
    assert len(rows) == 5

    # and sending now reaches those still due, once each; the one already sent to gets nothing
    reminders_send_pending()
    received = Counter(address for m in mail.outbox for address in m.to)
    assert received == {
        world.mps_leader.email: 1,
        world.monitor.email: 1,
        world.monitor2.email: 1,
        world.moj_focal.email: 1,
    }
