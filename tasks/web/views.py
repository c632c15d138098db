"""The server-rendered web app: thin views over tasks.selectors (reads) and tasks.services (writes).

Every task is fetched with ``task_get_for_user`` (a 404 for a task the user may not see);
every change is a service call; a refusal is shown on the form it came from.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from agencies.auth import official_of
from agencies.choices import Role
from agencies.models import Official
from agencies.selectors import official_for_calendar_token
from agencies.services import official_calendar_token_reset, official_calendar_token_revoke
from common.cache import generation_cached
from common.errors import ServiceError
from tasks import exports, services
from tasks.choices import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Clear,
    ResultKind,
    TaskAction,
    TaskStatus,
    Timeliness,
)
from tasks.filtersets import TASK_ORDERINGS, BacklogFilterSet, ClarityFilterSet, TaskFilterSet
from tasks.models import EvidenceFile, ExtensionRequest, Task
from tasks.permissions import visibility_key
from tasks.selectors import (
    BACKLOG_COLUMNS,
    TASKS_GENERATION_KEY,
    awaiting_decision,
    backlog_report,
    backlog_totals,
    clarity_report,
    credited_agencies,
    deadline_feed_tasks,
    evidence_get_for_user,
    extension_get_for_user,
    on_time_rate,
    overdue_trend_report,
    task_list_for_user,
    with_signed_result,
    with_timeliness,
)
from tasks.web import charts
from tasks.web.forms import (
    AgencyChoiceForm,
    ConfirmForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProgressForm,
    ReturnForm,
    SignedResultForm,
    StartForm,
    SubmitResultForm,
    apply_service_error,
    web_filter_form,
)
from tasks.web.paging import CURSOR, keyset_links, keyset_page, list_page
from tasks.web.task_page import get_task, render_task, run_task_action

PAGE_SIZE = 50
SORTABLE = ("lead_agency__code", *BACKLOG_COLUMNS, "total", "rate")
#: The dashboard's first order: the agencies with the most overdue tasks first.
WORST_FIRST = f"-{Timeliness.IN_PROGRESS_OVERDUE.value}"
#: Agencies per page of the dashboard (table and chart): the worst at a glance, 700 on request.
DASHBOARD_ROWS = 25
#: Rows per page of each table of the clarity index.
CLARITY_ROWS = 50
#: The clarity index's page parameters, one per table.
CLARITY_PAGES = ("directive_page", "agency_page")


# --- login -------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login, telling the user the lockout rule up front, and opening the app in the
    official's preferred language unless they already chose one."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["cooloff_minutes"] = _cooloff_minutes()
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if settings.LANGUAGE_COOKIE_NAME not in self.request.COOKIES and user.language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
            )
        return response


def _cooloff_minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    if isinstance(cooloff, int | float):
        return round(cooloff * 60)
    if isinstance(cooloff, dt.timedelta):
        return round(cooloff.total_seconds() / 60)
    return 0


# --- helpers -----------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _task_list_url(params: QueryDict) -> str:
    query = params.urlencode()
    return reverse("web:task_list") + ("?" + query if query else "")


def _link(params: QueryDict, **changes) -> str:
    """A task list link: the page's filters with some replaced (a value or a list of them)."""
    query = params.copy()
    for name, value in changes.items():
        query.setlist(name, value if isinstance(value, list | tuple) else [value])
    return _task_list_url(query)


def _page_links(request: HttpRequest, page, name: str = "page") -> dict:
    """The links of a page of rows: previous, next, all of them, the first pages again."""

    def to(value) -> str:
        query = request.GET.copy()
        query[name] = str(value)
        return "?" + query.urlencode()

    return {
        "previous": to(page.number - 1) if page.has_previous else None,
        "next": to(page.number + 1) if page.has_next else None,
        "all": to("all") if page.num_pages > 1 else None,
        "paged": to(1) if page.everything else None,
    }


