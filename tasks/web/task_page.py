"""The task page and the one way its forms are handled, shared by the task views
(`tasks.web.views`), the monitor's draft forms and the leader's reassign form, so that each
of them renders the same page and none imports the others' views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.auth import official_of
from agencies.choices import Role
from agencies.models import Official
from common.errors import ServiceError
from tasks.choices import OPEN_STATUSES, Clear, ExtensionStatus, ResultKind, TaskAction, TaskStatus
from tasks.models import Task
from tasks.selectors import (
    allowed_actions,
    held_actions,
    last_progress_report,
    task_get_for_user,
    task_page_related,
    timeliness_of,
)
from tasks.web.daily_forms import DraftClearsForm, DraftReturnForm, ReassignForm, agency_people
from tasks.web.forms import (
    ConfirmForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProgressForm,
    ReturnForm,
    SignedResultForm,
    StartForm,
    SubmitResultForm,
    apply_service_error,
)
from tasks.web.panels import task_panels_render


def get_task(request: HttpRequest, pk: int) -> Task:
    """The task if the signed-in user may see it; a 404 otherwise (never a 403 that confirms it exists)."""
    try:
        return task_get_for_user(user=official_of(request), task_id=pk)
    except Task.DoesNotExist:
        raise Http404(_("No such task.")) from None


#: The task page's form for each action it offers (others are taken in the admin or the API).
ACTION_FORMS: dict[str, type[Form]] = {
    TaskAction.START: StartForm,
    TaskAction.REPORT_PROGRESS: ProgressForm,
    TaskAction.SUBMIT: SubmitResultForm,
    TaskAction.REQUEST_EXTENSION: ExtensionRequestForm,
    TaskAction.CONFIRM: ConfirmForm,
    TaskAction.RETURN: ReturnForm,
}


#: Held-back actions whose form the page still shows, disabled, with the reason: a monitor must
#: see why a submitted result cannot be confirmed yet. (A held extension request needs no form:
#: the pending request is listed on the page.)
SHOWN_WHEN_HELD = (TaskAction.CONFIRM,)


def action_forms(task: Task, user: Official, held: dict[str, str], bound: dict | None = None) -> dict:
    """The forms of the actions the user may take on this task now (``allowed_actions``), and
    of those ``held`` back by a condition (shown disabled with the reason),
    unbound unless one came back with errors; keyed by action."""
    initial = {"version": task.version}
    forms: dict[str, Form] = {}
    allowed = allowed_actions(user, task)
    for action in [*allowed, *held]:
        form_class = ACTION_FORMS.get(action)
        if form_class is ProgressForm:
            forms[action] = form_class(
                initial={**initial, **last_figures(task, user)},
                indicator=task.result_kind == ResultKind.INDICATOR,
            )
        elif form_class is not None:
            forms[action] = form_class(initial=initial)
    if TaskAction.EDIT in allowed and user.is_monitor:
        forms["signed"] = SignedResultForm(
            initial={**initial, "requires_signed_result": task.requires_signed_result}
        )
    if bound:
        forms.update(bound)
    return forms


def last_figures(task: Task, user: Official) -> dict:
    """The report form starts from the agency's last report: its percent, value and note."""
    last = last_progress_report(task=task, agency_id=user.agency_id)
    if last is None:
        return {}
    return {"percent": last.percent, "indicator_value": last.indicator_value, "note": last.note}


def draft_forms(task: Task, user: Official, bound: dict | None = None) -> dict:
    """The draft's forms on its page, for those who may edit and assign it (a monitor):
    ``clears`` (complete, or complete and assign) and ``return``; empty otherwise."""
    if task.status != TaskStatus.DRAFT or TaskAction.EDIT not in allowed_actions(user, task):
        return {}
    if not user.has_perm("tasks.assign_task", task):
        return {}
    bound = bound or {}
    return {
        "clears": bound.get("draft_clears") or DraftClearsForm.for_task(task),
        "return": bound.get("draft_return") or DraftReturnForm(initial={"version": task.version}),
    }


def reassign_form(task, user: Official, bound: dict | None = None) -> ReassignForm | None:
    """The task page's reassign form, for a leader of the lead agency while the task is open."""
    agency_id = user.agency_id
    if user.role != Role.LEADER or agency_id is None or task.status not in OPEN_STATUSES:
        return None
    if not user.has_perm("tasks.reassign_task", task):
        return None
    if bound and "reassign" in bound:
        return bound["reassign"]
    return ReassignForm(initial={"version": task.version}, people=agency_people(agency_id), task=task)


def render_task(request: HttpRequest, task: Task, *, bound: dict | None = None, status: int = 200):
    """The task page, with the forms of what the user may do now; ``bound`` holds a form that
    came back with errors, shown with what was typed."""
    related = task_page_related(task, everything=request.GET.get("all") == "1")
    pending = [e for e in related["extensions"] if e.status == ExtensionStatus.PENDING]
    decide = {}
    for extension in pending:
        if request.user.has_perm("tasks.decide_extension", extension):
            decide[extension.pk] = ExtensionDecisionForm()
    if bound and "decide" in bound:
        decide.update(bound.pop("decide"))
    clears = []
    missing = set(task.missing_clears)
    for clear in Clear:
        clears.append({"key": clear.value, "label": clear.label, "present": clear.value not in missing})
    held = {
        a: reason for a, reason in held_actions(official_of(request), task).items() if a in SHOWN_WHEN_HELD
    }
    forms = action_forms(task, official_of(request), held, bound)
    context = {
        "task": task,
        "timeliness": timeliness_of(task, timezone.localdate()),
        "clears": clears,
        "forms": forms,
        "held": held,
        "decide_forms": decide,
        "is_indicator": task.result_kind == ResultKind.INDICATOR,
        "deadline_moved": task.deadline
        and task.original_deadline
        and task.deadline != task.original_deadline,
        "panels": task_panels_render(task=task, request=request),
        "draft": draft_forms(task, official_of(request), bound),
        "reassign": reassign_form(task, official_of(request), bound),
        **related,
    }
    return render(request, "web/task_detail.html", context, status=status)


def run_task_action(request: HttpRequest, pk: int, name: str, form_class, call, **form_kwargs):
    """Validate the form, call the service, and either redirect with a message or show the
    task page again with the form, its errors and what was typed."""
    task = get_task(request, pk)
    form = form_class(request.POST, request.FILES, **form_kwargs)
    if form.is_valid():
        try:
            message = call(task, form.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            status = apply_service_error(form, exc)
            task = get_task(request, pk)
            return render_task(request, task, bound={name: form}, status=status)
        messages.success(request, message)
        return redirect("web:task_detail", pk=pk)
    return render_task(request, task, bound={name: form}, status=400)
