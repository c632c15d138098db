"""The benchmark at a small size: the generated rows are consistent and the code reads them;
the floors count what the selectors count; the report has the documented shape.

No timing is asserted here: the figures themselves are `make bench`'s job."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.models import Count, F, Q

from agencies.choices import AgencyKind, Role
from agencies.models import Agency, Official
from bench import floors, measure, report
from bench.generator import Sizes, generate
from notifications.services import reminders_sweep
from tasks.choices import OPEN_STATUSES, ExtensionStatus, TaskStatus
from tasks.clears import all_clears_q
from tasks.models import Directive, ExtensionRequest, ProgressReport, Task, TaskOccurrence
from tasks.selectors import COUNTED_STATUSES, backlog_by_lead_agency, backlog_totals, task_list_for_user

AS_OF = dt.date(2025, 6, 16)  # a Monday, a working day
TASKS = 2000
DUE = 25


@pytest.fixture
def dataset(postgres_tx):
    # VACUUM and COPY need a real connection outside a test transaction: postgres_tx.
    return generate(Sizes(tasks=TASKS, officials=4000, due=DUE, as_of=AS_OF), progress=False)


def test_generated_rows_are_consistent(dataset):
    # Given a generated dataset of 2,000 tasks
    # Then the sizes are those asked for, and the agencies form a tree under ministries and provinces
    assert Task.objects.count() == TASKS
    assert Agency.objects.count() == 700
    assert Official.objects.count() == 4000
    assert dataset.rows["tasks_task"] == TASKS
    assert not Agency.objects.filter(kind=AgencyKind.DEPARTMENT, parent__isnull=True).exists()
    assert not Agency.objects.filter(parent__parent__isnull=False).exists()
    assert Official.objects.filter(role=Role.MONITOR).count() == 30
    # Every task that is not a draft has its five clears, and its people belong to its lead agency
    assert not Task.objects.exclude(status=TaskStatus.DRAFT).exclude(all_clears_q()).exists()
    assert Task.objects.filter(status=TaskStatus.DRAFT).exclude(all_clears_q()).count() == (
        Task.objects.filter(status=TaskStatus.DRAFT).count()
    )
    assert (
        not Task.objects.exclude(responsible_official__isnull=True)
        .exclude(responsible_official__agency=F("lead_agency"))
        .exists()
    )
    assert not Task.objects.exclude(accountable_leader__agency=F("lead_agency")).exists()
    # Only monitors create tasks (as the permissions say)
    assert set(Task.objects.values_list("created_by__role", flat=True).distinct()) == {Role.MONITOR}
    # Completed tasks have their dates in order, confirmed by the reference day; some are late
    completed = Task.objects.filter(status=TaskStatus.COMPLETED)
    assert completed.count() > TASKS / 2
    assert not completed.filter(
        Q(completion_date__isnull=True)
        | Q(completion_confirmed_on__lt=F("completion_date"))
        | Q(completion_confirmed_on__gt=AS_OF)
        | Q(submitted_at__isnull=True)
    ).exists()
    late = completed.filter(completion_date__gt=F("deadline")).count()
    assert 0.1 * completed.count() < late < 0.5 * completed.count()
    # About a fifth is open
    open_share = Task.objects.filter(status__in=OPEN_STATUSES).count() / TASKS
    assert 0.12 < open_share < 0.32, open_share
    # A task's deadline never comes before its directive, and an approved extension moved it later
    assert not Task.objects.filter(deadline__lt=F("directive__issued_on")).exists()
    assert not Task.objects.filter(deadline__lt=F("original_deadline")).exists()
    for extension in ExtensionRequest.objects.filter(status=ExtensionStatus.APPROVED).select_related("task"):
        assert extension.task.original_deadline == extension.current_deadline
        assert extension.task.deadline == extension.proposed_deadline
    # About three progress reports per task, dated within the task's life
    reports = ProgressReport.objects.count()
    assert 2.0 * TASKS < reports < 3.5 * TASKS
    assert not ProgressReport.objects.filter(reported_on__gt=AS_OF).exists()
    assert not ProgressReport.objects.filter(task__status=TaskStatus.DRAFT).exists()
    # Standing tasks have their occurrences, by the product's rule; the done ones dated by the day
    occurrences = TaskOccurrence.objects.filter(task__status__in=OPEN_STATUSES)
    assert occurrences.exists()
    assert not occurrences.filter(
        Q(completion_date__gt=AS_OF) | Q(completion_date__lt=F("period_start"))
    ).exists()
    assert not TaskOccurrence.objects.filter(task__recurrence="").exists()
    # Rows pass the models' own validation too (choices, lengths), not only the database's
    for task in Task.objects.order_by("?")[:40]:
        task.full_clean(validate_unique=False, validate_constraints=True)
    for directive in Directive.objects.order_by("?")[:20]:
        directive.full_clean(validate_unique=False)
    # Sequences continue after the generated ids
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('tasks_task', 'id'))")
        assert cursor.fetchone()[0] > Task.objects.order_by("-id").values_list("id", flat=True).first()


def test_selectors_and_floors_read_the_data_alike(dataset):
    # Given the dataset and a monitor
    monitor = Official.objects.filter(role=Role.MONITOR).first()
    # When the backlog is counted by the selector and by the hand-written SQL
    rows = backlog_by_lead_agency(task_list_for_user(monitor), AS_OF)
    hand = floors.backlog_sql_as_selector_rows(floors.backlog_sql(AS_OF))
    # Then they agree row for row, and the totals cover every counted task
    assert measure._selector_rows(rows) == hand
    counted = Task.objects.filter(status__in=COUNTED_STATUSES, deadline__isnull=False).count()
    occurrences = TaskOccurrence.objects.filter(period_start__lte=AS_OF, task__status__in=COUNTED_STATUSES)
    assert occurrences.exists()
    assert backlog_totals(rows)["total"] == counted + occurrences.count()
    # And a focal point sees only tasks of its agency (as lead or coordinator)
    agency = Task.objects.values("lead_agency").annotate(n=Count("id")).order_by("-n").first()["lead_agency"]
    focal = Official.objects.filter(role=Role.FOCAL_POINT, agency_id=agency).first()
    visible = task_list_for_user(focal)
    assert visible.filter(lead_agency_id=agency).count() == Task.objects.filter(lead_agency_id=agency).count()
    assert not visible.exclude(Q(lead_agency_id=agency) | Q(coordinating_agencies=agency)).exists()


def test_backlog_counts_on_the_task_table_and_reads_names_by_key(dataset):
    # Given the dataset and a monitor
    monitor = Official.objects.filter(role=Role.MONITOR).first()
    # When the uncached backlog selector runs
    count, sqls = measure.queries_of(lambda: backlog_by_lead_agency(task_list_for_user(monitor), AS_OF))
    # Then it makes three queries: whether any task moved to another agency after the date (none
    # in the generated data, so the plain grouping stands: tasks.selectors.lead_agency_key), a
    # count grouped by lead agency id on the task table with no join (the covering index serves
    # it) joined by UNION ALL to the count of standing tasks' occurrences, and one read of the
    # agencies by primary key
    assert count == 3
    moved, counts, names = sqls
    assert '"tasks_tasktransfer"' in moved and "LIMIT 1" in moved.upper()
    tasks_branch, occurrences_branch = counts.split("UNION ALL")
    assert '"tasks_task"' in tasks_branch and "JOIN" not in tasks_branch.upper()
    assert "GROUP BY" in tasks_branch.upper() and '"tasks_taskoccurrence"' in occurrences_branch
    assert '"agencies_agency"' in names and '"tasks_task"' not in names and " IN (" in names
    # And the count reads the covering index alone
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + counts.replace("%", "%%"))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "task_backlog_cover" in plan, plan


def test_exactly_the_chosen_number_of_tasks_is_due_for_the_sweep(dataset):
    # Given a dataset generated with 25 tasks due on the reference day
    assert dataset.due_tasks == DUE
    # When the real sweep runs on that day
    result = reminders_sweep(as_of=measure.sweep_instant(AS_OF), since=AS_OF)
    # Then it finds exactly those tasks
    assert result.tasks == DUE
    assert result.pending > 0


def test_report_has_the_documented_shape(dataset, tmp_path):
    # Given figures measured on the small dataset (one run each)
    ctx = measure.Context.load(AS_OF, runs=1)
    figures = measure.backlog_figures(ctx)
    # When the report is written
    data = report.payload(
        figures, tasks=TASKS, dataset={"as_of": AS_OF, "rows": dataset.rows}, started=ctx_now()
    )
    path = tmp_path / "benchmarks.json"
    report.write_json(path, data)
    written = json.loads(path.read_text())
    # Then it has the documented keys, and each figure its fields
    assert {"machine", "tasks", "figures"} <= set(written)
    assert written["tasks"] == TASKS
    assert written["machine"]["cores"] >= 1
    assert len(written["figures"]) == 3
    for figure in written["figures"]:
        assert {"name", "median_ms", "floor_ms", "ratio", "target_ratio", "queries", "peak_mb"} <= set(figure)
        assert figure["median_ms"] > 0 and figure["floor_ms"] > 0
        assert figure["ratio"] == pytest.approx(figure["median_ms"] / figure["floor_ms"], rel=1e-2)
        # whether a task moved after the date, the counts grouped on the task table alone, then
        # the agencies' names by key; the directive's filter first reads the directive it names
        assert figure["queries"] == (4 if "one directive" in figure["name"] else 3)
    # And the Markdown carries the same table
    text = report.markdown(data, figures)
    for figure in figures:
        assert figure.name in text
    assert report.table(figures).count("\n") == len(figures) + 1


def ctx_now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def test_the_sweep_floor_and_the_claim_fill_write_message_rows(dataset):
    # Given the outbox of one row per message (recipients in the row)
    from bench.generator import due_deadlines
    from notifications.models import EscalationRule, Reminder
    from notifications.services import reminders_claim

    now = measure.sweep_instant(AS_OF)
    rule = EscalationRule.objects.filter(is_active=True).earliest("offset")
    # When the sweep's floor runs: one message per due task, to its responsible official
    written = floors.sweep_floor(sorted(due_deadlines(AS_OF, 6)), rule.pk, AS_OF, now)
    rows = list(Reminder.objects.all())
    assert written == len(rows) > 0
    assert all(len(row.addressees) == 1 and row.level == 1 for row in rows)
    # and the claim's fill writes pending messages that the real claim takes, each once
    measure.empty_outbox()
    filled = measure.fill_outbox(40, now=now)
    claimed = reminders_claim(limit=100, now=now)
    assert filled == 40 and sorted(claimed) == sorted(Reminder.objects.values_list("id", flat=True))


def test_the_web_step_measures_each_page_beside_its_api_answer(dataset):
    from bench.web import web_figures

    figures = web_figures(measure.Context.load(AS_OF, runs=1))
    names = [f.name for f in figures]
    assert any("dashboard" in n for n in names) and any("clarity" in n for n in names)
    assert any("task page" in n for n in names) and any("agency page" in n for n in names)
    for figure in figures:
        # the checks that do not depend on the machine's speed hold at any size
        assert figure.checks["no OFFSET"] and figure.checks["no COUNT of tasks"], figure.name
        assert figure.checks["HTML <= 200 KB"], figure.name
        assert figure.queries > 0 and figure.floor_ms > 0, figure.name


def test_the_web_step_measures_each_role_s_daily_pages(dataset):
    from bench.web import web_figures

    figures = {f.name: f for f in web_figures(measure.Context.load(AS_OF, runs=1))}
    for page in ("morning view", "drafts list", "leader page", "focal point's home"):
        figure = next((f for name, f in figures.items() if page in name), None)
        assert figure is not None, page
        # each beside the answers that hold its data, with the pages' targets
        assert figure.floor_ms > 0 and figure.target_ratio == 2.0 and figure.target_ms == 300.0, page
    leader = next(f for name, f in figures.items() if "leader page" in name)
    assert leader.extra["rows"] > 0 and "hand-written SQL" in leader.extra["api"]


def test_the_export_step_downloads_the_filtered_list_beside_its_own_sql(dataset):
    from bench.exports import export_figures

    csv_figure, xlsx_figure = export_figures(measure.Context.load(AS_OF, runs=1))
    assert csv_figure.name.endswith(".csv") and xlsx_figure.name.endswith(".xlsx")
    # the floor wrote as many rows as the export holds tasks (the header aside)
    assert csv_figure.extra["rows"] > 0 and csv_figure.extra["kb"] > 0
    assert csv_figure.target_ms and csv_figure.target_ratio and xlsx_figure.target_ms


def test_the_intake_import_and_webhook_steps_write_and_roll_back(dataset):
    from bench.imports import import_confirm_figure
    from bench.intake import intake_figure
    from bench.webhooks import webhooks_figure
    from webhooks.models import WebhookDelivery, WebhookSubscription

    ctx = measure.Context.load(AS_OF, runs=1)
    tasks = Task.objects.count()
    intake = intake_figure(ctx)
    confirm = import_confirm_figure(ctx, rows=30)
    hooks = webhooks_figure(ctx)
    assert intake.checks["all 300 created"] and intake.floor_ms > 0
    assert confirm.extra["result"]["created"] > 0 and confirm.extra["failed"] == 0
    assert hooks.extra["entries"] > 0 and hooks.extra["created"] > 0
    # every run was rolled back: no task, subscription or delivery is left behind
    assert Task.objects.count() == tasks
    assert not WebhookSubscription.objects.exists() and not WebhookDelivery.objects.exists()
