"""The back office of reorganisations: the preview page, choosing per task, applying, and
pickers that no longer offer an agency that ended."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from agencies.choices import ReorganisationKind, ReorganisationStatus
from agencies.models import ReorganisationEvent
from tasks import services
from tasks.models import Task
from tests.factories import AgencyFactory, complete_task_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusals are read in English here (the default language is Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def split(world):
    most = AgencyFactory(code="MOST")
    digital = AgencyFactory(code="DTA")
    task = services.task_assign(
        actor=world.monitor,
        task=services.task_create(
            actor=world.monitor,
            directive=world.directive,
            code="56/TB-VPCP/9",
            **complete_task_fields(
                world,
                lead_agency=world.mic,
                responsible_official=world.mic_focal,
                accountable_leader=world.mic_leader,
            ),
        ),
    )
    event = ReorganisationEvent.objects.create(
        kind=ReorganisationKind.SPLIT, effective_on=dt.date(2025, 3, 1), document_number="176/2025/QH15"
    )
    event.predecessors.set([world.mic])
    event.successors.set([most, digital])
    return event, task, most


@pytest.fixture
def monitor(world):
    """A Government Office monitor with back-office access (staff), as the seed makes them."""
    world.monitor.is_staff = True
    world.monitor.save()
    return world.monitor


def test_a_monitor_previews_chooses_and_applies(client, world, monitor, split):
    event, task, most = split
    client.force_login(monitor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("admin:agencies_reorganisationevent_apply", args=[event.pk])
    # the action on the list leads to the preview
    listing = reverse("admin:agencies_reorganisationevent_changelist")
    redirect = client.post(listing, {"action": "preview_and_apply", "_selected_action": [event.pk]})
    assert redirect.status_code == 302 and redirect["Location"] == url
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "56/TB-VPCP/9" in html and f'name="task_{task.pk}"' in html and "t.mic.focal" in html
    # applying with no choice is refused and says why; nothing moves
    refused = client.post(url, {"apply": "1"}, follow=True)
    assert "Choose where task 56/TB-VPCP/9 goes" in refused.content.decode()
    assert Task.objects.get(pk=task.pk).lead_agency == world.mic
    # the choice is kept, then applied
    client.post(url, {"choose": "1", f"task_{task.pk}": str(most.pk)})
    done = client.post(url, {"apply": "1"})
    assert done.status_code == 302
    assert Task.objects.get(pk=task.pk).lead_agency == most
    event.refresh_from_db()
    assert event.status == ReorganisationStatus.APPLIED and event.applied_by == world.monitor


def test_a_focal_point_cannot_apply(client, world, split):
    event, _task, _most = split
    world.mic_focal.is_staff = True  # even let into the back office
    world.mic_focal.save()
    client.force_login(world.mic_focal)
    response = client.post(
        reverse("admin:agencies_reorganisationevent_apply", args=[event.pk]), {"apply": "1"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.status == ReorganisationStatus.SCHEDULED


def test_autocomplete_leaves_out_agencies_that_ended(client, world, monitor):
    world.mic.is_active = False
    world.mic.ended_on = dt.date(2025, 3, 1)
    world.mic.save()
    client.force_login(monitor)
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tasks", "model_name": "task", "field_name": "lead_agency", "term": "M"},
    ).json()
    codes = {row["text"].split(" ")[0] for row in found["results"]}
    assert "MPS" in codes and "MIC" not in codes
    # the register's own list still finds it by its old code
    listing = client.get(reverse("admin:agencies_agency_changelist"), {"q": "MIC"})
    assert "MIC" in listing.content.decode()
