"""The default escalation ladder and the calendar days no holidays library knows.

Used by the data migration (with its historical models) and by tests that need the ladder
back after a flush; the function only touches the models it is given.
"""

from __future__ import annotations

import datetime as dt

LADDER = [
    # name, offset, unit, level, template, repeat every (calendar days)
    ("10 working days before the deadline", -10, "working", 1, "upcoming", None),
    ("5 working days before the deadline", -5, "working", 1, "upcoming", None),
    ("1 working day before the deadline", -1, "working", 1, "upcoming", None),
    ("On the day of the deadline", 0, "working", 1, "due_today", None),
    ("1 working day overdue: focal point and leader", 1, "working", 2, "overdue", None),
    ("5 working days overdue: Government Office, then weekly", 5, "working", 3, "escalation", 7),
]

#: Saturday 26/04/2025 was worked in exchange for Friday 02/05/2025 off.
CALENDAR_OVERRIDES = [
    (dt.date(2025, 4, 26), True, "Làm bù cho ngày nghỉ thứ Sáu 02/05/2025"),
]


def install_defaults(rule_model, override_model) -> None:
    if not rule_model.objects.exists():
        rule_model.objects.bulk_create(
            rule_model(
                name=name, offset=offset, unit=unit, level=level, template=template, repeat_every_days=repeat
            )
            for name, offset, unit, level, template, repeat in LADDER
        )
    for date, working, note in CALENDAR_OVERRIDES:
        override_model.objects.get_or_create(date=date, defaults={"is_working_day": working, "note": note})
