"""The escalation ladder in time: when a day's reminders fall due, and which rungs of the
ladder a deadline has on which days (working days from the calendar)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from notifications.calendar import WorkingCalendar
from notifications.choices import OffsetUnit
from notifications.models import EscalationRule
from tasks.choices import ACTIVE_STATUSES

#: Tasks that get reminders. A submitted task waits on the Government Office, not on the
#: agency, so it is not nagged; if the result is returned, reminders resume.
REMINDED_STATUSES = ACTIVE_STATUSES


def send_time() -> dt.time:
    """The local time of day at which a day's reminders fall due (08:00 by default)."""
    hours, minutes = settings.NOTIFICATIONS_SEND_TIME.split(":")
    return dt.time(int(hours), int(minutes))


def due_instant(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, send_time()))


def last_due_day(as_of: dt.datetime) -> dt.date:
    """The latest day whose reminders are due at ``as_of``: today once the send time has
    passed, else yesterday (no email at midnight)."""
    local = timezone.localtime(as_of)
    return local.date() if local.time() >= send_time() else local.date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class Rung:
    """One rule's occurrence for one deadline: which rule, which repetition, on which day."""

    rule_id: int
    level: int
    offset: int
    period: int
    due_on: dt.date

    @property
    def rank(self) -> tuple:
        # The latest due wins; on the same day, the higher level and the later rung.
        return (self.due_on, self.level, self.offset, self.period)


def _span(rule: EscalationRule) -> int:
    """Calendar days that certainly contain ``rule.offset`` of its unit, holidays and all."""
    return 2 * abs(rule.offset) + 30 if rule.unit == OffsetUnit.WORKING_DAYS else abs(rule.offset) + 15


def rungs_for_deadline(
    calendar: WorkingCalendar, rules: Iterable[EscalationRule], deadline: dt.date, through: dt.date
) -> list[Rung]:
    """Every rung of the ladder for ``deadline`` that falls due on or before ``through``."""
    rungs = []
    for rule in rules:
        base = calendar.shift(deadline, rule.offset, rule.unit)
        if base > through:
            continue
        rungs.append(Rung(rule.pk, rule.level, rule.offset, 0, base))
        if rule.repeat_every_days:
            period = 1
            while base + dt.timedelta(days=rule.repeat_every_days * period) <= through:
                day = calendar.on_or_after(base + dt.timedelta(days=rule.repeat_every_days * period))
                if day <= through:
                    rungs.append(Rung(rule.pk, rule.level, rule.offset, period, day))
                period += 1
    return rungs


def rungs_in_window(
    calendar: WorkingCalendar,
    rules: list[EscalationRule],
    start: dt.date,
    end: dt.date,
    oldest_deadline: dt.date | None,
) -> dict[dt.date, list[Rung]]:
    """For each deadline, the rungs that fall due between ``start`` and ``end`` (inclusive).

    Every shift is monotonic in the deadline, so the deadlines concerned lie within a few
    weeks of the window, except for repeating rules, which reach back to the oldest open
    deadline. The answer is a list of exact dates: the task query is then an index lookup
    whose cost follows the number of due tasks, not the size of the table.
    """
    found: dict[dt.date, list[Rung]] = defaultdict(list)
    for rule in rules:
        span = dt.timedelta(days=_span(rule))
        low = start - span - dt.timedelta(days=max(rule.offset, 0))
        if rule.repeat_every_days and oldest_deadline is not None:
            low = min(low, oldest_deadline)
        high = end + span + dt.timedelta(days=max(-rule.offset, 0))
        step = dt.timedelta(days=1)
        deadline = low
        while deadline <= high:
            base = calendar.shift(deadline, rule.offset, rule.unit)
            if base > end:
                break  # monotonic: every later deadline falls due later still
            if base >= start:
                found[deadline].append(Rung(rule.pk, rule.level, rule.offset, 0, base))
            if rule.repeat_every_days:
                every = rule.repeat_every_days
                # The first repetition that can land in the window (rolling past a holiday
                # moves a day forward by at most a couple of weeks).
                first = max(1, math.floor(((start - base).days - 15) / every))
                period = first
                while base + dt.timedelta(days=every * period) <= end:
                    day = calendar.on_or_after(base + dt.timedelta(days=every * period))
                    if start <= day <= end:
                        found[deadline].append(Rung(rule.pk, rule.level, rule.offset, period, day))
                    period += 1
            deadline += step
    return found
