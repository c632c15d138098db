"""The sweep and the sender on PostgreSQL: the ladder, catch-up, extension, closing, digests,
missing addresses, and what the emails say."""

import datetime as dt
import email
import email.policy

import pytest
import time_machine
from django.core import mail

from notifications.choices import ReminderStatus
from notifications.models import NotificationPreference, Reminder
from notifications.services import reminders_send_pending, reminders_sweep
from tasks.services import extension_request_create, extension_request_decide, task_confirm, task_submit
from tasks.web.panels import task_panels_render
from tests.notifications.conftest import at, make_task, naming, sweep_days, usernames

D = dt.date
pytestmark = pytest.mark.usefixtures("postgres", "ladder")


def due_days(task, person, **filters):
    return sorted(
        Reminder.objects.filter(task=task, **naming(person), **filters).values_list("due_on", flat=True)
    )


def test_ladder_around_tet_2025(world, early_directive):
    # Given a task due Wednesday 05/02/2025, just after Tết, and one due Friday 24/01, just before
    after_tet = make_task(world, code="9/TB-VPCP/1", deadline=D(2025, 2, 5), directive=early_directive)
    before_tet = make_task(world, code="9/TB-VPCP/2", deadline=D(2025, 1, 24), directive=early_directive)
    # When the sweep runs every day from early January to the end of February
    sweep_days(D(2025, 1, 2), D(2025, 2, 28))
    # Then the responsible official is reminded 10, 5 and 1 working days before and on the day,
    # with Tết (27/01 to 31/01) and its weekends skipped
    assert due_days(after_tet, world.mps_focal, level=1) == [
        D(2025, 1, 15),
        D(2025, 1, 22),
        D(2025, 2, 4),
        D(2025, 2, 5),
    ]
    # and for the deadline before Tết, one working day after is Monday 03/02 (level 2),
    # five is Friday 07/02 (level 3), then weekly while overdue
    assert due_days(before_tet, world.mps_leader, level=2) == [D(2025, 2, 3)]
    assert due_days(before_tet, world.monitor, level=3) == [
        D(2025, 2, 7),
        D(2025, 2, 14),
        D(2025, 2, 21),
        D(2025, 2, 28),
    ]
    # nothing falls on a day off
    assert not Reminder.objects.filter(due_on__range=(D(2025, 1, 25), D(2025, 2, 2))).exists()
    assert not Reminder.objects.filter(due_on__week_day__in=(1, 7)).exists()


def test_weekend_deadline_gets_one_reminder_on_friday(world):
    task = make_task(world, code="56/TB-VPCP/W", deadline=D(2025, 5, 31))  # a Saturday
    sweep_days(D(2025, 5, 28), D(2025, 5, 30))
    # -1 and "on the day" both fall on Friday 30/05: the later rung is sent, the other skipped
    rows = Reminder.objects.filter(task=task, **naming(world.mps_focal), due_on=D(2025, 5, 30))
    assert sorted(rows.values_list("rule__offset", "status")) == [
        (-1, ReminderStatus.SKIPPED),
        (0, ReminderStatus.PENDING),
    ]
    assert not Reminder.objects.filter(due_on__in=(D(2025, 5, 31), D(2025, 6, 1))).exists()
    sweep_days(D(2025, 5, 31), D(2025, 6, 3))
    assert due_days(task, world.mps_leader, level=2) == [D(2025, 6, 2)]


def test_second_sweep_at_the_same_instant_writes_nothing(world):
    make_task(world, code="56/TB-VPCP/S", deadline=D(2025, 5, 30))
    first = reminders_sweep(as_of=at("2025-05-23"))
    count = Reminder.objects.count()
    second = reminders_sweep(as_of=at("2025-05-23"))
    assert first.pending == 1 and count == 1
    assert second.counts == {} and Reminder.objects.count() == 1


def test_before_the_send_time_nothing_is_due_yet(world):
    make_task(world, code="56/TB-VPCP/E", deadline=D(2025, 5, 30))
    reminders_sweep(as_of=at("2025-05-23", 7, 59))
    assert not Reminder.objects.exists()
    reminders_sweep(as_of=at("2025-05-23", 8, 0))
    assert Reminder.objects.count() == 1


