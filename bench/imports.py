"""The spreadsheet import's preview at national scale: 10,000 rows that name the dataset's own
agencies and officials, read, checked and previewed (issue 18: under 10 s)."""

from __future__ import annotations

import io
import time

from django.utils import translation
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from agencies.models import Agency, Official
from bench.measure import Context, Figure, floor_median, median, ms_since, rolled_back
from imports import services
from imports.services import COLUMNS
from tasks.choices import ResultKind, TaskField
from tasks.models import Directive

ROWS = 10_000
TARGET_MS = 10_000.0


def _workbook(ctx: Context, rows: int) -> bytes:
    directive = Directive.objects.get(pk=ctx.directive_id)
    people = list(
        Official.objects.filter(agency__isnull=False, role="focal_point").values_list(
            "username", "agency__code", "agency_id"
        )[:2000]
    )
    leaders = dict(Official.objects.filter(role="leader").values_list("agency_id", "username"))
    codes = list(Agency.objects.values_list("code", flat=True)[:50])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tasks")
    with translation.override("vi"):
        sheet.append([str(c.header) for c in COLUMNS])
        deliverable, other_field = str(ResultKind.DELIVERABLE.label), str(TaskField.OTHER.label)
    for n in range(rows):
        username, agency, agency_id = people[n % len(people)]
        kind = n % 10
        sheet.append(
            [
                f"BENCH-IMPORT-{n:06d}",
                f"Triển khai nhiệm vụ chuyển đổi số số {n}",
                directive.number,
                agency,
                username,
                f"{1 + n % 28:02d}/{1 + n % 12:02d}/2026" if kind else "31/02/2026",  # a tenth bad dates
                "Báo cáo kết quả về Văn phòng Chính phủ" if kind != 1 else "",  # a tenth drafts
                ", ".join(codes[(n + i) % len(codes)] for i in range(1, 3)),
                leaders.get(agency_id, ""),
                "trong năm 2026",
                "",
                deliverable,
                "Báo cáo kết quả thực hiện",
                "",
                "",
                other_field,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_figure(ctx: Context, rows: int = ROWS) -> Figure:
    """The median preview of the file (rolled back each run), against reading the same file
    alone (calamine, as the preview reads it), the floor no preview can beat."""
    content = _workbook(ctx, rows)
    monitor = Official.objects.get(pk=ctx.monitor_id)
    directive = Directive.objects.get(pk=ctx.directive_id)
    runs = max(1, min(ctx.runs, 3))

    def preview():
        return services.import_preview(
            actor=monitor, directive=directive, file_name="bench.xlsx", content=content
        )

    timed, floors, counts = [], [], {}
    for _ in range(runs):
        started = time.perf_counter()
        result = rolled_back(preview)()
        timed.append(ms_since(started))
        counts = result.counts
        started = time.perf_counter()
        CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
        floors.append(ms_since(started))
    return Figure(
        name=f"import preview, {rows:,} rows (.xlsx)",
        median_ms=median(timed),
        floor_ms=floor_median(floors),
        target_ms=TARGET_MS,
        runs=runs,
        floor="reading the same file (calamine), nothing checked",
        note=f"outcomes {counts}; file {len(content) / 1024:.0f} KB",
        extra={"counts": counts},
    )
