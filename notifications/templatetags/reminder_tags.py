"""``{% load reminder_tags %}{% reminders_for_task task %}``: a task's reminders for its page."""

from __future__ import annotations

from django import template

from notifications.selectors import reminders_for_task as select_reminders

register = template.Library()


@register.inclusion_tag("notifications/includes/reminders_for_task.html")
def reminders_for_task(task) -> dict:
    return {"task": task, "reminders": list(select_reminders(task.pk))}
