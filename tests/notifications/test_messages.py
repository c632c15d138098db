"""One outbox row per message: an escalation is one email to several people, and each person
still gets each rung exactly once, whatever changes between sweeps and whatever crashes."""

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.core import mail

from agencies.choices import Role
from notifications.choices import ReminderStatus
from notifications.models import NotificationPreference, Reminder
from notifications.services import reminders_claim, reminders_send_pending, reminders_sweep
from tests.factories import OfficialFactory
from tests.notifications.conftest import at, make_task, usernames

D = dt.date
pytestmark = pytest.mark.usefixtures("postgres", "ladder")


def received() -> Counter:
    """How many emails each address got, digests included."""
    return Counter(address for message in mail.outbox for address in message.to)


@pytest.fixture
def overdue(world):
    """A task five working days overdue on 06/06/2025 (level 3: responsible official,
    supervisor and accountable leader, the monitor who entered it); the leader reads
    Vietnamese, the others English."""
    world.mps_leader.language = "vi"
    world.mps_leader.save()
    return make_task(world, code="56/TB-VPCP/M1", deadline=D(2025, 5, 30))


def test_a_rung_is_one_message_per_language_and_each_person_gets_it_once(world, overdue):
    # When the sweep writes the level-3 rung
    result = reminders_sweep(as_of=at("2025-06-06"))
    # Then it wrote two messages, not one row per person: English to two, Vietnamese to one
    rows = list(Reminder.objects.filter(task=overdue))
    assert sorted((row.language, len(row.addressees)) for row in rows) == [("en", 2), ("vi", 1)]
    assert result.counts == {ReminderStatus.PENDING: 2}
    assert usernames(rows) == {"t.mps.focal", "t.mps.leader", "t.monitor"}
    # and sending delivers each person one email, in their language
    reminders_send_pending(now=at("2025-06-06"))
    assert received() == {world.mps_focal.email: 1, world.monitor.email: 1, world.mps_leader.email: 1}
    english = next(m for m in mail.outbox if world.monitor.email in m.to)
    vietnamese = next(m for m in mail.outbox if world.mps_leader.email in m.to)
    assert sorted(english.to) == sorted([world.mps_focal.email, world.monitor.email])
    assert english.subject.startswith("[Five Clear] Escalation level 3")
    assert vietnamese.subject.startswith("[5 rõ]") and vietnamese.to == [world.mps_leader.email]
    # and sweeping and sending again the same day sends nobody anything more
    reminders_sweep(as_of=at("2025-06-06", 15))
    reminders_send_pending(now=at("2025-06-06", 15))
    assert len(mail.outbox) == 2


def test_language_and_digest_changed_between_two_sweeps_of_a_rung_double_nothing(world, overdue):
    # Given the rung written at 08:00
    reminders_sweep(as_of=at("2025-06-06"))
    before = list(Reminder.objects.values_list("id", "recipients"))
    # When, before the next sweep, the leader switches to English and the monitor to the digest
    world.mps_leader.language = "en"
    world.mps_leader.save()
    NotificationPreference.objects.create(official=world.monitor, daily_digest=True)
    reminders_sweep(as_of=at("2025-06-06", 9))
    # Then the rung's messages are as they were: a rung already written names nobody again
    assert list(Reminder.objects.values_list("id", "recipients")) == before
    reminders_send_pending(now=at("2025-06-06", 9))
    assert set(received().values()) == {1} and len(received()) == 3


def test_someone_the_rung_reaches_after_it_was_sent_gets_it_once_in_a_message_of_their_own(world, overdue):
    # Given the rung sent
    reminders_sweep(as_of=at("2025-06-06"))
    reminders_send_pending(now=at("2025-06-06"))
    mail.outbox.clear()
    # When MPS gets a second focal point, and the sweep runs again the same day, twice
    newcomer = OfficialFactory(username="t.mps.focal2", agency=world.mps, role=Role.FOCAL_POINT)
    reminders_sweep(as_of=at("2025-06-06", 10))
    reminders_sweep(as_of=at("2025-06-06", 11))
    reminders_send_pending(now=at("2025-06-06", 11))
    # Then only the newcomer gets it, once, as the rung's next part
    assert received() == {newcomer.email: 1}
    added = Reminder.objects.get(task=overdue, part=1)
    assert [entry["user"] for entry in added.recipients] == ["t.mps.focal2"]


