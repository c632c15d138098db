"""The task lifecycle, declared once.

Each rule below says, for one thing a user may do to a task: who may (a ``rules`` permission
of ``tasks.permissions``), from which statuses, to which status it moves the task, what else
it changes, which history event it writes, and which input it cannot do without. The
services run every status change through ``tasks.services.task_transition`` reading these
rules; ``tasks.selectors.allowed_actions`` reads the same rules for the task page's buttons
and the API's ``allowed_actions``; ``docs/decisions.md`` shows them as a table
(``as_markdown``, kept in step by a test). A rule changes here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rules.permissions import permissions

from signatures.choices import Verdict
from tasks.choices import (
    ACTIVE_STATUSES,
    UNCLOSED_STATUSES,
    ExtensionStatus,
    TaskAction,
    TaskEventAction,
    TaskStatus,
)
from tasks.errors import ActionNotAllowed, InvalidTransition
from tasks.models import EvidenceFile, ExtensionRequest, Task

#: Why an action cannot be taken now although the role and status allow it; None when it can.
Blocker = Callable[[Task], Exception | None]
#: What a transition changes besides the status, from the validated input.
Apply = Callable[[Task, dict[str, str]], None]


@dataclass(frozen=True)
class Rule:
    """One action on a task. ``target`` is None for actions that leave the status alone
    (their services write their own rows and history); the others are transitions."""

    action: TaskAction
    perm: str
    sources: tuple[str, ...]
    verb: Promise
    refusal: Promise
    target: TaskStatus | None = None
    event: TaskEventAction | None = None
    needs: tuple[str, Promise] | None = None
    blocker: Blocker | None = None
    apply: Apply | None = None
    closes_extensions: bool = False

    @property
    def is_transition(self) -> bool:
        return self.target is not None

    def transition(self) -> tuple[TaskStatus, TaskEventAction, Apply]:
        """The new status, the history event and the other changes of a transition; a
        ValueError for an action that is not one (it has its own service)."""
        if self.target is None or self.event is None or self.apply is None:
            raise ValueError(f"{self.action!r} is not a status change; it has its own service")
        return self.target, self.event, self.apply


# --- what each transition changes besides the status ------------------------------------------


def _assign(task: Task, inputs: dict[str, str]) -> None:
    """assigned_at: now"""
    task.assigned_at = timezone.now()


def _start(task: Task, inputs: dict[str, str]) -> None:
    """nothing else"""


def _submit(task: Task, inputs: dict[str, str]) -> None:
    """result_summary; submitted_at: now; progress: 100; status_reason cleared"""
    task.result_summary = inputs["result_summary"]
    task.submitted_at = timezone.now()
    task.progress = 100
    task.status_reason = ""


def _confirm(task: Task, inputs: dict[str, str]) -> None:
    """completed_at: now; completion_date: the Hanoi day it was submitted; completion_confirmed_on: today"""
    task.completed_at = timezone.now()
    task.completion_date = timezone.localdate(task.submitted_at)
    task.completion_confirmed_on = timezone.localdate(task.completed_at)


def _return(task: Task, inputs: dict[str, str]) -> None:
    """status_reason: the reason; submitted_at cleared"""
    task.status_reason = inputs["reason"]
    task.submitted_at = None


def _cancel(task: Task, inputs: dict[str, str]) -> None:
    """status_reason: the reason"""
    task.status_reason = inputs["reason"]


# --- what may block an action the role and status allow ---------------------------------------


def _has_all_clears(task: Task) -> Exception | None:
    """all five clears present"""
    missing = task.missing_clears
    if not missing:
        return None
    return ValidationError(
        {
            "__all__": [
                _("The task cannot be assigned until it has all five clears; missing: %(missing)s.")
                % {"missing": ", ".join(missing)}
            ]
        }
    )


def _extensible(task: Task) -> Exception | None:
    """a deadline, and no request already pending"""
    if task.deadline is None:
        return InvalidTransition(_("A standing task has no deadline to extend."))
    if ExtensionRequest.objects.filter(task_id=task.pk, status=ExtensionStatus.PENDING).exists():
        return InvalidTransition(_("An extension request for this task is already waiting for a decision."))
    return None


def _signed_result_if_required(task: Task) -> Exception | None:
    """a validly signed PDF among the lead agency's evidence, when the task requires a signed result"""
    if not task.requires_signed_result:
        return None
    lead = task.lead_agency_id
    if (
        lead is not None
        and EvidenceFile.objects.filter(
            report__task_id=task.pk,
            report__agency_id=lead,
            report__is_contribution=False,
            signature_verdict=Verdict.VALID,
        ).exists()
    ):
        return None
    return InvalidTransition(
        _(
            "This task requires a signed result: the lead agency's evidence must include at least "
            "one PDF whose digital signature is valid and trusted. None does yet; ask the agency to "
            "attach the signed document in a progress report."
        )
    )


REASON = ("reason", gettext_lazy("Give a reason."))
RESULT = ("result_summary", gettext_lazy("Describe the result you are submitting."))

