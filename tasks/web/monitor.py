"""The Government Office monitor's daily job: the morning view (what fell overdue, what waits
for a decision), the drafts list with one action on many drafts, and completing, assigning
or returning one draft from its page. Thin views: the reads are ``tasks.selectors``, the
writes ``tasks.services``."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from agencies.auth import official_of
from agencies.models import Official
from common.errors import ServiceError
from tasks import services
from tasks.choices import OPEN_STATUSES
from tasks.selectors import drafts_for_user, morning_view
from tasks.web.daily_forms import DraftClearsForm, DraftReturnForm, DraftsBulkForm, MorningForm
from tasks.web.forms import apply_service_error
from tasks.web.paging import keyset_links, keyset_page
from tasks.web.task_page import get_task, render_task, run_task_action

DRAFTS_PAGE_SIZE = 50
#: The drafts in the order they were written (read in from their directive), by primary key:
#: the one keyset order (``tasks.web.paging``) an index serves for any number of drafts.
DRAFT_ORDER = "id"
DRAFT_ORDERINGS: dict[str, tuple[str, ...]] = {DRAFT_ORDER: ("id",)}


def _monitor(request: HttpRequest) -> Official:
    user = official_of(request)
    if not user.is_monitor:
        raise PermissionDenied(_("Only a Government Office monitor uses this page."))
    return user


@login_required
@require_GET
def morning(request: HttpRequest) -> HttpResponse:
    """What a monitor opens first: the tasks that fell overdue since yesterday (or a chosen
    day), the results waiting for confirmation and the extension requests waiting, each a link."""
    user = _monitor(request)
    form = MorningForm(request.GET or None)
    since = form.cleaned_data.get("since") if form.is_bound and form.is_valid() else None
    today = timezone.localdate()
    view = morning_view(user, today=today, since=since)
    if not form.is_bound:
        form = MorningForm(initial={"since": view["since"]})
    status = 400 if form.is_bound and not form.is_valid() else 200
    all_overdue = _newly_overdue_link(view["since"], today)
    return render(
        request, "web/morning.html", {"form": form, "all_overdue": all_overdue, **view}, status=status
    )


def _newly_overdue_link(since: dt.date, today: dt.date) -> str:
    """The task list of every task the morning view counts as fallen overdue (it lists the
    first of them): the open statuses, deadlines from ``since`` to the day before ``today``."""
    query = [("status", str(status)) for status in OPEN_STATUSES]
    query += [
        ("deadline_after", since.isoformat()),
        ("deadline_before", (today - dt.timedelta(days=1)).isoformat()),
    ]
    return f"{reverse('web:task_list')}?{urlencode(query)}"


def _drafts_page(request: HttpRequest, user: Official, bulk: DraftsBulkForm | None = None, status: int = 200):
    """A keyset page of the drafts (``tasks.web.paging``), as the task list pages: at national
    scale an OFFSET page reads and throws away every draft before it, and a COUNT reads them all."""
    if bulk is None:
        bulk = DraftsBulkForm()
    drafts = drafts_for_user(user)
    try:
        page = keyset_page(
            request, drafts, orderings=DRAFT_ORDERINGS, default=DRAFT_ORDER, page_size=DRAFTS_PAGE_SIZE
        )
    except ValidationError as exc:
        tasks, pager, errors, status = [], None, exc.messages, 400
    else:
        errors = []
        ids = [row["id"] for row in page.object_list]
        by_id = drafts.in_bulk(ids)
        tasks, pager = [by_id[pk] for pk in ids if pk in by_id], keyset_links(request, page)
    ticked = set(request.POST.getlist("tasks")) if bulk.is_bound else set()
    return render(
        request,
        "web/drafts.html",
        {
            "tasks": tasks,
            "pager": pager,
            "page_errors": errors,
            "bulk": bulk,
            "ticked": {int(pk) for pk in ticked if pk.isdigit()},
        },
        status=status,
    )


@login_required
@require_GET
def drafts(request: HttpRequest) -> HttpResponse:
    """The drafts, each with the clears it lacks, ticked for one action on many at once."""
    return _drafts_page(request, _monitor(request))


@login_required
@require_POST
def drafts_bulk(request: HttpRequest) -> HttpResponse:
    user = _monitor(request)
    ids = drafts_for_user(user).values_list("pk", flat=True)
    form = DraftsBulkForm(
        request.POST, task_ids=list(ids.filter(pk__in=_ints(request.POST.getlist("tasks"))))
    )
    if not form.is_valid():
        return _drafts_page(request, user, form, status=400)
    data = form.cleaned_data
    try:
        if data["action"] == DraftsBulkForm.ASSIGN:
            outcome = services.drafts_assign_many(actor=user, task_ids=data["tasks"], **form.clears())
            done = ngettext("%(count)d draft assigned.", "%(count)d drafts assigned.", len(outcome.done))
        else:
            outcome = services.drafts_return_many(actor=user, task_ids=data["tasks"], reason=data["reason"])
            done = ngettext("%(count)d draft returned.", "%(count)d drafts returned.", len(outcome.done))
    except (ServiceError, ValidationError) as exc:
        status = apply_service_error(form, exc)
        return _drafts_page(request, user, form, status=status)
    if outcome.done:
        messages.success(request, done % {"count": len(outcome.done)})
    for task, reason in outcome.refused:
        messages.error(
            request, _("%(code)s was left as it was: %(reason)s") % {"code": task.code, "reason": reason}
        )
    return redirect("web:drafts")


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


# --- one draft, on its task page ---------------------------------------------------------------


@login_required
@require_POST
def draft_clears(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a draft's clears ("save"), or save them and assign it ("assign"), in one step."""
    task = get_task(request, pk)
    form = DraftClearsForm(request.POST, task=task)
    assign = request.POST.get("then") == "assign"
    if form.is_valid():
        user = official_of(request)
        try:
            if assign:
                services.draft_assign(
                    actor=user, task=task, expected_version=form.cleaned_data["version"], **form.clears()
                )
            else:
                services.task_update(
                    actor=user, task=task, expected_version=form.cleaned_data["version"], **form.clears()
                )
        except (ServiceError, ValidationError) as exc:
            status = apply_service_error(form, exc)
            return render_task(request, get_task(request, pk), bound={"draft_clears": form}, status=status)
        task = get_task(request, pk)
        if assign and task.lead_agency is not None:  # an assigned task has its lead agency
            messages.success(
                request, _("The task was assigned to %(code)s.") % {"code": task.lead_agency.code}
            )
        elif task.missing_clears:
            messages.success(request, _("The clears were saved; the draft still lacks some."))
        else:
            messages.success(request, _("The draft has all five clears; it can be assigned."))
        return redirect("web:task_detail", pk=pk)
    return render_task(request, task, bound={"draft_clears": form}, status=400)


@login_required
@require_POST
def draft_return(request: HttpRequest, pk: int) -> HttpResponse:
    def call(task, data):
        services.draft_return(
            actor=official_of(request),
            task=task,
            reason=data.get("reason") or "",
            expected_version=data["version"],
        )
        return _("The draft was returned: it is cancelled, with your reason in its history.")

    return run_task_action(request, pk, "draft_return", DraftReturnForm, call)