def test_late_sweep_sends_only_the_latest_rung(world, early_directive):
    task = make_task(world, code="9/TB-VPCP/L", deadline=D(2025, 2, 5), directive=early_directive)
    # Given a sweep on 14/01, then the beat down until Tuesday 04/02
    reminders_sweep(as_of=at("2025-01-14"))
    result = reminders_sweep(as_of=at("2025-02-04"))
    # Then the window covered every day missed, the rungs of 15/01 and 22/01 are recorded as
    # skipped, and only the rung of 04/02 is to send
    assert (result.start, result.end) == (D(2025, 1, 15), D(2025, 2, 4))
    assert dict(Reminder.objects.filter(task=task).values_list("due_on", "status")) == {
        D(2025, 1, 15): ReminderStatus.SKIPPED,
        D(2025, 1, 22): ReminderStatus.SKIPPED,
        D(2025, 2, 4): ReminderStatus.PENDING,
    }
    sent = reminders_send_pending(now=at("2025-02-04"))
    assert sent.messages == 1 and len(mail.outbox) == 1
    assert "1 day left" in mail.outbox[0].subject


def test_pending_reminder_overtaken_by_a_later_rung_is_skipped(world):
    task = make_task(world, code="56/TB-VPCP/O", deadline=D(2025, 5, 30))
    reminders_sweep(as_of=at("2025-05-23"))  # -5, never sent (SMTP down for days)
    reminders_sweep(as_of=at("2025-05-29"))  # -1
    statuses = dict(Reminder.objects.filter(task=task).values_list("due_on", "status"))
    assert statuses == {D(2025, 5, 23): ReminderStatus.SKIPPED, D(2025, 5, 29): ReminderStatus.PENDING}


def test_extension_restarts_the_ladder_and_drops_the_old_one(world):
    task = make_task(world, code="56/TB-VPCP/X", deadline=D(2025, 5, 30))
    # Given the -5 reminder written for the old deadline but not yet sent
    reminders_sweep(as_of=at("2025-05-23"))
    old = Reminder.objects.get(task=task)
    # When the monitor approves an extension to 30/06
    request = extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=D(2025, 6, 30), reason="The session moved."
    )
    extension_request_decide(actor=world.monitor, extension=request, approve=True)
    result = reminders_send_pending(now=at("2025-05-23"))
    # Then the old reminder is superseded and not sent
    old.refresh_from_db()
    assert old.status == ReminderStatus.SUPERSEDED and result.messages == 0 and mail.outbox == []
    # and the ladder starts again from the new deadline: nothing for the old one any more
    sweep_days(D(2025, 5, 24), D(2025, 7, 1))
    assert not Reminder.objects.filter(task=task, deadline=D(2025, 5, 30)).exclude(pk=old.pk).exists()
    assert due_days(task, world.mps_focal, deadline=D(2025, 6, 30), level=1) == [
        D(2025, 6, 16),
        D(2025, 6, 23),
        D(2025, 6, 27),
        D(2025, 6, 30),
    ]
    assert due_days(task, world.mps_leader, deadline=D(2025, 6, 30), level=2) == [D(2025, 7, 1)]
    email = reminders_send_pending(now=at("2025-07-01"))
    assert email.messages >= 1
    assert "30/06/2025" in mail.outbox[-1].body and "extended from 30/05/2025" in mail.outbox[-1].body


def test_completed_task_gets_nothing_more(world):
    task = make_task(world, code="56/TB-VPCP/C", deadline=D(2025, 5, 30))
    reminders_sweep(as_of=at("2025-05-23"))
    pending = Reminder.objects.get(task=task)
    # When the agency submits and the Government Office confirms
    with time_machine.travel(at("2025-05-26", 10), tick=False):
        task_submit(actor=world.mps_focal, task=task, result_summary="Submitted to the National Assembly.")
        task_confirm(actor=world.monitor, task=task)
    reminders_send_pending(now=at("2025-05-26"))
    pending.refresh_from_db()
    assert pending.status == ReminderStatus.CANCELLED and mail.outbox == []
    sweep_days(D(2025, 5, 26), D(2025, 6, 30))
    assert list(Reminder.objects.filter(task=task)) == [pending]


def test_submitted_task_is_not_nagged(world):
    task = make_task(world, code="56/TB-VPCP/U", deadline=D(2025, 5, 30))
    with time_machine.travel(at("2025-05-20", 10), tick=False):
        task_submit(actor=world.mps_focal, task=task, result_summary="Done, awaiting confirmation.")
    sweep_days(D(2025, 5, 20), D(2025, 6, 10))
    assert not Reminder.objects.filter(task=task).exists()


