"""The review screen: paste or upload a notice, review the drafts, accept them as tasks.

Stateless: the drafts travel in the form, and every button (drop, merge, split, refresh,
accept) posts them all back. Reading calls ``directive_draft_tasks``; accepting calls
``intake_drafts_accept``, which creates the tasks through ``tasks.services.task_create``.
Monitors only.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.errors import ServiceError, refusal_for
from tasks.intake.forms import DraftForm, DraftFormSet, IntakeTextForm, ReviewForm
from tasks.intake.parser import Draft
from tasks.intake.services import (
    directive_draft_tasks,
    intake_drafts_accept,
    text_draft_tasks,
    with_missing_clears,
)
from tasks.models import Directive
from tasks.web.forms import apply_service_error

FIELDS = tuple(DraftForm.base_fields)


def _require_monitor(request: HttpRequest) -> None:
    if not request.user.is_monitor:
        raise PermissionDenied(_("Only a Government Office monitor can draft tasks from a directive."))


def _raw(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(value)
    return "" if value is None else value


def _bound(rows: list[dict[str, Any]]) -> DraftFormSet:
    """A bound formset from rows of field values, so each draft is validated and its missing
    clears can be computed whichever button brought the page."""
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "500",
    }
    for i, row in enumerate(rows):
        for name in FIELDS:
            value = row.get(name)
            if isinstance(DraftForm.base_fields[name], forms.BooleanField):
                if value:
                    data[f"form-{i}-{name}"] = "on"
                continue
            data[f"form-{i}-{name}"] = _raw(value)
    return DraftFormSet(data)


def _rows(formset: DraftFormSet) -> list[dict[str, Any]]:
    return [{name: form[name].value() for name in FIELDS} for form in formset.forms]


def _render_review(request: HttpRequest, directive: Directive, formset: DraftFormSet, status: int = 200):
    cards = []
    for form in formset.forms:
        missing = with_missing_clears(form.to_draft()).missing_clears if form.is_valid() else None
        group = form["lead_agencies"].value() or ""
        cards.append(
            {"form": form, "missing": missing, "group_size": len([c for c in group.split(",") if c.strip()])}
        )
    return render(
        request,
        "intake/review.html",
        {
            "directive": directive,
            "formset": formset,
            "cards": cards,
            "review": ReviewForm(initial={"directive": directive}),
        },
        status=status,
    )


@login_required
def intake_start(request: HttpRequest) -> HttpResponse:
    _require_monitor(request)
    form = IntakeTextForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        directive = form.cleaned_data["directive"]
        try:
            drafts = directive_draft_tasks(
                actor=request.user, directive=directive, text=form.cleaned_data["text"]
            )
        except (ValidationError, ServiceError) as exc:
            status = apply_service_error(form, exc)
            return render(request, "intake/start.html", {"form": form}, status=status)
        if not drafts:
            messages.warning(request, _("No task was found in this text."))
        return _render_review(request, directive, _bound([DraftForm.initial_from(d) for d in drafts]))
    return render(request, "intake/start.html", {"form": form}, status=400 if form.errors else 200)


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = dict(a)
    merged["description"] = f"{a.get('description', '')}; {b.get('description', '')}".strip("; ")
    coordinating = [
        c.strip()
        for c in f"{a.get('coordinating_agencies') or ''},{b.get('coordinating_agencies') or ''}".split(",")
    ]
    merged["coordinating_agencies"] = ", ".join(dict.fromkeys(c for c in coordinating if c))
    for name in (
        "lead_agency",
        "lead_agencies",
        "lead_phrase",
        "deadline",
        "deadline_phrase",
        "recurrence",
        "expected_result",
        "result_kind",
        "target_value",
        "target_unit",
    ):
        if not merged.get(name):
            merged[name] = b.get(name)
    return merged


def _split(row: dict[str, Any], directive: Directive) -> list[dict[str, Any]]:
    """Split a draft at its semicolons or sentences; each part is read again on its own and
    keeps the original's lead when it names none."""
    text = row.get("description") or ""
    parts = [p.strip() for p in re.split(r";\s*|(?<=\.)\s+", text) if p.strip()]
    if len(parts) < 2:
        return [row, dict(row)]
    rows = []
    for part in parts:
        drafts: list[Draft] = text_draft_tasks(text=part, reference_date=directive.issued_on)
        new = DraftForm.initial_from(drafts[0]) if drafts else {**row, "title": part}
        new["description"] = part
        if not new.get("lead_agency") and not new.get("lead_agencies"):
            for name in ("lead_agency", "lead_agencies", "lead_phrase"):
                new[name] = row.get(name)
        rows.append(new)
    return rows


@login_required
@require_POST
def intake_review(request: HttpRequest) -> HttpResponse:
    _require_monitor(request)
    review = ReviewForm(request.POST)
    if not review.is_valid():
        messages.error(request, _("The directive of these drafts no longer exists."))
        return redirect("intake:start")
    directive = review.cleaned_data["directive"]
    formset = DraftFormSet(request.POST)
    op, _sep, arg = request.POST.get("op", "refresh").partition("-")
    rows = _rows(formset)
    index = int(arg) if arg.isdigit() and int(arg) < len(rows) else None
    if op == "drop" and index is not None:
        del rows[index]
    elif op == "merge" and index is not None and index + 1 < len(rows):
        rows[index : index + 2] = [_merge(rows[index], rows[index + 1])]
    elif op == "split" and index is not None:
        rows[index : index + 1] = _split(rows[index], directive)
    elif op == "accept":
        return _accept(request, directive, formset)
    return _render_review(request, directive, _bound(rows))


def _accept(request: HttpRequest, directive: Directive, formset: DraftFormSet) -> HttpResponse:
    if not formset.is_valid():
        return _render_review(request, directive, formset, status=400)
    accepted = [form.to_accepted() for form in formset.forms if form.cleaned_data.get("accept")]
    if not accepted:
        messages.warning(request, _("Tick at least one draft to accept."))
        return _render_review(request, directive, formset, status=400)
    try:
        tasks = intake_drafts_accept(actor=request.user, directive=directive, drafts=accepted)
    except (ServiceError, ValidationError) as exc:
        refusal = refusal_for(exc)
        for errors in (refusal.errors or {"": [refusal.message]}).values():
            for message in errors:
                messages.error(request, message)
        return _render_review(request, directive, formset, status=refusal.status)
    messages.success(
        request,
        ngettext(
            "%(count)d draft task was added to %(directive)s; complete its clears and assign it.",
            "%(count)d draft tasks were added to %(directive)s; complete their clears and assign them.",
            len(tasks),
        )
        % {"count": len(tasks), "directive": directive.number},
    )
    return redirect(reverse("web:task_list") + f"?directive={directive.pk}")