def _rows_with_links(rows: list[dict], base_params: QueryDict, as_of: dt.date) -> list[dict]:
    for row in rows:
        code = row["lead_agency__code"]
        params = {"lead_agency": code, "as_of": as_of.isoformat()}
        row["links"] = {c: _link(base_params, **params, timeliness=c) for c in BACKLOG_COLUMNS}
        row["links"]["total"] = _link(base_params, **params, timeliness=list(BACKLOG_COLUMNS))
    return rows


#: Web filter names before the pages and the API shared one FilterSet, kept so that bookmarks
#: still open: old name -> today's. ``timeliness=counted`` (a dashboard total) is now the four.
RENAMED_FILTERS = {"q": "search", "agency_kind": "lead_agency_kind"}
TIMELINESS_COUNTED = "counted"


def renamed_filters(view):
    """Send a bookmark that uses an old filter name to the same page with today's names (301),
    the one place that knows them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        query = request.GET
        old = any(name in query for name in RENAMED_FILTERS)
        if not old and TIMELINESS_COUNTED not in query.getlist("timeliness"):
            return view(request, *args, **kwargs)
        renamed = QueryDict(mutable=True)
        for name, values in query.lists():
            for value in values:
                if name == "timeliness" and value == TIMELINESS_COUNTED:
                    for column in BACKLOG_COLUMNS:
                        renamed.appendlist(name, column)
                else:
                    renamed.appendlist(RENAMED_FILTERS.get(name, name), value)
        return redirect(f"{request.path}?{renamed.urlencode()}", permanent=True)

    return wrapper


def _filtered(
    request: HttpRequest, filterset_class, *, page_params: tuple[str, ...] = (), data: QueryDict | None = None
):
    """The page's FilterSet over the user's tasks, from the query string (or ``data``, the query
    string with the page's defaults), as the API builds it.

    A parameter the page does not know is an error on the form (the API answers 400), and an
    invalid filter shows its error and no tasks rather than an unfiltered list. Returns the
    filterset, its form dressed for the page, and whether the filters are valid.
    """
    filterset = filterset_class(
        data=request.GET if data is None else data,
        queryset=task_list_for_user(official_of(request)),
        request=request,
    )
    form = web_filter_form(filterset)
    valid = filterset.is_valid()
    for name in request.GET:
        if name not in filterset.base_filters and name not in page_params:
            form.add_error(None, _("“%(name)s” is not a filter of this page.") % {"name": name})
            valid = False
    return filterset, form, valid


def _link_params(request: HttpRequest) -> QueryDict:
    """The page's filters, to carry into its links (the page's own sort and page left out)."""
    params = request.GET.copy()
    for name in ("sort", "page"):
        params.pop(name, None)
    return params


def _one_directive(filterset):
    """The directive the page is about, when the filters name exactly one."""
    cleaned = getattr(filterset.form, "cleaned_data", None) or {}
    chosen = {d for name in ("directive", "directive_number") for d in (cleaned.get(name) or [])}
    return chosen.pop() if len(chosen) == 1 else None


def _sort_rows(rows: list[dict], sort: str) -> tuple[list[dict], str]:
    """Rows by a column (missing values last either way), ties by agency code."""
    key = sort.lstrip("-")
    if key not in SORTABLE:
        sort, key = WORST_FIRST, WORST_FIRST.lstrip("-")
    descending = sort.startswith("-")
    rows = sorted(rows, key=lambda row: row["lead_agency__code"] or "")

    def value(row):
        v = row.get(key)
        if v is None:
            return (0, 0) if descending else (1, 0)
        return (1, v) if descending else (0, v)

    return sorted(rows, key=value, reverse=descending), sort


def _backlog_for_request(request: HttpRequest):
    """The backlog's filters from the query string, then the counts by the one selector the API
    uses: the dashboard and ``/api/v1/reports/backlog/`` answer the same question."""
    filterset, form, valid = _filtered(request, BacklogFilterSet, page_params=("sort", "page"))
    as_of = filterset.as_of_date
    queryset = filterset.qs if valid else Task.objects.none()
    rows = backlog_report(queryset, as_of, filterset.attribution) if valid else []
    totals = backlog_totals(rows)
    return form, valid, queryset, rows, totals, as_of, _link_params(request), _one_directive(filterset)


def _page(request: HttpRequest, template: str, namespace: str, seconds: int, content) -> HttpResponse:
    """A page whose content is kept whole in the shared cache, as the API keeps its answers
    (``common.api.responses.cached_json``): for ``seconds``, shared by those who see the same
    tasks, keyed on the language, today's date (the default "as of") and the whole URL, and
    dropped by any change of a task (the tasks generation). ``content(request)`` gives the
    content's template, context and status; the page around it (the menu, the messages, the
    CSRF tokens) is drawn for each request."""

    def draw() -> tuple[str, int]:
        name, context, status = content(request)
        return render_to_string(name, context, request=request), status

    fingerprint = "|".join(
        (
            visibility_key(official_of(request)),
            get_language() or "",
            timezone.localdate().isoformat(),
            request.get_full_path(),
        )
    )
    html, status = generation_cached(
        f"{namespace}:html", fingerprint, seconds, draw, generation_key=TASKS_GENERATION_KEY
    )
    return render(request, template, {"content": mark_safe(html)}, status=status)  # noqa: S308 (our own render)


# --- pages -------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = official_of(request)
    if user.is_monitor:
        return redirect("web:dashboard")
    if user.role == Role.LEADER:
        return redirect("web:leader")
    return redirect("web:agency")


@login_required
@require_GET
@renamed_filters
def dashboard(request: HttpRequest) -> HttpResponse:
    """The backlog, the worst agencies first (most overdue), a page of them in the table and the
    chart; the rest a page away or all on request, so the page stays small at any scale."""
    return _page(
        request, "web/dashboard.html", "dashboard", settings.BACKLOG_CACHE_SECONDS, _dashboard_content
    )


def _dashboard_content(request: HttpRequest) -> tuple[str, dict, int]:
    form, valid, queryset, rows, totals, as_of, params, directive = _backlog_for_request(request)
    totals["rate"] = on_time_rate(totals)
    totals["links"] = {c: _link(params, as_of=as_of.isoformat(), timeliness=c) for c in BACKLOG_COLUMNS}
    totals["links"]["total"] = _link(params, as_of=as_of.isoformat(), timeliness=list(BACKLOG_COLUMNS))
    for row in rows:
        row["rate"] = on_time_rate(row)
    rows, sort = _sort_rows(rows, request.GET.get("sort", WORST_FIRST))
    requested = request.GET.get("page")
    page = list_page(rows, requested, size=DASHBOARD_ROWS, everything=requested == "all")
    rows = _rows_with_links(page.object_list, params, as_of)
    sort_links = {}
    for key in SORTABLE:
        direction = key if sort != key else f"-{key}"
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = direction
        sort_links[key] = "?" + query.urlencode()
    export_query = request.GET.copy()
    export_query.pop("sort", None)
    export_query.pop("page", None)
    trend = overdue_trend_report(queryset, charts.month_ends(as_of)) if valid else []
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "page_links": _page_links(request, page),
        "totals": totals,
        "as_of": as_of,
        "directive": directive,
        "columns": [(c, Timeliness(c).label) for c in BACKLOG_COLUMNS],
        "sort": sort,
        "sort_links": sort_links,
        "export_query": export_query.urlencode(),
        "bars": charts.backlog_bars(rows),
        "trend": charts.trend_line(trend),
        "trend_points": trend,
    }
    return "web/_dashboard_content.html", context, 200 if valid else 400


@login_required
@require_GET
@renamed_filters
def dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    form, valid, _queryset, rows, totals, as_of, _params, directive = _backlog_for_request(request)
    if not valid:
        return _refused_export(form)
    table = exports.backlog_table(rows, totals)
    headers = exports.backlog_headers()
    stem = f"backlog-{as_of.isoformat()}"
    if fmt == "xlsx":
        content = exports.to_xlsx(
            title=exports.report_title("backlog", directive, as_of),
            subtitle=_exported_by(request),
            headers=headers,
            table=table,
            sheet=_("Backlog"),
        )
        return _download(content, exports.XLSX_CONTENT_TYPE, f"{stem}.xlsx")
    return _download(exports.to_csv(headers=headers, table=table), exports.CSV_CONTENT_TYPE, f"{stem}.csv")


def _refused_export(form) -> HttpResponse:
    """No file for filters that do not hold: the errors, as plain text, with a 400."""
    lines = [str(message) for errors in form.errors.values() for message in errors]
    return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


def _exported_by(request: HttpRequest) -> str:
    return _("Exported from Five Clear by %(user)s on %(date)s") % {
        "user": official_of(request).get_full_name() or official_of(request).username,
        "date": _today().strftime("%d/%m/%Y"),
    }


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
@renamed_filters
def clarity(request: HttpRequest) -> HttpResponse:
    """The clarity index by directive and by lead agency, a page of each table at a time (the
    counts are one grouped query each, kept in the shared cache as the backlog's are)."""
    return _page(request, "web/clarity.html", "clarity", settings.BACKLOG_CACHE_SECONDS, _clarity_content)


def _clarity_content(request: HttpRequest) -> tuple[str, dict, int]:
    filterset, form, valid = _filtered(request, ClarityFilterSet, page_params=CLARITY_PAGES)
    report: dict[str, list[dict]] = {"by_directive": [], "by_agency": []}
    if valid:
        report = clarity_report(filterset.qs, as_of=filterset.as_of_date, attribution=filterset.attribution)
    pages: dict[str, dict[str, Any]] = {}
    tables = (("directives", report["by_directive"]), ("agencies", report["by_agency"]))
    for (key, rows), name in zip(tables, CLARITY_PAGES, strict=True):
        requested = request.GET.get(name)
        page = list_page(rows, requested, size=CLARITY_ROWS, everything=requested == "all")
        pages[key] = {"page": page, "links": _page_links(request, page, name)}
    context = {
        "form": form,
        "by_directive": pages["directives"]["page"].object_list,
        "by_agency": pages["agencies"]["page"].object_list,
        "pages": pages,
        "clears": [(c.value, c.label) for c in Clear],
    }
    return "web/_clarity_content.html", context, 200 if valid else 400


#: The task list's tabs and the statuses each shows: the work in hand (overdue first, as the
#: list runs by deadline), the drafts apart from it, the closed tasks, everything.
TASK_TABS = (
    ("open", _lazy("Open"), tuple(OPEN_STATUSES)),
    ("drafts", _lazy("Drafts"), (TaskStatus.DRAFT,)),
    ("closed", _lazy("Closed"), tuple(CLOSED_STATUSES)),
    ("all", _lazy("All"), tuple(TaskStatus)),
)
#: Filters that already say which tasks are wanted: with none of them the list opens on its
#: first tab (a search looks everywhere; a timeliness names its own statuses).
STATUS_NAMING = ("status", "timeliness", "search")


def _task_list_data(request: HttpRequest) -> QueryDict:
    """The query string with the list's default: a list asked for no status, timeliness or
    search shows the open tasks, so drafts and closed tasks never come before overdue ones.
    The default is put in as an ordinary ``status`` filter, so the form shows it and the list
    is the API's answer to the same statuses."""
    data = request.GET
    if any(name in data for name in STATUS_NAMING):
        return data
    with_default = data.copy()
    with_default.setlist("status", [str(status) for status in TASK_TABS[0][2]])
    return with_default


def _task_tabs(request: HttpRequest, filterset) -> list[dict]:
    """Each tab as a link keeping the other filters, and which one the chosen statuses are."""
    cleaned = getattr(filterset.form, "cleaned_data", None) or {}
    chosen = set(cleaned.get("status") or ())
    params = request.GET.copy()
    for name in ("status", CURSOR):
        params.pop(name, None)
    tabs = []
    for key, label, statuses in TASK_TABS:
        params.setlist("status", [str(status) for status in statuses])
        tabs.append(
            {
                "key": key,
                "label": label,
                "url": _task_list_url(params),
                "current": chosen == {str(status) for status in statuses},
            }
        )
    return tabs


def _task_list_queryset(request: HttpRequest):
    """The task list's filters and order: those of ``/api/v1/tasks/``, the same ids in the same
    order (both page by keyset)."""
    filterset, form, valid = _filtered(
        request, TaskFilterSet, page_params=(CURSOR,), data=_task_list_data(request)
    )
    as_of = filterset.as_of_date
    queryset = filterset.ordered() if valid else Task.objects.none()
    return form, valid, queryset, as_of, filterset


def _tasks_shown(rows: list[dict], as_of: dt.date) -> list[Task]:
    """The page's tasks with what the table shows, by id in the page's order (one query)."""
    ids = [row["id"] for row in rows]
    tasks = with_timeliness(Task.objects.filter(pk__in=ids), as_of).select_related(
        "directive", "lead_agency", "responsible_official"
    )
    by_id = {task.pk: task for task in tasks}
    return [by_id[pk] for pk in ids if pk in by_id]


def _keyset_tasks(request: HttpRequest, queryset, default: str, as_of: dt.date):
    """A keyset page of ``queryset`` (the API's paginator), its tasks and the links to the next
    and the first page; or, for a cursor from another ordering, the errors to show."""
    try:
        page = keyset_page(request, queryset, orderings=TASK_ORDERINGS, default=default, page_size=PAGE_SIZE)
    except ValidationError as exc:
        return [], None, exc.messages
    return _tasks_shown(page.object_list, as_of), keyset_links(request, page), []


@login_required
@require_GET
@renamed_filters
def task_list(request: HttpRequest) -> HttpResponse:
    """A keyset page of tasks, the open ones first (overdue first), the drafts on their tab."""
    return _page(
        request, "web/task_list.html", "task-list", settings.TASK_LIST_CACHE_SECONDS, _task_list_content
    )


def _task_list_content(request: HttpRequest) -> tuple[str, dict, int]:
    form, valid, queryset, as_of, filterset = _task_list_queryset(request)
    tasks, pager = [], None
    if valid:
        tasks, pager, errors = _keyset_tasks(request, queryset, filterset.ordering_name, as_of)
        for message in errors:
            form.add_error(None, message)
        valid = not errors
    export_query = request.GET.copy()
    export_query.pop(CURSOR, None)
    context = {
        "form": form,
        "tasks": tasks,
        "pager": pager,
        "tabs": _task_tabs(request, filterset) if valid else [],
        "as_of": as_of,
        "directive": _one_directive(filterset),
        "export_query": export_query.urlencode(),
    }
    return "web/_task_list_content.html", context, 200 if valid else 400


@login_required
@require_GET
@renamed_filters
def task_list_export(request: HttpRequest, fmt: str) -> HttpResponse:
    form, valid, queryset, as_of, filterset = _task_list_queryset(request)
    if not valid:
        return _refused_export(form)
    if exports.too_many_to_export(queryset):
        message = _(
            "More than %(limit)s tasks match these filters, too many for one file. Narrow the list "
            "(an agency, a status, a deadline range) and export again, or read it page by page "
            "through the API."
        ) % {"limit": f"{settings.EXPORT_MAX_ROWS:,}"}
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    directive, attribution = _one_directive(filterset), filterset.attribution
    rows = with_timeliness(with_signed_result(queryset), as_of).select_related(
        "directive", "lead_agency", "responsible_official"
    )
    table = exports.task_table(rows, credited_agencies(rows, as_of, attribution))
    headers = exports.task_headers()
    stem = f"tasks-{as_of.isoformat()}"
    if fmt == "xlsx":
        content = exports.to_xlsx(
            title=exports.report_title("tasks", directive, as_of),
            subtitle=_exported_by(request),
            headers=headers,
            table=table,
            sheet=_("Tasks"),
        )
        return _download(content, exports.XLSX_CONTENT_TYPE, f"{stem}.xlsx")
    return _download(exports.to_csv(headers=headers, table=table), exports.CSV_CONTENT_TYPE, f"{stem}.csv")


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_task(request, get_task(request, pk))


@login_required
@require_POST
def task_start(request: HttpRequest, pk: int) -> HttpResponse:
    def call(task, data):
        services.task_start(actor=official_of(request), task=task, expected_version=data["version"])
        return _("Work on the task has started.")

    return run_task_action(request, pk, TaskAction.START, StartForm, call)


@login_required
@require_POST
def task_progress(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)

    def call(task, data):
        services.progress_report_submit(
            actor=official_of(request),
            task=task,
            note=data.get("note") or "",
            percent=data.get("percent"),
            indicator_value=data.get("indicator_value"),
            evidence=data.get("evidence") or [],
            expected_version=data["version"],
        )
        return _("Your progress report was recorded.")

    return run_task_action(
        request,
        pk,
        TaskAction.REPORT_PROGRESS,
        ProgressForm,
        call,
        indicator=task.result_kind == ResultKind.INDICATOR,
    )


@login_required
@require_POST
def task_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def call(task, data):
        services.task_submit(
            actor=official_of(request),
            task=task,
            result_summary=data.get("result_summary") or "",
            expected_version=data["version"],
        )
        return _("The result was submitted to the Government Office for confirmation.")

    return run_task_action(request, pk, TaskAction.SUBMIT, SubmitResultForm, call)


@login_required
@require_POST
def task_extension(request: HttpRequest, pk: int) -> HttpResponse:
    def call(task, data):
        services.extension_request_create(
            actor=official_of(request),
            task=task,
            proposed_deadline=data["proposed_deadline"],
            reason=data.get("reason") or "",
            expected_version=data["version"],
        )
        return _("Your extension request was sent to the Government Office.")

    return run_task_action(request, pk, TaskAction.REQUEST_EXTENSION, ExtensionRequestForm, call)


@login_required
@require_POST
def task_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    def call(task, data):
        services.task_confirm(actor=official_of(request), task=task, expected_version=data["version"])
        return _("The result is confirmed; the task is completed.")

    return run_task_action(request, pk, TaskAction.CONFIRM, ConfirmForm, call)


@login_required
@require_POST
def task_signed_result(request: HttpRequest, pk: int) -> HttpResponse:
    def call(task, data):
        required = data["requires_signed_result"]
        services.task_update(
            actor=official_of(request),
            task=task,
            expected_version=data["version"],
            requires_signed_result=required,
        )
        if required:
            return _("Confirming this task now needs a validly signed PDF from the lead agency.")
        return _("This task no longer needs a signed result to be confirmed.")

    return run_task_action(request, pk, "signed", SignedResultForm, call)


@login_required
@require_POST
def task_return(request: HttpRequest, pk: int) -> HttpResponse:
    def call(task, data):
        services.task_return(
            actor=official_of(request),
            task=task,
            reason=data.get("reason") or "",
            expected_version=data["version"],
        )
        return _("The result was returned to the agency.")

    return run_task_action(request, pk, TaskAction.RETURN, ReturnForm, call)


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        extension = extension_get_for_user(user=official_of(request), extension_id=pk)
    except (ExtensionRequest.DoesNotExist, Task.DoesNotExist):
        raise Http404(_("No such extension request.")) from None
    task = get_task(request, extension.task_id)
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.extension_request_decide(
                actor=official_of(request),
                extension=extension.pk,
                approve=approve,
                note=form.cleaned_data["note"],
            )
        except (ServiceError, ValidationError) as exc:
            status = apply_service_error(form, exc)
            return render_task(
                request, get_task(request, task.pk), bound={"decide": {pk: form}}, status=status
            )
        messages.success(
            request,
            _("The extension was approved; the deadline has moved.")
            if approve
            else _("The extension was rejected."),
        )
        return redirect("web:task_detail", pk=task.pk)
    return render_task(request, task, bound={"decide": {pk: form}}, status=400)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Evidence is never public: each download is authorized through its task."""
    try:
        evidence = evidence_get_for_user(user=official_of(request), evidence_id=pk)
    except (EvidenceFile.DoesNotExist, Task.DoesNotExist):
        raise Http404(_("No such file.")) from None
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _agency_open_tasks(request: HttpRequest, agency, as_of: dt.date):
    """An agency's open tasks, as lead or coordinator, soonest deadline first (standing tasks
    last): the task list's FilterSet asked for ``agency`` and the open statuses, so this page,
    the task list and the API agree on what an agency's work is."""
    query = QueryDict(mutable=True)
    query.setlist("agency", [agency.code])
    query.setlist("status", [str(status) for status in OPEN_STATUSES])
    filterset = TaskFilterSet(data=query, queryset=task_list_for_user(official_of(request)), request=request)
    if not filterset.is_valid():  # the agency came from the database: nothing here can fail
        raise ValidationError(filterset.errors)
    return filterset.ordered()


