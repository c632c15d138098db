"""When the occurrences of a standing task fall due: the one rule, as plain date arithmetic.

A recurrence cuts time into periods (a week from Monday, a calendar month, a calendar quarter,
a calendar year). Each period is one occurrence, due on its task's ``due_day``: the weekday of
a weekly task (1 Monday ... 7 Sunday), or the day of the period's last month for the others
("by the 20th of each month", "by the 20th of the quarter's last month"), the month's last day
when it is shorter; with no due day, the period's last day. A quarterly or yearly task may
name another month of its period (``due_month``: "before the 25th of the middle month of each
quarter" is month 2, day 24). The due date is not moved off
weekends and holidays, as a task's deadline is not: it falls at the end of that day in Hanoi,
and the reminder ladder moves its rungs onto working days (``notifications.calendar``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from tasks.choices import Recurrence

ONE_DAY = dt.timedelta(days=1)
#: Months per period of the recurrences cut by calendar months.
MONTHS: dict[str, int] = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3, Recurrence.YEARLY: 12}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    due_on: dt.date


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_containing(
    recurrence: str, day: dt.date, due_day: int | None = None, due_month: int | None = None
) -> Period:
    """The period of ``recurrence`` that ``day`` falls in, with its due date: on ``due_day`` of
    the period's ``due_month``-th month (its last month when None; that month's last day when
    ``due_day`` is None or beyond it)."""
    if recurrence == Recurrence.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=6)
        due = start + dt.timedelta(days=(due_day or 7) - 1)
        return Period(start, end, due)
    months = MONTHS.get(recurrence)
    if months is None:
        raise ValueError(f"{recurrence!r} is not a recurrence")
    first_month = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first_month, 1)
    end = _add_months(start, months) - ONE_DAY
    due_month_end = _add_months(start, min(due_month or months, months)) - ONE_DAY
    due = due_month_end.replace(day=min(due_day, due_month_end.day)) if due_day else due_month_end
    return Period(start, end, due)


def periods_from(
    recurrence: str, due_day: int | None, start: dt.date, due_month: int | None = None
) -> Iterator[Period]:
    """The periods of ``recurrence`` from the one containing ``start``, without end."""
    period = period_containing(recurrence, start, due_day, due_month)
    while True:
        yield period
        period = period_containing(recurrence, period.end + ONE_DAY, due_day, due_month)


def schedule(
    recurrence: str,
    due_day: int | None,
    *,
    first_due: dt.date,
    after: dt.date | None,
    until: dt.date,
    due_month: int | None = None,
) -> list[Period]:
    """The occurrences to have: from the first period due on or after ``first_due`` (the day
    the task was given: a period already due then is not the agency's to be late on) and
    starting after ``after`` (the last period already held), up to the periods that start by
    ``until`` (the horizon generated ahead)."""
    begin = max(first_due, after + ONE_DAY) if after else first_due
    found = []
    for period in periods_from(recurrence, due_day, begin, due_month):
        if period.start > until:
            break
        if period.due_on < first_due or (after is not None and period.start <= after):
            continue
        found.append(period)
    return found
