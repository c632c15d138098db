"""The agency leader's page: the agency's officials with their open, overdue and late
tasks, and the open tasks the agency leads, each with a way to make another official of
the agency responsible (``tasks.services.task_reassign``, which checks and records it)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.auth import official_of
from agencies.choices import Role
from agencies.models import Agency, Official
from common.errors import ServiceError
from tasks import services
from tasks.choices import OPEN_STATUSES, Timeliness
from tasks.filtersets import TASK_ORDERINGS
from tasks.models import Task
from tasks.selectors import agency_officials_workload, task_list_for_user, with_timeliness
from tasks.web.daily_forms import ReassignForm, agency_people
from tasks.web.forms import apply_service_error
from tasks.web.paging import keyset_links, keyset_page
from tasks.web.task_page import get_task, render_task

PAGE_SIZE = 50


def _leader(request: HttpRequest) -> tuple[Official, Agency]:
    """The signed-in leader and the agency they lead; anyone else is refused."""
    user = official_of(request)
    if user.role != Role.LEADER or user.agency is None:
        raise PermissionDenied(_("This page is for an agency's leaders."))
    return user, user.agency


def _list_link(task_list: str, username: str, **filters) -> str:
    """The task list (``task_list``, its address) of one official, filtered: the same list the
    API answers."""
    query = [("responsible", username)]
    query += [(name, str(value)) for name, values in filters.items() for value in values]
    return f"{task_list}?{urlencode(query)}"


def _page(
    request: HttpRequest, user: Official, agency: Agency, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    # (official, links to their open, overdue and late tasks in the list)
    task_list = reverse("web:task_list")
    officials = [
        (
            person,
            {
                "open": _list_link(task_list, person.username, status=OPEN_STATUSES),
                "overdue": _list_link(
                    task_list, person.username, timeliness=[Timeliness.IN_PROGRESS_OVERDUE]
                ),
                "late": _list_link(task_list, person.username, timeliness=[Timeliness.COMPLETED_LATE]),
            },
        )
        for person in agency_officials_workload(agency=agency, as_of=today)
    ]
    open_tasks = task_list_for_user(user).filter(lead_agency_id=agency.pk, status__in=OPEN_STATUSES)
    # Keyset pages, soonest deadline first, as the agency page and the task list: no COUNT of
    # the agency's open tasks and no OFFSET past them (``tasks.web.paging``).
    try:
        page = keyset_page(
            request, open_tasks, orderings=TASK_ORDERINGS, default="deadline", page_size=PAGE_SIZE
        )
    except ValidationError as exc:
        tasks, pager, errors = [], None, exc.messages
    else:
        ids = [row["id"] for row in page.object_list]
        by_id = (
            with_timeliness(Task.objects.filter(pk__in=ids), today)
            .select_related("directive", "lead_agency", "responsible_official")
            .in_bulk(ids)
        )
        tasks, pager, errors = [by_id[pk] for pk in ids if pk in by_id], keyset_links(request, page), []
    bound = bound or {}
    people = agency_people(agency.pk)
    forms = {
        task.pk: bound.get(task.pk)
        or ReassignForm(initial={"version": task.version}, people=people, task=task)
        for task in tasks
    }
    return render(
        request,
        "web/leader.html",
        {
            "agency": agency,
            "officials": officials,
            "tasks": tasks,
            "pager": pager,
            "page_errors": errors,
            "forms": forms,
            "today": today,
        },
        status=400 if errors else status,
    )


@login_required
@require_GET
def leader_page(request: HttpRequest) -> HttpResponse:
    return _page(request, *_leader(request))


@login_required
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    user, agency = _leader(request)
    task = get_task(request, pk)
    from_task = request.POST.get("back") == "task"
    form = ReassignForm(request.POST, people=agency_people(agency.pk), task=task)
    if form.is_valid():
        try:
            services.task_reassign(
                actor=user,
                task=task,
                official=form.cleaned_data["official"],
                expected_version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except (ServiceError, ValidationError) as exc:
            status = apply_service_error(form, exc)
            return _refused(request, user, agency, task, form, status, from_task)
        messages.success(
            request,
            _("%(person)s is now responsible for %(code)s.")
            % {"person": form.cleaned_data["official"], "code": task.code},
        )
        if from_task:
            return redirect("web:task_detail", pk=task.pk)
        return redirect(f"{reverse('web:leader')}#task-{task.pk}")
    return _refused(request, user, agency, task, form, 400, from_task)


def _refused(
    request: HttpRequest, user: Official, agency: Agency, task, form, status: int, from_task: bool
) -> HttpResponse:
    """The page the form came from again, with the form, its errors and what was chosen."""
    if from_task:
        return render_task(request, get_task(request, task.pk), bound={"reassign": form}, status=status)
    return _page(request, user, agency, bound={task.pk: form}, status=status)
