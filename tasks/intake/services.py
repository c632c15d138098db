"""Writes of the directive intake: loading the default rules, and turning drafts into tasks.

Drafting itself writes nothing: ``directive_draft_tasks`` returns drafts for a person to
review. Accepted drafts become tasks through ``tasks.services.task_create``, so they are
drafts with their missing clears listed, like any task entered by hand, until a monitor
completes and assigns them.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Official
from tasks import services as task_services
from tasks.choices import Recurrence, ResultKind
from tasks.clears import missing_clears
from tasks.errors import ActionNotAllowed
from tasks.intake.defaults import load_defaults
from tasks.intake.models import DraftBatch
from tasks.intake.parser import Draft, ParseTooLong, detect_language, parse
from tasks.intake.selectors import intake_rules
from tasks.models import Directive, Task

#: Longest text the intake reads at once (a notice is a few pages; a whole gazette is not).
MAX_TEXT = 500_000

#: Seconds the rules and the parser may spend on one text, so that a request answers within 2 s (the rest is
#: the post, the rules and the page). A text it cannot finish in time is refused with advice
#: to split it, never left to a worker's timeout. Measured on this shared 2-core machine under
#: other helpers' test runs: 110-150 KB of notices a second, so a notice of 50 pages (80 KB)
#: reads in well under a second.
PARSE_SECONDS = 1.0


def intake_defaults_load(*, reset: bool = False) -> dict[str, int]:
    """Load the default rules and aliases; idempotent. Run after the agency register is seeded
    (the data migration could only alias the agencies that existed then)."""
    with transaction.atomic():
        return load_defaults(apps.get_model, update_existing=reset)


def _require_monitor(actor: Official) -> None:
    if not (actor.is_authenticated and actor.is_monitor):
        raise ActionNotAllowed(_("Only a Government Office monitor can draft tasks from a directive."))


def with_missing_clears(draft: Draft, agency_ids: dict[str, int] | None = None) -> Draft:
    """Fill ``missing_clears`` by the one definition in tasks.clears (person and accountable
    leader are never in a notice's text, so a draft always lacks them until a monitor
    chooses the people). ``agency_ids`` (code → id) spares a query per draft."""
    if agency_ids is None:
        agency_ids = _agency_ids([draft])
    probe = Task(
        title=draft.action,
        description=draft.source_sentence,
        lead_agency_id=agency_ids.get(draft.lead_agency or ""),
        deadline=draft.deadline,
        recurrence=draft.recurrence or Recurrence.NONE,
        result_kind=draft.result_kind,
        expected_result=draft.expected_result,
        target_value=draft.target_value,
        target_unit=draft.target_unit,
    )
    draft.missing_clears = missing_clears(probe)
    return draft


def _agency_ids(drafts: list[Draft]) -> dict[str, int]:
    codes = {d.lead_agency for d in drafts if d.lead_agency}
    return dict(Agency.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}


def text_draft_tasks(*, text: str, reference_date: dt.date | None = None, language: str = "") -> list[Draft]:
    """Drafts of a text, with their missing clears; reads the rules from the database."""
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {
                "text": [
                    _("The text is too long to read at once (%(limit)s characters at most).")
                    % {"limit": MAX_TEXT}
                ]
            }
        )
    started = time.monotonic()
    rules = intake_rules()  # within the budget: the rules load in 0.05-0.2 s
    budget = max(0.1, PARSE_SECONDS - (time.monotonic() - started))
    try:
        drafts = parse(text, rules, reference_date=reference_date, language=language, time_budget=budget)
    except ParseTooLong as exc:
        raise ValidationError(
            {
                "text": [
                    _(
                        "This text is too long to read at once: %(read)s of its %(total)s characters "
                        "were read in %(seconds)s seconds. Split it into parts of at most "
                        "%(advice)s characters and read them one by one."
                    )
                    % {
                        "read": f"{exc.read:,}",
                        "total": f"{len(text):,}",
                        "seconds": PARSE_SECONDS,
                        "advice": f"{max(10_000, exc.read // 10_000 * 10_000):,}",
                    }
                ]
            }
        ) from exc
    ids = _agency_ids(drafts)
    return [with_missing_clears(d, ids) for d in drafts]


def directive_draft_tasks(*, actor: Official, directive: Directive, text: str = "") -> list[Draft]:
    """Propose the tasks of a directive from ``text`` (or its stored full text)."""
    _require_monitor(actor)
    text = text or directive.full_text
    if not text.strip():
        raise ValidationError({"text": [_("Paste or upload the directive's text: it has none stored.")]})
    return text_draft_tasks(text=text, reference_date=directive.issued_on)


@dataclass
class AcceptedDraft:
    """A reviewed draft, as the monitor left it, ready to become a task (or one per lead)."""

    title: str
    description: str
    lead_agency: str | None = None
    lead_agencies: list[str] = field(default_factory=list)
    one_task_per_lead: bool = False
    coordinating_agencies: list[str] = field(default_factory=list)
    deadline: dt.date | None = None
    deadline_phrase: str = ""
    recurrence: str = ""
    expected_result: str = ""
    result_kind: str = ""
    target_value: Decimal | None = None
    target_unit: str = ""


def _register(drafts: list[AcceptedDraft]) -> dict[str, Agency]:
    """Every agency the drafts name, in one query."""
    codes = {
        code for d in drafts for code in [d.lead_agency, *d.lead_agencies, *d.coordinating_agencies] if code
    }
    return {a.code: a for a in Agency.objects.filter(code__in=codes)} if codes else {}


def _agencies(
    codes: list[str], register: dict[str, Agency], errors: dict[str, list[str]], field_name: str
) -> list[Agency]:
    codes = [c for c in dict.fromkeys(codes) if c]
    unknown = [c for c in codes if c not in register]
    if unknown:
        errors.setdefault(field_name, []).append(
            _("Not in the agency register: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return [register[c] for c in codes if c in register]


@transaction.atomic
def intake_drafts_accept(*, actor: Official, directive: Directive, drafts: list[AcceptedDraft]) -> list[Task]:
    """Create the tasks of the accepted drafts, all or none, through
    ``tasks.services.tasks_create_many`` (the checks and history of ``task_create``, in bulk).

    A draft addressed to a group becomes one task per member when ``one_task_per_lead`` is
    set (each member is then its lead); otherwise one task without a lead agency, whose
    missing responsibility stays listed until a monitor chooses one."""
    _require_monitor(actor)
    register = _register(drafts)
    new: list[task_services.NewTask] = []
    owner: list[int] = []  # the draft of each task, to name it in a refusal
    errors: dict[str, list[str]] = {}
    for index, draft in enumerate(drafts, start=1):
        problems: dict[str, list[str]] = {}
        leads: list[Agency | None]
        if draft.one_task_per_lead and draft.lead_agencies:
            leads = list(_agencies(draft.lead_agencies, register, problems, "lead_agencies"))
        elif draft.lead_agency:
            leads = list(_agencies([draft.lead_agency], register, problems, "lead_agency"))
        else:
            leads = [None]
        coordinating = _agencies(draft.coordinating_agencies, register, problems, "coordinating_agencies")
        if draft.result_kind and draft.result_kind not in ResultKind.values:
            problems.setdefault("result_kind", []).append(_("Unknown kind of result."))
        errors.update({f"draft {index}: {k}": v for k, v in problems.items()})
        for lead in leads:
            fields: dict[str, Any] = {
                "title": draft.title,
                "description": draft.description,
                "lead_agency": lead,
                "deadline": None if draft.recurrence else draft.deadline,
                "deadline_phrase": draft.deadline_phrase[:255],
                "recurrence": draft.recurrence or Recurrence.NONE,
                "result_kind": draft.result_kind,
                "expected_result": draft.expected_result[:1000],
            }
            if draft.result_kind == ResultKind.INDICATOR:
                fields.update(target_value=draft.target_value, target_unit=draft.target_unit)
            others = [a for a in coordinating if lead is None or a.pk != lead.pk]
            new.append(task_services.NewTask(fields=fields, coordinating_agencies=others))
            owner.append(index)
    if errors:
        raise ValidationError(errors)
    try:
        return task_services.tasks_create_many(actor=actor, directive=directive, tasks=new)
    except ValidationError as exc:
        renamed: dict[str, list[str]] = {}
        for key, messages in exc.message_dict.items():
            place, _sep, name = key.partition(": ")
            number = place.removeprefix("task ")
            label = f"draft {owner[int(number) - 1]}: {name}" if number.isdigit() and name else key
            renamed.setdefault(label, []).extend(messages)
        raise ValidationError(renamed) from exc


#: A batch left unreviewed this long is deleted when the next one is made.
BATCH_DAYS = 7


def intake_batch_create(*, actor: Official, directive: Directive, rows: list[dict]) -> DraftBatch:
    """Keep the drafts of a reading for review (and forget batches nobody came back to)."""
    _require_monitor(actor)
    with transaction.atomic():
        DraftBatch.objects.filter(created_at__lt=timezone.now() - dt.timedelta(days=BATCH_DAYS)).delete()
        return DraftBatch.objects.create(directive=directive, created_by=actor, rows=rows)


def intake_batch_save(*, actor: Official, batch: DraftBatch, rows: list[dict]) -> DraftBatch:
    """Store the drafts as the monitor left them (edited, dropped, merged or split)."""
    _require_monitor(actor)
    with transaction.atomic():
        batch.rows = rows
        batch.save(update_fields=["rows"])
    return batch


@transaction.atomic
def intake_batch_accept(
    *, actor: Official, batch: DraftBatch, drafts: list[tuple[int, AcceptedDraft]]
) -> list[Task]:
    """Create the tasks of the accepted drafts (``(row index, draft)`` pairs) in one
    transaction, and take those rows out of the batch (deleted when none is left): all or
    none. In bulk, 300 drafts take a second or two, well inside one request (one by one,
    through ``task_create``, they took 40-70 s on this 2-core machine)."""
    created = intake_drafts_accept(actor=actor, directive=batch.directive, drafts=[d for _, d in drafts])
    taken = {index for index, _ in drafts}
    batch.rows = [row for i, row in enumerate(batch.rows) if i not in taken]
    if batch.rows:
        batch.save(update_fields=["rows"])
    else:
        batch.delete()
    return created


def draft_to_accepted(draft: Draft, *, one_task_per_lead: bool = False) -> AcceptedDraft:
    return AcceptedDraft(
        title=draft.action,
        description=draft.source_sentence,
        lead_agency=draft.lead_agency,
        lead_agencies=list(draft.lead_agencies),
        one_task_per_lead=one_task_per_lead,
        coordinating_agencies=list(draft.coordinating_agencies),
        deadline=draft.deadline,
        deadline_phrase=draft.deadline_phrase,
        recurrence=draft.recurrence,
        expected_result=draft.expected_result,
        result_kind=draft.result_kind,
        target_value=draft.target_value,
        target_unit=draft.target_unit,
    )


__all__ = [
    "AcceptedDraft",
    "detect_language",
    "directive_draft_tasks",
    "draft_to_accepted",
    "intake_batch_accept",
    "intake_batch_create",
    "intake_batch_save",
    "intake_defaults_load",
    "intake_drafts_accept",
    "text_draft_tasks",
    "with_missing_clears",
]
