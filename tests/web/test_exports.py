"""Exports: the backlog .xlsx opened with openpyxl and checked cell by cell against the selector
the API uses; CSV; task lists with the four columns; text that looks like a formula stays text."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import NoReverseMatch, Resolver404, resolve
from openpyxl import load_workbook

from tasks import services
from tasks.choices import TaskStatus, Timeliness
from tasks.exports import FIRST_DATA_ROW, HEADER_ROW, SUBTITLE_ROW, TITLE_ROW
from tasks.selectors import (
    BACKLOG_COLUMNS,
    backlog_by_lead_agency,
    backlog_totals,
    on_time_rate,
    task_list_for_user,
)
from tests.web.conftest import AS_OF

pytestmark = pytest.mark.django_db


def open_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.content)).active


def test_backlog_xlsx_matches_the_selector_cell_by_cell(backlog, client):
    client.force_login(backlog.world.monitor)
    directive = backlog.world.directive
    client.cookies["django_language"] = "en"
    sheet = open_xlsx(client.get(f"/dashboard/export.xlsx?as_of=2025-06-01&directive={directive.pk}"))

    title = sheet.cell(row=TITLE_ROW, column=1).value
    assert "56/TB-VPCP" in title and "01/06/2025" in title
    assert "t.monitor" in sheet.cell(row=SUBTITLE_ROW, column=1).value
    headers = [c.value for c in sheet[HEADER_ROW]]
    assert headers[3:7] == [str(Timeliness(c).label) for c in BACKLOG_COLUMNS]
    assert headers[7] == "Total"

    rows = backlog_by_lead_agency(
        task_list_for_user(backlog.world.monitor).filter(directive=directive), AS_OF
    )
    assert len(rows) == 3
    for offset, row in enumerate(rows):
        r = FIRST_DATA_ROW + offset
        assert sheet.cell(row=r, column=1).value == offset + 1
        assert sheet.cell(row=r, column=2).value == row["lead_agency__code"]
        assert sheet.cell(row=r, column=3).value == row["lead_agency__name_en"]
        for col, column in enumerate(BACKLOG_COLUMNS, start=4):
            assert sheet.cell(row=r, column=col).value == row[column], (row["lead_agency__code"], column)
        assert sheet.cell(row=r, column=8).value == row["total"]
        rate = on_time_rate(row)
        assert sheet.cell(row=r, column=9).value == (round(rate * 100, 1) if rate is not None else None)
    totals = backlog_totals(rows)
    last = FIRST_DATA_ROW + len(rows)
    assert sheet.cell(row=last, column=3).value == "Total"
    for col, column in enumerate(BACKLOG_COLUMNS, start=4):
        assert sheet.cell(row=last, column=col).value == totals[column]
    assert sheet.cell(row=last, column=8).value == totals["total"] == 6
    assert sheet.cell(row=last + 1, column=1).value is None  # nothing after the totals


def test_backlog_xlsx_matches_the_backlog_api(backlog, client):
    """The same numbers as the REST API's backlog report, once that endpoint is routed."""
    try:
        resolve("/api/v1/reports/backlog/")
    except (Resolver404, NoReverseMatch):
        pytest.skip("the backlog API (issue 3) is not routed yet; compared against its selector above")
    client.force_login(backlog.world.monitor)
    api = client.get("/api/v1/reports/backlog/?as_of=2025-06-01")
    assert api.status_code == 200
    payload = api.json()
    api_rows = payload["rows"] if isinstance(payload, dict) and "rows" in payload else payload
    if isinstance(api_rows, dict) and "results" in api_rows:
        api_rows = api_rows["results"]
    sheet = open_xlsx(client.get("/dashboard/export.xlsx?as_of=2025-06-01"))
    by_code = {}
    for row in api_rows:
        code = next(v for v in _flat_values(row) if v in {"MPS", "MIC", "MOJ"})
        by_code[code] = row
    for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 3):
        code = sheet.cell(row=r, column=2).value
        for col, column in enumerate((*BACKLOG_COLUMNS, "total"), start=4):
            assert sheet.cell(row=r, column=col).value == by_code[code][column]


