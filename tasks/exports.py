"""Files for people and calendars: the backlog and task lists as Excel and CSV, deadlines as
iCalendar. The numbers come from tasks.selectors; this module only lays them out.

Cells that begin like a formula (=, +, -, @) are written as text: a task title typed by
someone must not become a formula in the Government Office's spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from icalendar import Calendar, Event
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from signatures.choices import Verdict
from tasks.choices import Timeliness
from tasks.models import Task
from tasks.selectors import BACKLOG_COLUMNS, on_time_rate

if TYPE_CHECKING:
    from tasks.selectors import TaskWithTimeliness

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Row of the title, then the header row, then data in an exported sheet.
TITLE_ROW = 1
SUBTITLE_ROW = 2
HEADER_ROW = 4
FIRST_DATA_ROW = 5


def _is_vi() -> bool:
    return (get_language() or "vi").startswith("vi")


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def report_title(kind: str, directive, as_of: dt.date) -> str:
    """'Backlog of Notice 56/TB-VPCP as of 01/06/2025', naming the directive and the date."""
    if directive is not None:
        scope = _("tasks of %(number)s") % {"number": directive.number}
    else:
        scope = _("tasks of all directives")
    if kind == "backlog":
        return _("Backlog of %(scope)s as of %(date)s") % {"scope": scope, "date": _date(as_of)}
    return _("List of %(scope)s as of %(date)s") % {"scope": scope, "date": _date(as_of)}


def backlog_headers() -> list[str]:
    return [
        _("No."),
        _("Code"),
        _("Lead agency"),
        *[str(Timeliness(c).label) for c in BACKLOG_COLUMNS],
        _("Total"),
        _("On-time rate (%)"),
    ]


def backlog_table(rows: list[dict], totals: dict) -> list[list]:
    """The backlog as plain rows (numbers stay numbers), the totals row last."""
    table = []
    for index, row in enumerate(rows, start=1):
        rate = on_time_rate(row)
        name = row["lead_agency__name_vi"] if _is_vi() else row["lead_agency__name_en"]
        table.append(
            [
                index,
                row["lead_agency__code"],
                name,
                *[row[c] for c in BACKLOG_COLUMNS],
                row["total"],
                round(rate * 100, 1) if rate is not None else None,
            ]
        )
    rate = on_time_rate(totals)
    table.append(
        [
            None,
            None,
            _("Total"),
            *[totals[c] for c in BACKLOG_COLUMNS],
            totals["total"],
            round(rate * 100, 1) if rate is not None else None,
        ]
    )
    return table


def too_many_to_export(queryset) -> bool:
    """Whether the filtered tasks exceed ``EXPORT_MAX_ROWS``: read as at most that many ids plus
    one, so the check costs the same however many tasks match."""
    limit = settings.EXPORT_MAX_ROWS
    return len(queryset.order_by().values_list("pk", flat=True)[: limit + 1]) > limit


def task_headers() -> list[str]:
    return [
        _("No."),
        _("Code"),
        _("Task"),
        _("Directive"),
        _("Lead agency"),
        _("Responsible official"),
        _("Deadline"),
        _("Status"),
        _("Progress (%)"),
        *[str(Timeliness(c).label) for c in BACKLOG_COLUMNS],
        _("Signed result"),
    ]


def _signed_result(task: Task) -> str:
    verdict = getattr(task, "signed_result", None)
    text = str(Verdict(verdict).label) if verdict else ""
    if task.requires_signed_result and verdict != Verdict.VALID:
        return _("%(verdict)s (a valid signature is required)") % {"verdict": text or _("none")}
    return text


def task_table(tasks: Iterable[TaskWithTimeliness], credited: dict | None = None) -> list[list]:
    """One row per task; the four timeliness columns carry an 'x' in the task's own, as the
    Government Office's reports mark them; the last column is the best signature verdict of
    the lead agency's evidence. ``tasks`` must be annotated with_timeliness and
    with_signed_result. ``credited`` (``selectors.credited_agencies``) names the agency of the
    report's date for tasks a reorganisation moved since: as of 15/02/2025 MIC's task shows MIC."""
    credited = credited or {}
    table = []
    for index, task in enumerate(tasks, start=1):
        agency = credited.get(task.pk, task.lead_agency)
        table.append(
            [
                index,
                task.code,
                task.title_i18n,
                task.directive.number,
                (agency.name_vi if _is_vi() else agency.name_en) if agency else "",
                task.responsible_official.get_full_name() or task.responsible_official.username
                if task.responsible_official
                else "",
                _date(task.deadline) or task.get_recurrence_display(),
                task.get_status_display(),
                task.progress,
                *["x" if task.timeliness == c else "" for c in BACKLOG_COLUMNS],
                _signed_result(task),
            ]
        )
    return table


def _safe_text(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_xlsx(*, title: str, subtitle: str, headers: list[str], table: list[list], sheet: str) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet[:31]
    ws.cell(row=TITLE_ROW, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=SUBTITLE_ROW, column=1, value=subtitle).font = Font(italic=True)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, values in enumerate(table, start=FIRST_DATA_ROW):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            if isinstance(value, str):
                # Written as text whatever it starts with: never a formula.
                cell.data_type = "s"
    for col, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(row[col - 1] or "")) for row in table[:200]])
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 6), 60)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(*, headers: list[str], table: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for values in table:
        writer.writerow(["" if v is None else _safe_text(v) for v in values])
    # A byte-order mark so that Excel opens Vietnamese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def deadlines_ical(*, tasks: Iterable[Task], name: str, site_url: str, task_path) -> bytes:
    """An all-day event on each task's deadline; UIDs are stable so calendars update, not duplicate."""
    calendar = Calendar()
    calendar.add("prodid", "-//Five Clear//Deadlines//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    stamp = dt.datetime.now(dt.UTC)
    for task in tasks:
        if task.deadline is None:  # deadline_feed_tasks reads dated tasks only
            continue
        event = Event()
        event.add("uid", f"task-{task.pk}-deadline@fiveclear")
        event.add("dtstamp", stamp)
        event.add("dtstart", task.deadline)
        if task.deadline < dt.date.max:  # without DTEND an all-day event lasts its one day
            event.add("dtend", task.deadline + dt.timedelta(days=1))
        event.add("summary", f"[{task.code}] {task.title_i18n}")
        url = site_url.rstrip("/") + task_path(task)
        event.add(
            "description",
            "\n".join(
                [
                    task.directive.number,
                    _("Lead agency: %(code)s") % {"code": task.lead_agency.code if task.lead_agency else ""},
                    _("Status: %(status)s") % {"status": task.get_status_display()},
                    url,
                ]
            ),
        )
        event.add("url", url)
        calendar.add_component(event)
    return calendar.to_ical()
