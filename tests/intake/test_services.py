"""Drafting and accepting through the services: monitors only, tasks made by task_create."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from agencies.models import Agency
from tasks.choices import TaskStatus
from tasks.errors import ActionNotAllowed
from tasks.intake.models import AgencyAlias
from tasks.intake.services import (
    directive_draft_tasks,
    draft_to_accepted,
    intake_defaults_load,
    intake_drafts_accept,
)
from tasks.models import Task, TaskEvent

TEXT = (
    "The Ministry of Public Security shall coordinate with the Ministry of Justice to urgently complete the "
    "Personal Data Protection Law for submission to the National Assembly at the 9th Session in May 2025. "
    "Chairpersons of provincial People's Committees shall coordinate with the Ministry of Natural Resources "
    "and Environment to digitize land data in the area, to be completed before June 30, 2025."
)


def test_a_focal_point_may_not_draft_or_accept(people):
    with pytest.raises(ActionNotAllowed):
        directive_draft_tasks(actor=people.focal, directive=people.directive, text=TEXT)
    drafts = directive_draft_tasks(actor=people.monitor, directive=people.directive, text=TEXT)
    with pytest.raises(ActionNotAllowed):
        intake_drafts_accept(
            actor=people.focal, directive=people.directive, drafts=[draft_to_accepted(drafts[0])]
        )
    assert Task.objects.count() == 0


def test_drafts_list_their_missing_clears_by_the_five_clear_definition(people):
    law, land = directive_draft_tasks(actor=people.monitor, directive=people.directive, text=TEXT)
    # the text names no person and no accountable leader: those stay missing
    assert law.missing_clears == ["person", "responsibility"]
    assert law.deadline == dt.date(2025, 5, 31)
    assert land.lead_agency is None and len(land.lead_agencies) == 63
    assert land.missing_clears == ["person", "responsibility"]


def test_accepted_drafts_become_draft_tasks_through_task_create(people):
    law, land = directive_draft_tasks(actor=people.monitor, directive=people.directive, text=TEXT)
    tasks = intake_drafts_accept(
        actor=people.monitor,
        directive=people.directive,
        drafts=[draft_to_accepted(law), draft_to_accepted(land, one_task_per_lead=True)],
    )
    assert len(tasks) == 1 + 63
    first = Task.objects.get(pk=tasks[0].pk)
    assert first.status == TaskStatus.DRAFT
    assert first.lead_agency.code == "MPS"
    assert list(first.coordinating_agencies.values_list("code", flat=True)) == ["MOJ"]
    assert first.deadline == first.original_deadline == dt.date(2025, 5, 31)
    assert first.deadline_phrase == "at the 9th Session in May 2025"
    assert first.expected_result == "the Personal Data Protection Law"
    assert first.missing_clears == ["person", "responsibility"]
    assert first.code == "56/TB-VPCP-T01"  # numbered by the service
    # the service wrote the history: one "created" event per task, by the monitor
    assert TaskEvent.objects.filter(action="created", actor=people.monitor).count() == 64
    provinces = set(
        Task.objects.filter(pk__in=[t.pk for t in tasks[1:]]).values_list("lead_agency__code", flat=True)
    )
    assert provinces == set(
        Agency.objects.filter(kind__in=["province", "city"]).values_list("code", flat=True)
    )
    assert all(
        list(t.coordinating_agencies.values_list("code", flat=True)) == ["MONRE"]
        for t in Task.objects.filter(pk__in=[t.pk for t in tasks[1:5]])
    )


def test_a_bad_draft_saves_nothing(people):
    law, land = directive_draft_tasks(actor=people.monitor, directive=people.directive, text=TEXT)
    bad = draft_to_accepted(land)
    bad.coordinating_agencies = ["NOSUCH"]
    with pytest.raises(ValidationError) as excinfo:
        intake_drafts_accept(
            actor=people.monitor, directive=people.directive, drafts=[draft_to_accepted(law), bad]
        )
    assert "NOSUCH" in str(excinfo.value)
    assert Task.objects.count() == 0


def test_loading_the_defaults_again_creates_nothing_and_aliases_follow_the_register(people):
    assert intake_defaults_load() == {
        "deadline_patterns": 0,
        "recurrence_patterns": 0,
        "result_patterns": 0,
        "clause_cues": 0,
        "agency_groups": 0,
        "aliases": 0,
        "aliases_skipped": 0,
    }
    # an agency seeded after the migration gets its aliases on the next load
    AgencyAlias.objects.filter(agency__code="THAIBINH").delete()
    assert (
        intake_defaults_load()["aliases"] == AgencyAlias.objects.filter(agency__code="THAIBINH").count() > 0
    )


def test_accepting_in_bulk_writes_what_task_create_writes_in_a_few_queries(
    people, django_assert_max_num_queries
):
    """300 drafts in one request: the bulk path keeps task_create's checks, numbering and
    history, in a number of queries that does not grow with the drafts."""
    law, _land = directive_draft_tasks(actor=people.monitor, directive=people.directive, text=TEXT)
    one = intake_drafts_accept(
        actor=people.monitor, directive=people.directive, drafts=[draft_to_accepted(law)]
    )
    by_one = TaskEvent.objects.get(task=one[0]).changes
    with django_assert_max_num_queries(20):
        many = intake_drafts_accept(
            actor=people.monitor, directive=people.directive, drafts=[draft_to_accepted(law)] * 300
        )
    assert len(many) == 300
    assert Task.objects.filter(directive=people.directive).count() == 301
    assert many[0].code == "56/TB-VPCP-T02" and many[-1].code == "56/TB-VPCP-T301"
    last = Task.objects.get(pk=many[-1].pk)
    assert last.missing_clears == ["person", "responsibility"]
    assert list(last.coordinating_agencies.values_list("code", flat=True)) == ["MOJ"]
    in_bulk = TaskEvent.objects.get(task=last).changes
    assert in_bulk == by_one
    assert in_bulk["coordinating_agencies"] == {"old": None, "new": ["MOJ"]}


def test_a_bad_draft_among_many_is_named_and_nothing_is_saved(people):
    law, _land = directive_draft_tasks(actor=people.monitor, directive=people.directive, text=TEXT)
    late = draft_to_accepted(law)
    late.deadline = dt.date(2020, 1, 1)  # before the directive was issued
    with pytest.raises(ValidationError) as excinfo:
        intake_drafts_accept(
            actor=people.monitor, directive=people.directive, drafts=[draft_to_accepted(law)] * 5 + [late]
        )
    assert "draft 6: deadline" in excinfo.value.message_dict
    assert Task.objects.count() == 0