def _flat_values(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _flat_values(item)
    elif isinstance(value, str):
        yield value


def test_backlog_csv_has_the_same_rows(backlog, client):
    client.force_login(backlog.world.monitor)
    response = client.get("/dashboard/export.csv?as_of=2025-06-01")
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # so Excel reads Vietnamese as UTF-8
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = backlog_by_lead_agency(task_list_for_user(backlog.world.monitor), AS_OF)
    assert len(table) == 1 + len(rows) + 1
    for line, row in zip(table[1:], rows, strict=False):
        assert line[1] == row["lead_agency__code"]
        assert [int(v) for v in line[3:8]] == [*(row[c] for c in BACKLOG_COLUMNS), row["total"]]
    assert table[-1][7] == "6"


def test_task_list_xlsx_marks_the_four_columns_and_keeps_formulas_as_text(backlog, client):
    world = backlog.world
    services.task_update(
        actor=world.monitor, task=backlog.overdue, title='=HYPERLINK("http://evil.example","Click")'
    )
    client.force_login(world.monitor)
    sheet = open_xlsx(
        client.get("/tasks/export.xlsx?as_of=2025-06-01&lead_agency=MPS&timeliness=counted", follow=True)
    )
    headers = [c.value for c in sheet[HEADER_ROW]]
    first_col = headers.index(str(Timeliness(BACKLOG_COLUMNS[0]).label))
    marks = {}
    for r in range(FIRST_DATA_ROW, sheet.max_row + 1):
        code = sheet.cell(row=r, column=2).value
        marked = [
            BACKLOG_COLUMNS[i] for i in range(4) if sheet.cell(row=r, column=first_col + 1 + i).value == "x"
        ]
        marks[code] = marked
    assert marks == {
        backlog.on_time.code: [Timeliness.COMPLETED_ON_TIME],
        backlog.overdue.code: [Timeliness.IN_PROGRESS_OVERDUE],
        backlog.within.code: [Timeliness.IN_PROGRESS_WITHIN_DEADLINE],
    }
    title_cell = next(
        sheet.cell(row=r, column=3)
        for r in range(FIRST_DATA_ROW, sheet.max_row + 1)
        if sheet.cell(row=r, column=2).value == backlog.overdue.code
    )
    assert title_cell.data_type == "s"
    assert title_cell.value.startswith("=HYPERLINK")  # stored as text, not as a formula
    csv_text = client.get("/tasks/export.csv?lead_agency=MPS").content.decode("utf-8")
    assert "'=HYPERLINK" in csv_text


def test_exports_respect_visibility(backlog, client):
    client.force_login(backlog.world.moj_focal)
    # every status (the list, and so its export, opens on the open tasks)
    every_status = "&".join(f"status={status}" for status in TaskStatus)
    sheet = open_xlsx(client.get(f"/tasks/export.xlsx?{every_status}"))
    codes = {sheet.cell(row=r, column=2).value for r in range(FIRST_DATA_ROW, sheet.max_row + 1)}
    assert codes == {backlog.moj_within.code, backlog.draft.code}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_larger_than_the_bound_is_refused_with_advice_and_one_within_it_is_served(
    backlog, client, settings, fmt
):
    """A list of more tasks than EXPORT_MAX_ROWS gets a 400 that says how to narrow it, not a
    file built for minutes; at the bound exactly, the file holds every task."""
    client.force_login(backlog.world.monitor)
    client.cookies["django_language"] = "en"
    every_status = "&".join(f"status={status}" for status in TaskStatus)
    matching = task_list_for_user(backlog.world.monitor).count()
    assert matching > 2
    settings.EXPORT_MAX_ROWS = matching - 1
    refused = client.get(f"/tasks/export.{fmt}?{every_status}")
    assert refused.status_code == 400
    assert f"More than {matching - 1:,} tasks" in refused.content.decode()
    settings.EXPORT_MAX_ROWS = matching
    served = client.get(f"/tasks/export.{fmt}?{every_status}")
    assert served.status_code == 200
    if fmt == "csv":
        assert len(list(csv.reader(io.StringIO(served.content.decode("utf-8-sig"))))) == matching + 1
    else:
        assert open_xlsx(served).max_row - FIRST_DATA_ROW + 1 == matching


def test_the_refused_export_speaks_the_readers_language(backlog, client, settings):
    client.force_login(backlog.world.monitor)
    client.cookies["django_language"] = "vi"
    settings.EXPORT_MAX_ROWS = 1
    refused = client.get("/tasks/export.csv?" + "&".join(f"status={s}" for s in TaskStatus))
    assert refused.status_code == 400
    assert "quá nhiều cho một tệp" in refused.content.decode()
