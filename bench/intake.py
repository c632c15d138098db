"""The intake's bulk accept at national scale: a monitor accepts 300 reviewed drafts into the
directive with the most tasks while the task table holds the whole dataset
(``tasks.intake.services.intake_drafts_accept``, which checks each as ``task_create`` does and
writes them through ``tasks.services.tasks_create_many``). Each run is rolled back.

The floor inserts the same 300 tasks, their coordinating agencies and their history rows with
``bulk_create`` and nothing checked: the writing no accept can skip. Target: under 3 s (the
monitor waits for the answer in one request).
"""

from __future__ import annotations

import datetime as dt
import time

from agencies.models import Agency, Official
from bench.measure import Context, Figure, floor_median, median, ms_since, peak_mb, queries_of, rolled_back
from tasks.choices import ResultKind, TaskEventAction, TaskStatus
from tasks.intake.services import AcceptedDraft, intake_drafts_accept
from tasks.models import Directive, Task, TaskEvent

DRAFTS = 300
TARGET_MS = 3_000.0


def _drafts(ctx: Context, codes: list[str]) -> list[AcceptedDraft]:
    return [
        AcceptedDraft(
            title=f"Triển khai nhiệm vụ chuyển đổi số số {n} của bộ, ngành, địa phương",
            description="Nhiệm vụ đọc từ văn bản chỉ đạo (bench).",
            lead_agency=codes[n % len(codes)],
            coordinating_agencies=[codes[(n + 1) % len(codes)], codes[(n + 2) % len(codes)]],
            deadline=ctx.as_of + dt.timedelta(days=30 + n % 200),
            expected_result="Báo cáo kết quả thực hiện về Văn phòng Chính phủ",
            result_kind=ResultKind.DELIVERABLE,
        )
        for n in range(DRAFTS)
    ]


def intake_figure(ctx: Context) -> Figure:
    monitor = Official.objects.get(pk=ctx.monitor_id)
    directive = Directive.objects.get(pk=ctx.directive_id)
    agencies = list(Agency.objects.order_by("id")[:60])
    drafts = _drafts(ctx, [a.code for a in agencies])
    by_code = {a.code: a for a in agencies}

    def subject():
        return intake_drafts_accept(actor=monitor, directive=directive, drafts=drafts)

    def floor():
        tasks = Task.objects.bulk_create(
            [
                Task(
                    directive=directive,
                    code=f"BENCH-INTAKE-{n:04d}",
                    title=d.title,
                    description=d.description,
                    lead_agency=by_code[d.lead_agency or ""],
                    deadline=d.deadline,
                    original_deadline=d.deadline,
                    expected_result=d.expected_result,
                    result_kind=d.result_kind,
                    status=TaskStatus.DRAFT,
                    created_by=monitor,
                )
                for n, d in enumerate(drafts)
            ]
        )
        through = Task.coordinating_agencies.through
        through.objects.bulk_create(
            [
                through(task_id=t.pk, agency_id=by_code[code].pk)
                for t, d in zip(tasks, drafts, strict=True)
                for code in d.coordinating_agencies
            ]
        )
        TaskEvent.objects.bulk_create(
            [TaskEvent(task=t, actor=monitor, action=TaskEventAction.CREATED, changes={}) for t in tasks]
        )
        return tasks

    runs = max(1, min(ctx.runs, 5))
    created = len(rolled_back(subject)() or [])  # warm, and check it creates them all
    rolled_back(floor)()
    timed, floors = [], []
    for _ in range(runs):
        started = time.perf_counter()
        rolled_back(subject)()
        timed.append(ms_since(started))
        started = time.perf_counter()
        rolled_back(floor)()
        floors.append(ms_since(started))
    queries, _sql = queries_of(rolled_back(subject))
    return Figure(
        name=f"intake: accept {DRAFTS} drafts into a directive ({ctx.tasks:,} tasks in the table)",
        median_ms=median(timed),
        floor_ms=floor_median(floors),
        target_ms=TARGET_MS,
        queries=queries,
        peak_mb=peak_mb(rolled_back(subject)),
        runs=runs,
        floor=f"bulk_create of the same {DRAFTS} tasks, their coordinating agencies and history, unchecked",
        extra={"created": created, "directive_tasks": ctx.directive_tasks},
        checks={f"all {DRAFTS} created": created == DRAFTS},
    )