def test_the_digest_is_one_row_per_person_and_one_email_a_day(world, overdue):
    NotificationPreference.objects.create(official=world.monitor, daily_digest=True)
    second = make_task(world, code="56/TB-VPCP/M2", deadline=D(2025, 5, 30))
    reminders_sweep(as_of=at("2025-06-06"))
    digest_rows = Reminder.objects.filter(digest=True)
    assert digest_rows.count() == 2 and set(digest_rows.values_list("recipient", flat=True)) == {
        world.monitor.pk
    }
    reminders_send_pending(now=at("2025-06-06"))
    # one digest to the monitor for both tasks; per task one English and one Vietnamese message
    assert received() == {world.monitor.email: 1, world.mps_focal.email: 2, world.mps_leader.email: 2}
    digest = next(m for m in mail.outbox if m.to == [world.monitor.email])
    assert overdue.code in digest.body and second.code in digest.body


def test_a_sender_that_dies_after_claiming_loses_nothing_and_doubles_nothing(world, overdue, settings):
    # Given the rung swept and claimed by a sender that then died before sending anything
    reminders_sweep(as_of=at("2025-06-06"))
    claimed = reminders_claim(limit=10, now=at("2025-06-06"))
    assert len(claimed) == 2 and Reminder.objects.filter(status=ReminderStatus.SENDING).count() == 2
    # When another sender runs while the lease holds, it sends nothing
    assert reminders_send_pending(now=at("2025-06-06")).messages == 0
    # and once the lease has run out, it sends both messages, once
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1)):
        assert reminders_send_pending(now=at("2025-06-06")).messages == 2
        assert reminders_send_pending(now=at("2025-06-06")).messages == 0
    assert set(received().values()) == {1} and len(received()) == 3
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert sorted(ids) == sorted(Reminder.objects.values_list("message_id", flat=True))


def test_an_extension_starts_a_fresh_ladder_of_messages(world, overdue):
    from tasks.services import extension_request_create, extension_request_decide

    reminders_sweep(as_of=at("2025-06-06"))
    reminders_send_pending(now=at("2025-06-06"))
    request = extension_request_create(
        actor=world.mps_focal, task=overdue, proposed_deadline=D(2025, 6, 30), reason="The session moved."
    )
    extension_request_decide(actor=world.monitor, extension=request, approve=True)
    mail.outbox.clear()
    # the new deadline's first rung (10 working days before) is a new message to the official
    reminders_sweep(as_of=at("2025-06-16"))
    reminders_send_pending(now=at("2025-06-16"))
    assert received() == {world.mps_focal.email: 1}
    assert Reminder.objects.filter(task=overdue, deadline=D(2025, 6, 30)).count() == 1


@pytest.mark.smtp
def test_an_address_refused_in_a_message_accepted_for_the_others_is_named_failed(world, overdue, smtp_server):
    # Given a mail server that does not know the monitor's address
    smtp_server.handler.reject.add(world.monitor.email)
    reminders_sweep(as_of=at("2025-06-06"))
    # When the English message to the focal point and the monitor is sent
    reminders_send_pending(now=at("2025-06-06"))
    # Then it went out once (to the focal point), and the monitor is named failed with the answer
    english = Reminder.objects.get(task=overdue, language="en")
    assert english.status == ReminderStatus.SENT
    states = {entry["user"]: (entry["state"], entry.get("error", "")[:3]) for entry in english.recipients}
    assert states == {"t.mps.focal": ("to", ""), "t.monitor": ("failed", "550")}
    assert len(smtp_server.handler.messages) == 2  # the English message and the Vietnamese one
    # and a later send does not try again
    reminders_send_pending(now=at("2025-06-06", 9))
    assert len(smtp_server.handler.messages) == 2


def test_the_admin_lists_messages_with_their_people_and_finds_them_by_address(world, overdue, client):
    from agencies.choices import Role as Roles
    from agencies.models import Official

    reminders_sweep(as_of=at("2025-06-06"))
    admin = Official.objects.create_superuser(
        "t.admin", "admin@example.gov.vn", "x-Pass-12345", role=Roles.ADMIN
    )
    client.force_login(admin)
    page = client.get("/admin/notifications/reminder/").content.decode()
    assert world.monitor.email in page and world.mps_leader.email in page
    found = client.get("/admin/notifications/reminder/", {"q": world.monitor.email}).content.decode()
    assert world.monitor.email in found and world.mps_leader.email not in found
    message = Reminder.objects.get(task=overdue, language="en")
    assert client.get(f"/admin/notifications/reminder/{message.pk}/change/").status_code == 200
