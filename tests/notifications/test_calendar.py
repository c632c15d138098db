"""The working-day calendar: weekends, Tết 2025 from the holidays library, and admin overrides."""

import datetime as dt

import pytest

from notifications.calendar import WorkingCalendar, load_calendar
from notifications.models import CalendarOverride

D = dt.date


@pytest.fixture
def cal():
    return WorkingCalendar(2024, 2026)


def test_tet_2025_is_nine_days_off(cal):
    # Given the Tết holiday of 2025, Saturday 25/01 to Sunday 02/02
    days = [D(2025, 1, 25) + dt.timedelta(days=n) for n in range(9)]
    # Then none of them is a working day, and the days around are
    assert not any(cal.is_working_day(day) for day in days)
    assert cal.is_working_day(D(2025, 1, 24)) and cal.is_working_day(D(2025, 2, 3))
    assert cal.add_working_days(D(2025, 1, 24), 1) == D(2025, 2, 3)
    assert cal.add_working_days(D(2025, 2, 3), -1) == D(2025, 1, 24)
    assert cal.working_days_between(D(2025, 1, 24), D(2025, 2, 3)) == 1


def test_weekend_deadline_falls_back_to_friday(cal):
    saturday = D(2025, 5, 31)
    assert cal.shift(saturday, 0, "working") == D(2025, 5, 30)
    assert cal.shift(saturday, -1, "working") == D(2025, 5, 30)
    assert cal.shift(saturday, 1, "working") == D(2025, 6, 2)
    assert cal.shift(saturday, -5, "working") == D(2025, 5, 26)
    assert cal.shift(saturday, -10, "working") == D(2025, 5, 19)


def test_calendar_offsets_roll_towards_the_deadline(cal):
    # 7 calendar days after Sat 24/01/2025 is Sat 31/01 (in Tết): rolls forward to Mon 03/02
    assert cal.shift(D(2025, 1, 24), 7, "calendar") == D(2025, 2, 3)
    # 3 calendar days before Mon 03/02 is Fri 31/01 (Tết): rolls back to Fri 24/01
    assert cal.shift(D(2025, 2, 3), -3, "calendar") == D(2025, 1, 24)


@pytest.mark.django_db
def test_make_up_saturday_and_swapped_day_off_from_the_admin():
    # Without the override, Saturday 26/04/2025 is a weekend day
    assert not WorkingCalendar(2025, 2025).is_working_day(D(2025, 4, 26))
    # The data migration ships it as a make-up working day
    CalendarOverride.objects.update_or_create(date=D(2025, 4, 26), defaults={"is_working_day": True})
    # and an admin swaps Monday 05/05/2025 into a day off
    CalendarOverride.objects.create(date=D(2025, 5, 5), is_working_day=False, note="swap")
    cal = load_calendar(2025, 2025)
    assert cal.is_working_day(D(2025, 4, 26))
    assert not cal.is_working_day(D(2025, 5, 5))
    # Five working days before Tuesday 06/05: 29/04, 28/04, 26/04 (Sat, made up), 25/04, 24/04
    assert cal.add_working_days(D(2025, 5, 6), -5) == D(2025, 4, 24)
    assert cal.add_working_days(D(2025, 5, 6), -1) == D(2025, 4, 29)


def test_out_of_range_is_an_error_not_a_guess(cal):
    with pytest.raises(ValueError):
        cal.is_working_day(D(2030, 1, 2))
