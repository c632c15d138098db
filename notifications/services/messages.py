"""The email of a reminder (or of a day's digest): in the recipient's language, with a link to
each task and a Message-ID that is the same every time the same reminders are sent."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from email.header import Header
from email.message import Message

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.models import Reminder
from tasks.models import Task


def message_id_for(reminders: list[Reminder]) -> str:
    """The same reminder always gets the same Message-ID, so a resend after a crash is
    recognisable as the same message (and mail clients fold it into the first)."""
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN
    if len(reminders) == 1 and not reminders[0].digest:
        r = reminders[0]
        return f"<reminder.{r.id}.{r.task_id}.{r.deadline:%Y%m%d}@{domain}>"
    ids = ",".join(str(r.id) for r in sorted(reminders, key=lambda r: r.id))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:20]
    return f"<digest.{reminders[0].recipient_id}.{digest}@{domain}>"


def task_link(task: Task) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/tasks/{task.pk}/"


def _item(reminder: Reminder, task: Task, today: dt.date, language: str, transfer=None) -> dict:
    days = (reminder.deadline - today).days
    leader = task.accountable_leader
    responsible = task.responsible_official
    return {
        "reminder": reminder,
        "task": task,
        "kind": reminder.rule.template,
        "level": reminder.level,
        "deadline": reminder.deadline,
        "original_deadline": task.original_deadline if task.original_deadline != reminder.deadline else None,
        "days_left": max(days, 0),
        "days_overdue": max(-days, 0),
        "due_today": days == 0,
        "directive": task.directive,
        "lead_agency": task.lead_agency.name_for(language) if task.lead_agency else "",
        "coordinating": [agency.name_for(language) for agency in task.coordinating_agencies.all()],
        "responsible": (responsible.get_full_name() or responsible.username) if responsible else "",
        "responsible_position": responsible.position if responsible else "",
        "leader": (leader.get_full_name() or leader.username) if leader else "",
        "link": task_link(task),
        # The first reminder to this person since the task moved says so, once.
        "transfer": {
            "from": transfer.from_agency.name_for(language),
            "to": transfer.to_agency.name_for(language),
            "document": transfer.event.document_label,
        }
        if transfer
        else None,
    }


class ReminderEmail(EmailMultiAlternatives):
    """A reminder's message, whose subject is folded knowing it follows "Subject: ".

    Django encodes a non-ASCII subject as encoded words without knowing the header's name, so
    the first word no longer fits beside "Subject: " and the line is folded onto a blank first
    line, which some mail clients show as an empty subject. The subject here is one line of
    plain text (whitespace collapsed in ``build_message``), so no header can be injected."""

    def message(self, **kwargs):
        msg = super().message(**kwargs)
        del msg["Subject"]
        # Message's own __setitem__: Django's would encode the Header's text again, nameless.
        Message.__setitem__(msg, "Subject", Header(str(self.subject), "utf-8", header_name="Subject"))
        return msg


@dataclass(frozen=True)
class Addressed:
    """Who a message goes to, as the sender found them just before sending: their names (for
    the greeting), addresses and the message's language."""

    names: list[str]
    emails: list[str]
    language: str
    ids: list[int] = field(default_factory=list)  # the officials, in the order of ``emails``


def build_message(
    reminders: list[Reminder],
    *,
    tasks: dict[int, Task],
    now: dt.datetime,
    to: Addressed,
    notices: dict | None = None,
) -> EmailMultiAlternatives:
    """One email for one reminder (to everyone it is for, in its language), or one digest for
    several of one official's. ``notices``: reminder id -> the task's move to mention
    (``selectors.transfer_notices``)."""
    notices = notices or {}
    language = to.language if to.language in ("vi", "en") else "vi"
    today = timezone.localdate(now)
    items = sorted(
        (_item(r, tasks[r.task_id], today, language, notices.get(r.id)) for r in reminders),
        key=lambda item: (-item["level"], item["deadline"], item["task"].code),
    )
    context = {
        "recipient_name": ", ".join(to.names),
        "items": items,
        "is_digest": reminders[0].digest,
        "today": today,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"notifications/email/subject_{language}.txt", context).split())[
            :250
        ]
        text = render_to_string(f"notifications/email/message_{language}.txt", context)
        html = render_to_string(f"notifications/email/message_{language}.html", context)
    message = ReminderEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to.emails),
        headers={
            "Message-ID": message_id_for(reminders),
            "Auto-Submitted": "auto-generated",
            "X-Five-Clear-Reminders": ",".join(str(r.id) for r in reminders),
        },
    )
    message.attach_alternative(html, "text/html")
    return message
