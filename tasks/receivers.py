"""Cached task data (the backlog, task pages) shows agency codes and usernames: a change to
an agency or an official moves the tasks generation on, as a change to a task does."""

from __future__ import annotations

from tasks.services import tasks_changed

#: Saves of an official that change nothing a task page shows (every login writes last_login).
_UNSHOWN = {"last_login", "password"}


def agency_changed(sender, **kwargs) -> None:
    tasks_changed()


def official_changed(sender, update_fields=None, **kwargs) -> None:
    if update_fields and set(update_fields) <= _UNSHOWN:
        return
    tasks_changed()
