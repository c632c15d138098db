"""The back office: lists and filters render, and edits go through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks import services
from tasks.choices import TaskStatus
from tasks.models import Task, TaskEvent
from tests.factories import OfficialFactory, complete_task_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(world):
    return OfficialFactory(username="t.admin", role="admin", agency=None, is_staff=True, is_superuser=True)


@pytest.fixture
def task(world):
    return services.task_create(actor=world.monitor, directive=world.directive, **complete_task_fields(world))


@pytest.mark.parametrize(
    "query",
    ["", "?status=draft", "?timeliness=in_progress_overdue", "?q=Personal", "?lead_agency__id__exact=1"],
)
def test_task_list_renders_with_filters(client, admin_user, task, query):
    client.force_login(admin_user)
    response = client.get(reverse("admin:tasks_task_changelist") + query)
    assert response.status_code == 200


def test_timeliness_filter_filters(client, admin_user, world, task):
    services.task_assign(actor=world.monitor, task=task)  # deadline 2025-05-31: overdue today
    client.force_login(admin_user)
    url = reverse("admin:tasks_task_changelist")
    overdue = client.get(url + "?timeliness=in_progress_overdue")
    within = client.get(url + "?timeliness=in_progress_within_deadline")
    assert task.code in overdue.content.decode()
    assert task.code not in within.content.decode()


def test_change_page_shows_history_inline(client, admin_user, task):
    client.force_login(admin_user)
    response = client.get(reverse("admin:tasks_task_change", args=[task.pk]))
    assert response.status_code == 200
    assert "created" in response.content.decode()


def test_assign_action_goes_through_the_service(client, admin_user, world, task):
    draft = services.task_create(
        actor=world.monitor, directive=world.directive, **complete_task_fields(world, deadline=None)
    )
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:tasks_task_changelist"),
        {"action": "assign_selected", "_selected_action": [task.pk, draft.pk]},
        follow=True,
    )
    task.refresh_from_db()
    draft.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED
    assert draft.status == TaskStatus.DRAFT  # refused: no deadline, and the page says so
    assert "deadline" in response.content.decode()
    assert TaskEvent.objects.filter(task=task, action="assigned", actor=admin_user).exists()


def test_admin_edit_is_recorded_in_history(client, admin_user, world, task):
    client.force_login(admin_user)
    url = reverse("admin:tasks_task_change", args=[task.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "code": task.code,
            "directive": world.directive.pk,
            "title": "Complete the PDP Law",
            "lead_agency": world.mps.pk,
            "responsible_official": world.mps_focal.pk,
            "accountable_leader": world.mps_leader.pk,
            "coordinating_agencies": [world.mic.pk],
            "deadline": "2025-05-31",
            "recurrence": "",
            "target_value": "",
        }
    )
    for prefix in ("progress_reports", "extension_requests", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert task.title == "Complete the PDP Law"
    assert list(task.coordinating_agencies.values_list("code", flat=True)) == ["MIC"]
    event = TaskEvent.objects.filter(task=task, action="updated").get()
    assert event.actor == admin_user
    assert event.changes["title"]["new"] == "Complete the PDP Law"
    assert event.changes["coordinating_agencies"] == {"old": [], "new": ["MIC"]}
    assert Task.objects.get(pk=task.pk).version == 2


def test_a_monitor_works_in_the_back_office_without_permission_rows(client, world, task):
    world.monitor.is_staff = True
    world.monitor.save()
    client.force_login(world.monitor)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:tasks_task_changelist")).status_code == 200
    assert client.get(reverse("admin:tasks_directive_changelist")).status_code == 200
    assert client.get(reverse("admin:agencies_agency_changelist")).status_code == 200
    # but cannot delete
    assert client.get(reverse("admin:tasks_task_delete", args=[task.pk])).status_code == 403


def test_a_focal_point_gets_no_back_office(client, world):
    world.mps_focal.is_staff = True  # even if someone ticks the box
    world.mps_focal.save()
    client.force_login(world.mps_focal)
    assert client.get(reverse("admin:tasks_task_changelist")).status_code == 403


def _directive_form(client, directive, **changes) -> dict:
    url = reverse("admin:tasks_directive_change", args=[directive.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["issued_on"] = directive.issued_on.isoformat()
    data.update({"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0})
    data.update(changes)
    return data


def test_admin_directive_edit_goes_through_the_service_with_history(client, world, task):
    # given a monitor in the back office, and the task pages' cache generation
    from common.cache import generation
    from tasks.models import DirectiveEvent
    from tasks.selectors import TASKS_GENERATION_KEY

    world.monitor.is_staff = True
    world.monitor.save()
    client.force_login(world.monitor)
    before = generation(TASKS_GENERATION_KEY)
    url = reverse("admin:tasks_directive_change", args=[world.directive.pk])
    # when the monitor corrects the title
    response = client.post(url, _directive_form(client, world.directive, title="Notice 56: conclusions"))
    # then it is saved, with who changed what, and cached task pages are moved on
    assert response.status_code == 302, response.content.decode()[:2000]
    world.directive.refresh_from_db()
    assert world.directive.title == "Notice 56: conclusions"
    event = DirectiveEvent.objects.filter(directive=world.directive, action="updated").get()
    assert event.actor == world.monitor
    assert event.changes["title"]["new"] == "Notice 56: conclusions"
    assert generation(TASKS_GENERATION_KEY) != before


def test_admin_directive_edit_the_service_refuses_changes_nothing(client, world, task):
    from tasks.models import DirectiveEvent

    world.monitor.is_staff = True
    world.monitor.save()
    client.force_login(world.monitor)
    url = reverse("admin:tasks_directive_change", args=[world.directive.pk])
    # an issue date after the task's deadline (31/05/2025) is refused
    response = client.post(url, _directive_form(client, world.directive, issued_on="2025-06-15"), follow=True)
    assert task.code in response.content.decode()
    world.directive.refresh_from_db()
    assert world.directive.issued_on.isoformat() == "2025-02-23"
    assert not DirectiveEvent.objects.filter(directive=world.directive, action="updated").exists()


def test_saving_an_extension_request_page_writes_nothing(client, world, task):
    # given a pending request, and a monitor on its change page
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    task = services.task_assign(actor=world.monitor, task=task)
    extension = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="NA schedule"
    )
    world.monitor.is_staff = True
    world.monitor.save()
    client.force_login(world.monitor)
    url = reverse("admin:tasks_extensionrequest_change", args=[extension.pk])
    # when they press Save
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"_save": "Save"})
    # then the request is not written: decisions go through the service (the action)
    assert response.status_code == 302
    assert not [q for q in queries if q["sql"].startswith('UPDATE "tasks_extensionrequest"')]
