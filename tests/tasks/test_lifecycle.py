"""The lifecycle table (tasks.lifecycle): what it offers each person is what the services
accept, and the table in docs/decisions.md is the one the code runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tasks import lifecycle, services
from tasks.choices import TaskEventAction
from tasks.models import Task, TaskEvent
from tasks.selectors import allowed_actions
from tasks.templatetags.webui import event_label
from tests.lifecycle_cases import ACTORS, CASES, accepted_actions, task_in_case

pytestmark = pytest.mark.django_db

#: The lifecycle spelt out by hand, case by case: what each person may do (others: nothing).
EXPECTED = {
    "draft": {"monitor": "edit assign cancel", "lead_focal": "edit"},
    "draft_incomplete": {"monitor": "edit cancel", "lead_focal": "edit"},
    "assigned": {
        "monitor": "edit start cancel",
        "lead_focal": "edit start report_progress request_extension submit",
        "coord_focal": "report_progress",
    },
    "in_progress": {
        "monitor": "edit cancel",
        "lead_focal": "edit report_progress request_extension submit",
        "coord_focal": "report_progress",
    },
    "extension_pending": {
        "monitor": "edit cancel",
        "lead_focal": "edit report_progress submit",
        "coord_focal": "report_progress",
    },
    "submitted": {"monitor": "edit confirm return cancel", "lead_focal": "edit"},
    "completed": {},
    "cancelled": {},
}


def _fresh(task: Task) -> Task:
    """The task as task_get_for_user reads it (coordinating agencies prefetched)."""
    return Task.objects.prefetch_related("coordinating_agencies").get(pk=task.pk)


@pytest.mark.parametrize("case", CASES)
def test_allowed_actions_are_exactly_what_the_services_accept(world, case):
    # given a task in this case
    task = task_in_case(world, case)
    for who, attr in ACTORS.items():
        actor = getattr(world, attr)
        # when we ask what the person may do, and try every action through the services
        offered = [str(a) for a in allowed_actions(actor, _fresh(task))]
        accepted = accepted_actions(actor, task)
        # then the two agree, and both are the lifecycle as written out above
        assert offered == accepted, (case, who)
        assert offered == EXPECTED[case].get(who, "").split(), (case, who)


def test_an_action_that_is_not_a_status_change_has_no_transition(world):
    task = task_in_case(world, "in_progress")
    with pytest.raises(ValueError):
        services.task_transition(actor=world.mps_focal, task=task, action="report_progress")
    with pytest.raises(ValueError):
        services.task_transition(actor=world.monitor, task=task, action="approve")


def test_each_transition_writes_its_own_history_event(world):
    # given the whole path through the lifecycle
    task = task_in_case(world, "completed")
    actions = list(TaskEvent.objects.filter(task=task).order_by("id").values_list("action", flat=True))
    # then every event is one of the choices, in the order the rules were run
    assert actions == ["created", "assigned", "started", "submitted", "confirmed"]
    assert set(actions) <= set(TaskEventAction.values)
    for rule in lifecycle.RULES:
        if rule.is_transition:
            assert rule.event in TaskEventAction.values


def test_history_actions_read_in_the_users_language(world):
    with translation.override("vi"):
        assert event_label("confirmed") == str(TaskEventAction.CONFIRMED.label)
        assert event_label("confirmed") != "result confirmed"
    assert event_label("no_such_action") == "no_such_action"


def test_the_table_in_the_decisions_is_the_one_the_code_runs():
    decisions = (Path(settings.BASE_DIR) / "docs" / "decisions.md").read_text(encoding="utf-8")
    assert lifecycle.as_markdown() in decisions
