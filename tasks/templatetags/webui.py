"""Small presentation filters for the web app's templates (names by language, labels, rates)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext as _

from signatures.choices import Verdict, reason_label
from tasks.choices import Clear, TaskEventAction, Timeliness
from tasks.models import EvidenceFile, ExtensionRequest, Task
from tasks.reorganisation import transfer_note_words

register = template.Library()

#: Timeliness of a task still in the agency's hands (not completed as of the date).
RUNNING = (Timeliness.IN_PROGRESS_OVERDUE.value, Timeliness.IN_PROGRESS_WITHIN_DEADLINE.value)


def _is_vi() -> bool:
    return (get_language() or "vi").startswith("vi")


@register.filter
def agency_name(agency) -> str:
    """An Agency, or a backlog row dict, named in the page's language."""
    if agency is None:
        return ""
    if isinstance(agency, dict):
        name = agency.get("lead_agency__name_vi") if _is_vi() else agency.get("lead_agency__name_en")
        return name or ""
    return agency.name_vi if _is_vi() else agency.name_en


@register.filter
def timeliness_label(value) -> str:
    try:
        return str(Timeliness(value).label)
    except ValueError:
        return ""


@register.filter
def rate(value) -> str:
    """A share from 0 to 1 as a whole percentage; an em dash when there is none."""
    if value is None:
        return "—"
    return f"{round(value * 100)}%"


@register.filter
def deadline_days(task, as_of) -> dict | None:
    """How late an unfinished task is, or how long it has left, as of ``as_of``: the
    ``kind`` (overdue, due, left) and the words; None for a task finished or without a deadline
    (``timeliness``, the backlog's rule, says which tasks are still running)."""
    if task.deadline is None or getattr(task, "timeliness", None) not in RUNNING:
        return None
    days = (as_of - task.deadline).days
    if days > 0:
        text = ngettext("%(n)s day overdue", "%(n)s days overdue", days) % {"n": days}
        return {"kind": "overdue", "days": days, "text": text}
    if days == 0:
        return {"kind": "due", "days": 0, "text": gettext("due today")}
    left = -days
    return {
        "kind": "left",
        "days": left,
        "text": ngettext("%(n)s day left", "%(n)s days left", left) % {"n": left},
    }


@register.filter
def clear_label(value) -> str:
    """One of the five clears by its name in the reader's language."""
    try:
        return str(Clear(value).label)
    except ValueError:
        return ""


@register.filter
def get_item(mapping, key):
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return None


@register.filter
def minutes(value) -> int:
    """A timedelta in whole minutes (the lockout's cool-off)."""
    try:
        return round(value.total_seconds() / 60)
    except AttributeError:
        return 0


@register.filter
def verdict_label(value) -> str:
    try:
        return str(Verdict(value).label)
    except ValueError:
        return ""


@register.filter
def signature_reason(code) -> str:
    return reason_label(code or "")


@register.filter
def event_label(action: str) -> str:
    """A history entry's action in words; an action the choices do not know shows as stored."""
    try:
        return str(TaskEventAction(action).label)
    except ValueError:
        return action


@register.filter
def event_note(event) -> str:
    """A history entry's note; the notes the app writes itself (a reorganisation's transfer)
    in the page's language, the users' own words as they wrote them."""
    if event.action == TaskEventAction.TRANSFERRED:
        return transfer_note_words(event.note)
    return event.note


def _history_field(name: str):
    for model in (Task, ExtensionRequest, EvidenceFile):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, Field):  # not a reverse relation, which has no verbose name
            return field
    return None


@register.filter
def task_field_label(name: str) -> str:
    """A Task field's own verbose name, for the changes listed in the history."""
    field = _history_field(name)
    return str(field.verbose_name) if field is not None else name


def _written_date(text: str) -> str | None:
    """An ISO date or date-time kept in the history, written in the page's date format."""
    try:
        if len(text) == 10:
            return formats.date_format(dt.date.fromisoformat(text))
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


@register.filter
def history_value(value, name: str = "") -> str:
    """A value kept in the history as the page's reader says it: a status, kind or recurrence
    by its label (the field's own choices), yes/no for a flag, dates in the page's format, a
    signature verdict in words. Codes the choices do not know show as stored."""
    if value is None or value == "" or value == []:
        return "—"
    if name == "signature_verdict":
        return verdict_label(value) or str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(history_value(v, name) for v in value)
    field = _history_field(name)
    if field is not None and field.choices:
        labels = {str(code): label for code, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    text = str(value)
    if text[:4].isdigit() and text[4:5] == "-" and text[7:8] == "-":
        return _written_date(text) or text
    return text


@register.filter
def task_deadline(task) -> str:
    """What a list says in a task's deadline column: the date, else how the task recurs, else
    that no deadline was set yet (a draft), never "one-off (has a deadline)" for a task without."""
    if task.deadline:
        return formats.date_format(task.deadline)
    if task.recurrence:
        return task.get_recurrence_display()
    return _("no deadline yet")
