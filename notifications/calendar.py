"""Vietnam's working-day calendar: weekends, public holidays (Tết included), and the make-up
days and swaps the Government decrees each year, entered in the admin.

Public holidays come from the maintained ``holidays`` library because Tết follows the lunar
calendar and moves every year; the yearly decisions that swap a day off against a Saturday
are not in any library, so they are rows of ``CalendarOverride``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Iterable, Mapping

import holidays

from notifications.choices import OffsetUnit
from notifications.models import CalendarOverride

ONE_DAY = dt.timedelta(days=1)


class WorkingCalendar:
    """Working days between two years, with day arithmetic that skips the rest.

    Built once per sweep (one query for the overrides); every method is then pure Python over
    a sorted list of working days, so shifting thousands of deadlines costs microseconds each.
    """

    def __init__(self, first_year: int, last_year: int, overrides: Mapping[dt.date, bool] | None = None):
        self.first = dt.date(first_year, 1, 1)
        self.last = dt.date(last_year, 12, 31)
        self.holidays = holidays.country_holidays("VN", years=range(first_year, last_year + 1))
        self.overrides = dict(overrides or {})
        days = []
        day = self.first
        while day <= self.last:
            if self._working(day):
                days.append(day)
            day += ONE_DAY
        self._days = days
        self._set = set(days)

    def _working(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5 and day not in self.holidays

    def _check(self, day: dt.date) -> None:
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside the calendar built for {self.first.year}-{self.last.year}")

    def is_working_day(self, day: dt.date) -> bool:
        self._check(day)
        return day in self._set

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (before it when negative).

        ``day`` itself is never counted, whether or not it is a working day: one working day
        before a Saturday deadline is the Friday; one after is the Monday.
        """
        self._check(day)
        if count == 0:
            return day
        if count > 0:
            index = bisect.bisect_right(self._days, day) + count - 1
        else:
            index = bisect.bisect_left(self._days, day) + count
        if not 0 <= index < len(self._days):
            raise ValueError(f"{day} {count:+d} working days is outside the calendar")
        return self._days[index]

    def on_or_before(self, day: dt.date) -> dt.date:
        """The day itself if it is a working day, else the last working day before it."""
        return day if self.is_working_day(day) else self.add_working_days(day, -1)

    def on_or_after(self, day: dt.date) -> dt.date:
        return day if self.is_working_day(day) else self.add_working_days(day, 1)

    def shift(self, deadline: dt.date, offset: int, unit: str) -> dt.date:
        """The working day on which a rung of the ladder falls for a deadline.

        A reminder goes out on a working day: "on the day" of a deadline that falls on a
        weekend or holiday is the last working day before it; a calendar-day offset that lands
        on a day off moves to the nearest working day on the side of the deadline (earlier
        for reminders before it, later for those after).
        """
        if unit == OffsetUnit.WORKING_DAYS:
            return self.on_or_before(deadline) if offset == 0 else self.add_working_days(deadline, offset)
        day = deadline + dt.timedelta(days=offset)
        return self.on_or_after(day) if offset > 0 else self.on_or_before(day)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
        if end >= start:
            return bisect.bisect_right(self._days, end) - bisect.bisect_right(self._days, start)
        return -self.working_days_between(end, start)

    def working_days(self, start: dt.date, end: dt.date) -> Iterable[dt.date]:
        lo = bisect.bisect_left(self._days, start)
        hi = bisect.bisect_right(self._days, end)
        return self._days[lo:hi]


def load_calendar(first_year: int, last_year: int) -> WorkingCalendar:
    """A calendar with the admin's overrides for those years (one query)."""
    overrides = dict(
        CalendarOverride.objects.filter(date__year__gte=first_year, date__year__lte=last_year).values_list(
            "date", "is_working_day"
        )
    )
    return _calendar(first_year, last_year, tuple(sorted(overrides.items())))


@functools.lru_cache(maxsize=32)
def _calendar(
    first_year: int, last_year: int, overrides: tuple[tuple[dt.date, bool], ...]
) -> WorkingCalendar:
    """Building a calendar asks the holiday rules about every day of its years (tens of
    milliseconds for three years, on every task page that shows the coming reminders); the same
    years and overrides make the same calendar, which nothing changes once built, so a process
    builds each one once. The overrides are still read from the database on every call."""
    return WorkingCalendar(first_year, last_year, dict(overrides))


def calendar_around(*days: dt.date, margin_years: int = 1) -> WorkingCalendar:
    """A calendar wide enough for arithmetic around the given days."""
    years = [d.year for d in days]
    return load_calendar(min(years) - margin_years, max(years) + margin_years)
