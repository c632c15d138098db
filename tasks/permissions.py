"""Who may do what to a task: the one place that says it.

Predicates combine the official's role with their agency's relation to the task (lead or
coordinating). Services check these rules before acting; selectors scope querysets with
``visible_tasks_q`` so that lists and detail pages agree with them.
"""

from __future__ import annotations

import rules
from django.db.models import Exists, OuterRef, Q

from agencies.choices import Role
from agencies.models import Agency
from tasks.models import Task


@rules.predicate
def is_monitor(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "is_monitor", False))


@rules.predicate
def is_focal_point(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.FOCAL_POINT)


@rules.predicate
def is_leader(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.LEADER)


@rules.predicate
def of_lead_agency(user, task) -> bool:
    return task is not None and user.agency_id is not None and task.lead_agency_id == user.agency_id


@rules.predicate
def of_coordinating_agency(user, task) -> bool:
    if task is None or user.agency_id is None or task.pk is None:
        return False
    return any(a.pk == user.agency_id for a in task.coordinating_agencies.all())


@rules.predicate
def holds_lead_agency_records(user, task) -> bool:
    """The user's agency took over the records of the task's lead agency, which ended in a
    reorganisation (MOST reads what MIC closed, when the event says so)."""
    if task is None or user.agency_id is None or task.lead_agency_id is None:
        return False
    return task.lead_agency.records_held_by_id == user.agency_id


@rules.predicate
def is_responsible(user, task) -> bool:
    return task is not None and task.responsible_official_id == user.pk


@rules.predicate
def requested_it(user, extension) -> bool:
    return extension is not None and extension.requested_by_id == user.pk


lead_focal_point = is_focal_point & of_lead_agency
lead_worker = lead_focal_point | is_responsible

rules.add_perm(
    "tasks.view_task", is_monitor | of_lead_agency | of_coordinating_agency | holds_lead_agency_records
)
rules.add_perm("tasks.add_task", is_monitor)
rules.add_perm("tasks.change_task", is_monitor | lead_focal_point)
rules.add_perm("tasks.assign_task", is_monitor)
rules.add_perm("tasks.start_task", is_monitor | lead_worker)
rules.add_perm("tasks.report_progress", lead_worker | (is_focal_point & of_coordinating_agency))
rules.add_perm("tasks.submit_task", lead_worker)
rules.add_perm("tasks.confirm_task", is_monitor)
rules.add_perm("tasks.return_task", is_monitor)
rules.add_perm("tasks.cancel_task", is_monitor)
rules.add_perm("tasks.request_extension", lead_worker)
# Responsibility moves inside the lead agency by its leader (or the Government Office).
rules.add_perm("tasks.reassign_task", is_monitor | (is_leader & of_lead_agency))
# Nobody decides their own request, whatever their role.
rules.add_perm("tasks.decide_extension", is_monitor & ~requested_it)
rules.add_perm("tasks.add_directive", is_monitor)
rules.add_perm("tasks.change_directive", is_monitor)

#: Task fields a lead focal point may change; the rest are the Government Office's.
FOCAL_POINT_EDITABLE = frozenset({"description", "responsible_official", "accountable_leader"})


def visible_tasks_q(user) -> Q | None:
    """The condition on tasks a user may read, or None for 'all of them' (monitors)."""
    if is_monitor(user):
        return None
    if user.agency_id is None:
        return Q(pk__in=[])
    coordinating = Task.coordinating_agencies.through.objects.filter(
        task_id=OuterRef("pk"), agency_id=user.agency_id
    )
    # Agencies that ended in a reorganisation and whose records the user's agency holds
    # (tasks they closed stay theirs, and the successor reads them).
    predecessors = Agency.objects.filter(records_held_by_id=user.agency_id).values("pk")
    # EXISTS rather than a join: a join would repeat a task once per coordinating agency.
    return Q(lead_agency_id=user.agency_id) | Q(lead_agency_id__in=predecessors) | Q(Exists(coordinating))


def visibility_key(user) -> str:
    """What ``visible_tasks_q`` depends on, as text: cached task pages are shared only between
    callers who see the same tasks."""
    return "all" if is_monitor(user) else f"agency:{user.agency_id}"


# --- the back office (Django admin) -------------------------------------------------------
# Monitors work in the admin without Django's per-model permission rows: reading every record,
# entering directives and tasks (through the services), deciding extensions. Deleting is left
# to administrators (superusers).
BACK_OFFICE = {
    "agencies": {
        "agency": ("view",),
        "official": ("view",),
        # Monitors enter reorganisations and apply them (tasks.reorganisation checks again).
        "reorganisationevent": ("view", "add", "change"),
    },
    "tasks": {
        "directive": ("view", "add", "change"),
        "task": ("view",),
        "progressreport": ("view",),
        "evidencefile": ("view",),
        "extensionrequest": ("view", "change"),
        "taskevent": ("view",),
        "directiveevent": ("view",),
    },
}


def grant_back_office(app_label: str, models: dict[str, tuple[str, ...]]) -> None:
    """Let monitors into an app's admin pages; apps call this for their own models."""
    if not rules.perm_exists(app_label):
        rules.add_perm(app_label, is_monitor)
    for model, actions in models.items():
        for action in actions:
            name = f"{app_label}.{action}_{model}"
            if not rules.perm_exists(name):
                rules.add_perm(name, is_monitor)


for _app, _models in BACK_OFFICE.items():
    grant_back_office(_app, _models)