RULES: tuple[Rule, ...] = (
    Rule(
        action=TaskAction.EDIT,
        perm="tasks.change_task",
        sources=UNCLOSED_STATUSES,
        verb=gettext_lazy("edit"),
        refusal=gettext_lazy("You may not edit this task."),
    ),
    Rule(
        action=TaskAction.ASSIGN,
        perm="tasks.assign_task",
        sources=(TaskStatus.DRAFT,),
        target=TaskStatus.ASSIGNED,
        event=TaskEventAction.ASSIGNED,
        verb=gettext_lazy("assign"),
        refusal=gettext_lazy("Only a Government Office monitor can assign tasks."),
        blocker=_has_all_clears,
        apply=_assign,
    ),
    Rule(
        action=TaskAction.START,
        perm="tasks.start_task",
        sources=(TaskStatus.ASSIGNED,),
        target=TaskStatus.IN_PROGRESS,
        event=TaskEventAction.STARTED,
        verb=gettext_lazy("start"),
        refusal=gettext_lazy("Only the lead agency can start this task."),
        apply=_start,
    ),
    Rule(
        action=TaskAction.REPORT_PROGRESS,
        perm="tasks.report_progress",
        sources=ACTIVE_STATUSES,
        verb=gettext_lazy("report progress on"),
        refusal=gettext_lazy("Only the lead or a coordinating agency can report on this task."),
    ),
    Rule(
        action=TaskAction.REQUEST_EXTENSION,
        perm="tasks.request_extension",
        sources=ACTIVE_STATUSES,
        verb=gettext_lazy("extend"),
        refusal=gettext_lazy("Only the lead agency can ask to extend this task."),
        blocker=_extensible,
    ),
    Rule(
        action=TaskAction.SUBMIT,
        perm="tasks.submit_task",
        sources=ACTIVE_STATUSES,
        target=TaskStatus.SUBMITTED,
        event=TaskEventAction.SUBMITTED,
        verb=gettext_lazy("submit"),
        refusal=gettext_lazy("Only the lead agency can submit this task's result."),
        needs=RESULT,
        apply=_submit,
    ),
    Rule(
        action=TaskAction.CONFIRM,
        perm="tasks.confirm_task",
        sources=(TaskStatus.SUBMITTED,),
        target=TaskStatus.COMPLETED,
        event=TaskEventAction.CONFIRMED,
        verb=gettext_lazy("confirm"),
        refusal=gettext_lazy("Only a Government Office monitor can confirm a result."),
        blocker=_signed_result_if_required,
        apply=_confirm,
        closes_extensions=True,
    ),
    Rule(
        action=TaskAction.RETURN,
        perm="tasks.return_task",
        sources=(TaskStatus.SUBMITTED,),
        target=TaskStatus.IN_PROGRESS,
        event=TaskEventAction.RETURNED,
        verb=gettext_lazy("return"),
        refusal=gettext_lazy("Only a Government Office monitor can return a result."),
        needs=REASON,
        apply=_return,
    ),
    Rule(
        action=TaskAction.CANCEL,
        perm="tasks.cancel_task",
        sources=UNCLOSED_STATUSES,
        target=TaskStatus.CANCELLED,
        event=TaskEventAction.CANCELLED,
        verb=gettext_lazy("cancel"),
        refusal=gettext_lazy("Only a Government Office monitor can cancel a task."),
        needs=REASON,
        apply=_cancel,
        closes_extensions=True,
    ),
)

BY_ACTION: dict[str, Rule] = {rule.action: rule for rule in RULES}


def rule_for(action: str) -> Rule:
    try:
        return BY_ACTION[action]
    except KeyError:
        raise ValueError(f"No such task action: {action!r}") from None


def refusal(actor, task: Task, action: str) -> Exception | None:
    """Why ``actor`` may not take ``action`` on ``task`` now (the exception a service raises),
    or None when they may: the role first, then the status, then the rule's own condition."""
    rule = rule_for(action)
    if not actor.has_perm(rule.perm, task):
        return ActionNotAllowed(str(rule.refusal))
    if task.status not in rule.sources:
        return InvalidTransition(
            _("Cannot %(action)s a task that is %(status)s; it must be %(allowed)s.")
            % {
                "action": rule.verb,
                "status": task.get_status_display(),
                "allowed": _(" or ").join(str(TaskStatus(s).label) for s in rule.sources),
            }
        )
    if rule.blocker is not None:
        return rule.blocker(task)
    return None


def blocked(actor, task: Task, action: str) -> Exception | None:
    """The rule's own condition refusing an action the actor's role and the task's status
    allow (the page shows such an action held back, with the reason), or None."""
    rule = rule_for(action)
    if rule.blocker is None or not actor.has_perm(rule.perm, task) or task.status not in rule.sources:
        return None
    return rule.blocker(task)


def check(actor, task: Task, action: str) -> Rule:
    """Raise the refusal, if any; the services call this on the locked task."""
    exc = refusal(actor, task, action)
    if exc is not None:
        raise exc
    return rule_for(action)


def as_markdown() -> str:
    """The rules as the table docs/decisions.md shows (a test keeps the two in step)."""
    lines = [
        "| action | who may (permission) | from | to | also changes | history event | needs |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rule in RULES:
        also = []
        if rule.apply is not None:
            also.append(rule.apply.__doc__ or "")
        if rule.closes_extensions:
            also.append("pending extension requests closed (each with an `extension_closed` event)")
        if rule.blocker is not None:
            also.append(f"only with {rule.blocker.__doc__}")
        who = permissions[rule.perm].name
        if who.startswith("(") and who.endswith(")"):
            who = who[1:-1]
        lines.append(
            "| `{action}` | `{perm}`: {who} | {sources} | {target} | {also} | {event} | {needs} |".format(
                action=rule.action.value,
                perm=rule.perm,
                who=who.replace("|", "\\|"),
                sources=", ".join(str(s) for s in rule.sources),
                target=rule.target.value if rule.target else "(unchanged)",
                also="; ".join(also) or "—",
                event=f"`{rule.event.value}`" if rule.event else "(its service's own)",
                needs=f"`{rule.needs[0]}`" if rule.needs else "—",
            )
        )
    return "\n".join(lines)