@login_required
@require_GET
def agency_work(request: HttpRequest) -> HttpResponse:
    """A focal point's agency's open tasks, soonest deadline first; for a monitor, what waits
    for a decision, and any agency's list on request."""
    user = official_of(request)
    as_of = _today()
    chooser = None
    agency = user.agency
    waiting = None
    if user.is_monitor:
        chooser = AgencyChoiceForm(request.GET or None)
        agency = chooser.cleaned_data.get("agency") if chooser.is_bound and chooser.is_valid() else None
        waiting = awaiting_decision(user)
    tasks, pager, errors = [], None, []
    if agency is not None:
        tasks, pager, errors = _keyset_tasks(
            request, _agency_open_tasks(request, agency, as_of), "deadline", as_of
        )
    return render(
        request,
        "web/agency.html",
        {
            "agency": agency,
            "tasks": tasks,
            "pager": pager,
            "chooser": chooser,
            "waiting": waiting,
            "as_of": as_of,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Where an official makes (or turns off) the secret address of their deadline feeds."""
    token = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            official_calendar_token_revoke(official=official_of(request))
            messages.success(request, _("Your calendar feeds are switched off."))
            return redirect("web:calendar")
        token = official_calendar_token_reset(official=official_of(request))
    feeds = None
    if token:
        feeds = {
            scope: request.build_absolute_uri(reverse("web:ical_feed", args=[token, scope]))
            for scope in ("mine", "agency")
        }
    return render(
        request,
        "web/calendar.html",
        {"feeds": feeds, "has_token": bool(official_of(request).calendar_token_hash)},
    )


@require_GET
def ical_feed(request: HttpRequest, token: str, scope: str) -> HttpResponse:
    """The deadlines feed; the secret in the address is the only credential calendars send."""
    try:
        official = official_for_calendar_token(token)
    except Official.DoesNotExist:
        raise Http404 from None
    tasks = deadline_feed_tasks(official, scope)
    name = (
        _("Five Clear: my deadlines")
        if scope == "mine"
        else _("Five Clear: deadlines of %(agency)s")
        % {"agency": official.agency.code if official.agency else ""}
    )
    content = exports.deadlines_ical(
        tasks=tasks,
        name=name,
        site_url=request.build_absolute_uri("/"),
        task_path=lambda task: reverse("web:task_detail", args=[task.pk]),
    )
    response = HttpResponse(content, content_type=exports.ICS_CONTENT_TYPE)
    response["Cache-Control"] = "private, max-age=300"
    return response