def test_recipient_without_email_is_reported(world):
    world.mps_focal.email = ""
    world.mps_focal.save()
    task = make_task(world, code="56/TB-VPCP/N", deadline=D(2025, 5, 30))
    result = reminders_sweep(as_of=at("2025-05-23"))
    row = Reminder.objects.get(task=task)
    assert row.status == ReminderStatus.NO_ADDRESS and "no email" in row.error
    assert result.counts == {ReminderStatus.NO_ADDRESS: 1}
    assert reminders_send_pending(now=at("2025-05-23")).messages == 0


def test_escalation_levels_add_people(world):
    task = make_task(world, code="56/TB-VPCP/E2", deadline=D(2025, 5, 30))
    reminders_sweep(as_of=at("2025-06-02"))  # +1 working day: level 2
    assert usernames(Reminder.objects.filter(task=task)) == {"t.mps.focal", "t.mps.leader"}
    # one message to both (they read the same language), not a row each
    assert Reminder.objects.filter(task=task).count() == 1
    reminders_sweep(as_of=at("2025-06-06"))  # +5: level 3 adds the monitor who entered it
    level3 = usernames(Reminder.objects.filter(task=task, level=3))
    assert level3 == {"t.mps.focal", "t.mps.leader", "t.monitor"}


def test_daily_digest_groups_an_officials_reminders(world):
    NotificationPreference.objects.create(official=world.mps_leader, daily_digest=True)
    make_task(world, code="56/TB-VPCP/G1", deadline=D(2025, 5, 30))
    make_task(world, code="56/TB-VPCP/G2", deadline=D(2025, 5, 30), title="Complete the Data Law decrees")
    reminders_sweep(as_of=at("2025-06-02"))
    result = reminders_send_pending(now=at("2025-06-02"))
    to_leader = [m for m in mail.outbox if m.to == [world.mps_leader.email]]
    to_focal = [m for m in mail.outbox if m.to == [world.mps_focal.email]]
    assert len(to_leader) == 1 and len(to_focal) == 2 and result.messages == 3
    assert "56/TB-VPCP/G1" in to_leader[0].body and "56/TB-VPCP/G2" in to_leader[0].body
    assert to_leader[0].subject.startswith("[Five Clear] Daily digest: 2 reminders")
    assert Reminder.objects.filter(recipient=world.mps_leader, status=ReminderStatus.SENT).count() == 2


def test_email_in_vietnamese_with_the_five_clears_and_escaped_html(world, settings):
    settings.SITE_URL = "https://nhiemvu.example.gov.vn"
    world.mps_focal.language = "vi"
    world.mps_focal.save()
    task = make_task(
        world,
        code="56/TB-VPCP/V",
        deadline=D(2025, 5, 30),
        title='Hoàn thiện Luật <script>alert("x")</script>',
        expected_result="Dự thảo Luật trình Quốc hội",
    )
    reminders_sweep(as_of=at("2025-05-23"))
    reminders_send_pending(now=at("2025-05-23"))
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert message.subject == "[5 rõ] 56/TB-VPCP/V: hạn 30/05/2025, còn 7 ngày"
    for label in ("Rõ việc", "Rõ người", "Rõ trách nhiệm", "Rõ thời gian", "Rõ kết quả"):
        assert label in message.body and label in html
    assert "56/TB-VPCP ngày 23/02/2025" in message.body
    assert f"https://nhiemvu.example.gov.vn/tasks/{task.pk}/" in message.body
    assert f'href="https://nhiemvu.example.gov.vn/tasks/{task.pk}/"' in html
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert message.extra_headers["Message-ID"] == Reminder.objects.get(task=task).message_id


def test_email_in_english_counts_days_overdue(world):
    task = make_task(world, code="56/TB-VPCP/EN", deadline=D(2025, 5, 30))
    reminders_sweep(as_of=at("2025-06-06"))
    reminders_send_pending(now=at("2025-06-06"))
    to_monitor = next(m for m in mail.outbox if world.monitor.email in m.to)
    # one email to the three people of level 3, not three
    assert sorted(to_monitor.to) == sorted(
        [world.mps_focal.email, world.mps_leader.email, world.monitor.email]
    )
    assert len(mail.outbox) == 1
    assert to_monitor.subject == "[Five Clear] Escalation level 3: 56/TB-VPCP/EN: 7 days overdue"
    assert "Clear person: t.mps.focal" in to_monitor.body
    assert "Clear result: Draft Law submitted to the National Assembly" in to_monitor.body
    assert "also goes to the Government Office" in to_monitor.body
    assert Reminder.objects.filter(task=task, status=ReminderStatus.SENT).count() == 1


