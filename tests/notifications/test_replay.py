"""The replay of Notice 56/TB-VPCP from the demo seed: watch the May 2025 law submissions of
the Ministry of Public Security (task 20) and of Information and Communications (task 17)
escalate, from the notice to the start of July."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from notifications.choices import ReminderStatus
from notifications.models import Reminder
from tasks.models import Task

pytestmark = pytest.mark.usefixtures("postgres", "ladder")


@pytest.fixture(autouse=True)
def english():
    """The commands print in the active language (Vietnamese by default); these read English."""
    with translation.override("en"):
        yield


def ladder_lines(code: str, agency: str) -> list[str]:
    """The ladder of a law due Saturday 31/05/2025 ("at the 9th Session in May 2025")."""
    focal, leader = f"{agency}.focal", f"{agency}.leader"
    return [
        f"2025-05-19  {code}  L1  {focal}  [Sent]",  # 10 working days before
        f"2025-05-26  {code}  L1  {focal}  [Sent]",  # 5
        f"2025-05-30  {code}  L1  {focal}  [Sent]",  # on the day (a Saturday: the Friday)
        f"2025-06-02  {code}  L2  {focal}, {leader}  [Sent]",  # 1 working day overdue
        f"2025-06-06  {code}  L3  gov.monitor, {focal}, {leader}  [Sent]",  # 5 working days overdue
        f"2025-06-13  {code}  L3  gov.monitor, {focal}, {leader}  [Sent]",  # then weekly
        f"2025-06-20  {code}  L3  gov.monitor, {focal}, {leader}  [Sent]",
        f"2025-06-27  {code}  L3  gov.monitor, {focal}, {leader}  [Sent]",
    ]


@pytest.fixture
def seeded(capsys):
    # The demo as the notice left it: the laws were in fact submitted in May and passed in June
    # (seed_demo replays that, docs/demo-2025.md); this replays the ladder of an unanswered task.
    call_command("seed_demo", until=dt.date(2025, 2, 23))
    capsys.readouterr()
    for code in ("56/TB-VPCP/17", "56/TB-VPCP/20"):
        task = Task.objects.get(code=code)
        assert task.deadline == dt.date(2025, 5, 31) and task.status == "assigned"


def test_replay_of_notice_56_escalates_the_two_law_submissions(seeded, capsys):
    # When the sweep is replayed each working day from the day after the notice to 1 July
    call_command("replay", start="2025-02-24", end="2025-07-01", directive="56/TB-VPCP")
    lines = capsys.readouterr().out.splitlines()
    # Then the two laws climb the ladder, with nothing else on their lines
    for code, agency in (("56/TB-VPCP/20", "mps"), ("56/TB-VPCP/17", "mic")):
        assert [line for line in lines if f"  {code}  " in line] == ladder_lines(code, agency)
    # The "1 day before" of the Saturday deadline fell on the same Friday: recorded, not sent
    skipped = Reminder.objects.get(task__code="56/TB-VPCP/20", rule__offset=-1)
    assert skipped.status == ReminderStatus.SKIPPED and skipped.due_on == dt.date(2025, 5, 30)
    # Each person got each rung once, in their language (mps.focal English, mps.leader Vietnamese:
    # from level 2 on, a rung is one message per language)
    to_focal = [
        m for m in mail.outbox if "mps.focal@demo.fiveclear.vn" in m.to and "56/TB-VPCP/20:" in m.subject
    ]
    to_leader = [
        m for m in mail.outbox if "mps.leader@demo.fiveclear.vn" in m.to and "56/TB-VPCP/20:" in m.subject
    ]
    assert len(to_focal) == 8 and len(to_leader) == 5
    assert to_focal[0].subject == "[Five Clear] 56/TB-VPCP/20: due 31/05/2025, 12 days left"
    assert to_leader[0].subject == "[5 rõ] Báo cáo cấp 2: 56/TB-VPCP/20: quá hạn 2 ngày"
    assert "at the 9th Session in May 2025" in to_focal[0].body
    message_ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(message_ids) == len(set(message_ids))
    # and a second replay over the same span prints the same and sends nothing new
    sent = len(mail.outbox)
    call_command("replay", start="2025-02-24", end="2025-07-01", directive="56/TB-VPCP")
    again = capsys.readouterr().out.splitlines()
    assert again == lines and len(mail.outbox) == sent


def test_dry_run_prints_the_same_and_keeps_nothing(seeded, capsys):
    call_command("replay", start="2025-05-15", end="2025-06-03", directive="56/TB-VPCP", dry_run=True)
    out = capsys.readouterr().out
    assert "2025-06-02  56/TB-VPCP/20  L2  mps.focal, mps.leader  [Pending]" in out
    assert "nothing was kept or sent" in out
    assert not Reminder.objects.exists() and mail.outbox == []
