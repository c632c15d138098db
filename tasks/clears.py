"""The five clears: one definition, used by the database constraint, the annotations and
the service checks, so that a draft means the same thing everywhere."""

from __future__ import annotations

from typing import Protocol

from django.db.models import Q

from tasks.choices import Clear, Recurrence, ResultKind

#: For each clear, the condition under which a task has it, as a database expression.
CLEAR_CONDITIONS: dict[str, Q] = {
    Clear.PERSON: Q(responsible_official__isnull=False),
    Clear.TASK: ~Q(title="") & ~Q(description=""),
    Clear.DEADLINE: Q(deadline__isnull=False) | ~Q(recurrence=Recurrence.NONE),
    Clear.RESULT: (Q(result_kind=ResultKind.DELIVERABLE) & ~Q(expected_result=""))
    | (
        Q(result_kind=ResultKind.INDICATOR)
        & ~Q(expected_result="")
        & Q(target_value__isnull=False)
        & ~Q(target_unit="")
    ),
    Clear.RESPONSIBILITY: Q(lead_agency__isnull=False) & Q(accountable_leader__isnull=False),
}


def all_clears_q() -> Q:
    q = Q()
    for condition in CLEAR_CONDITIONS.values():
        q &= condition
    return q


class Clearable(Protocol):
    """What ``missing_clears`` reads: a Task, or the plain row of an import preview. Only
    whether ``deadline`` and ``target_value`` are set matters, so any value will do."""

    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def responsible_official_id(self) -> int | None: ...
    @property
    def accountable_leader_id(self) -> int | None: ...
    @property
    def lead_agency_id(self) -> int | None: ...
    @property
    def deadline(self) -> object: ...
    @property
    def recurrence(self) -> str: ...
    @property
    def result_kind(self) -> str: ...
    @property
    def expected_result(self) -> str: ...
    @property
    def target_value(self) -> object: ...
    @property
    def target_unit(self) -> str: ...


def missing_clears(task: Clearable) -> list[str]:
    """The clears a task lacks, in the order the directives list them.

    Mirrors CLEAR_CONDITIONS for an object in memory; tests check that the two agree.
    """
    has = {
        Clear.PERSON: task.responsible_official_id is not None,
        Clear.TASK: bool(task.title.strip()) and bool(task.description.strip()),
        Clear.DEADLINE: task.deadline is not None or task.recurrence != Recurrence.NONE,
        Clear.RESULT: bool(task.expected_result.strip())
        and (
            task.result_kind == ResultKind.DELIVERABLE
            or (
                task.result_kind == ResultKind.INDICATOR
                and task.target_value is not None
                and bool(task.target_unit.strip())
            )
        ),
        Clear.RESPONSIBILITY: task.lead_agency_id is not None and task.accountable_leader_id is not None,
    }
    return [str(clear) for clear in Clear if not has[clear]]