def test_reminders_panel_lists_a_tasks_reminders_on_its_page(world):
    task = make_task(world, code="56/TB-VPCP/T", deadline=D(2025, 5, 30), title="Draft <b>law</b>")
    reminders_sweep(as_of=at("2025-06-02"))
    reminders_send_pending(now=at("2025-06-02"))
    panels = task_panels_render(task=task, request=None)
    # notifications registers its panels (sent, and still to come) when the app is ready
    html = next(panel for panel in panels if 'id="reminders"' in panel)
    assert 'id="reminders"' in html
    assert html.count('<tr class="reminder-sent">') == 2
    assert "02/06/2025" in html and "t.mps.leader" in html and "&lt;b&gt;" not in html
    assert "Sent" in html or "Đã gửi" in html


def test_escalate_command_twice_sends_once(world, capsys):
    from django.core.management import call_command

    world.mic_focal.email = ""
    world.mic_focal.save()
    make_task(world, code="56/TB-VPCP/K", deadline=D(2025, 5, 30))
    make_task(
        world,
        code="56/TB-VPCP/M",
        deadline=D(2025, 5, 30),
        lead_agency=world.mic,
        responsible_official=world.mic_focal,
        accountable_leader=world.mic_leader,
    )
    call_command("escalate", at="2025-05-23T08:00")
    first = capsys.readouterr()
    assert len(mail.outbox) == 1
    assert "new pending: 2025-05-23 56/TB-VPCP/K L1 -> t.mps.focal" in first.out
    assert "sent: 2025-05-23 56/TB-VPCP/K L1 t.mps.focal" in first.out
    assert "t.mic.focal has no email address: 56/TB-VPCP/M" in first.err
    call_command("escalate", at="2025-05-23T08:00")
    second = capsys.readouterr()
    assert "No new reminders." in second.out and "Send: 0 message(s)." in second.out
    assert len(mail.outbox) == 1


def test_sweep_reads_only_the_due_tasks_through_the_reminded_deadline_index(world):
    from django.db import connection

    from notifications.services import due_tasks

    # Given many tasks, only a few of them at a deadline with a rung due on 23/05/2025
    for n in range(40):
        make_task(world, code=f"56/TB-VPCP/F{n:02d}", deadline=D(2025, 9, 1) + dt.timedelta(days=n))
    for n in range(3):
        make_task(world, code=f"56/TB-VPCP/D{n}", deadline=D(2025, 5, 30))
    # Then the sweep's task query is an index lookup on the reminded tasks by exact deadline
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = due_tasks([D(2025, 5, 30), D(2025, 6, 2)]).explain()
    assert "task_reminded_deadline" in plan and "deadline = ANY" in plan
    # and its number of queries does not depend on how many tasks there are or are due
    from django.test.utils import CaptureQueriesContext

    reminders_sweep(as_of=at("2025-05-22"))
    with CaptureQueriesContext(connection) as few:
        result = reminders_sweep(as_of=at("2025-05-23"))
    assert result.tasks == 3 and result.pending == 3
    for n in range(3, 10):
        make_task(world, code=f"56/TB-VPCP/D{n}", deadline=D(2025, 5, 30))
    with CaptureQueriesContext(connection) as more:
        result = reminders_sweep(as_of=at("2025-05-23"))
    assert result.tasks == 10 and result.pending == 7
    assert len(few) == len(more) <= 16


@pytest.mark.parametrize("language", ["vi", "en"])
def test_subject_is_plain_text_on_the_subject_line(world, language):
    """The subject is text, not HTML ("R&D", not "R&amp;D"), and a long Vietnamese one starts
    on the Subject line itself rather than folding onto a blank first line."""
    world.mps_focal.language = language
    world.mps_focal.save()
    code = "56/TB-VPCP/R&D-" + "ĐẮK-LẮK-" * 5 + '"<b>'
    make_task(world, code=code, deadline=D(2025, 5, 30))
    reminders_sweep(as_of=at("2025-05-23"))
    reminders_send_pending(now=at("2025-05-23"))
    message = next(m for m in mail.outbox if m.to == [world.mps_focal.email])
    assert code in message.subject and "&amp;" not in message.subject
    raw = message.message().as_bytes()
    line = raw[raw.index(b"\nSubject:") + 1 :].split(b"\n", 1)[0]
    assert line.startswith(b"Subject: =?utf-8?") and len(line) <= 78, line
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == message.subject
