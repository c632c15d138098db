"""The review screen: paste or upload a notice, review the drafts, accept them as tasks.

Reading keeps the drafts in a batch (``intake_batch_create``) and shows them a page at a time;
every button posts the page, whose edits are saved to the batch before the button acts, so a
notice of hundreds of drafts reviews without hitting the field limit or losing an edit.
Accepting calls ``intake_batch_accept``, which creates the tasks of every ticked draft through
``tasks.services.task_create``. Monitors only; others get the app's own refusal page.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.auth import official_of
from common.errors import ServiceError, refusal_for
from tasks.choices import Clear
from tasks.intake.forms import DraftForm, DraftFormSet, IntakeTextForm
from tasks.intake.models import DraftBatch
from tasks.intake.parser import Draft
from tasks.intake.selectors import draft_batch_get_for_user
from tasks.intake.services import (
    directive_draft_tasks,
    intake_batch_accept,
    intake_batch_create,
    intake_batch_save,
    text_draft_tasks,
    with_missing_clears,
)
from tasks.models import Directive
from tasks.web.forms import apply_service_error

FIELDS = tuple(DraftForm.base_fields)


#: Drafts on one page of the review screen: 50 drafts post ~770 fields, under Django's limit of
#: 1,000 (DATA_UPLOAD_MAX_NUMBER_FIELDS); the whole notice was one page before, and ~70 drafts
#: broke it.
PER_PAGE = 50


def _refuse(request: HttpRequest) -> HttpResponse:
    """The app's own page for someone who may not use the intake (not a bare 403)."""
    return render(request, "intake/refused.html", status=403)


def _raw(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(value)
    return "" if value is None else value


def _bound(rows: list[dict[str, Any]]) -> BaseFormSet:
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


def _rows(formset: BaseFormSet) -> list[dict[str, Any]]:
    return [{name: _stored(form[name].value()) for name in FIELDS} for form in formset.forms]


def _stored(value: Any) -> Any:
    """A field value as the batch keeps it (JSON): booleans stay, the rest is text."""
    return value if isinstance(value, bool) else _raw(value)


def _row(initial: dict[str, Any]) -> dict[str, Any]:
    return {name: _stored(initial.get(name)) for name in FIELDS}


def _bounds(batch: DraftBatch, page: int) -> tuple[int, int, int, int]:
    """The page asked for (kept within range), the number of pages, and its rows' slice."""
    pages = max(1, math.ceil(len(batch.rows) / PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PER_PAGE
    return page, pages, start, min(len(batch.rows), start + PER_PAGE)


def _page_number(value: Any) -> int:
    return int(value) if str(value or "").isdigit() else 1


def _render_review(request: HttpRequest, batch: DraftBatch, page: int, status: int = 200) -> HttpResponse:
    page, pages, start, end = _bounds(batch, page)
    formset = _bound(batch.rows[start:end])
    cards = []
    for offset, form in enumerate(formset.forms):
        missing = with_missing_clears(form.to_draft()).missing_clears if form.is_valid() else None
        group = form["lead_agencies"].value() or ""
        cards.append(
            {
                "form": form,
                "index": start + offset,
                "number": start + offset + 1,
                # named in the reader's language, not as codes
                "missing": [Clear(code).label for code in missing] if missing is not None else None,
                "group_size": len([c for c in group.split(",") if c.strip()]),
            }
        )
    return render(
        request,
        "intake/review.html",
        {
            "batch": batch,
            "directive": batch.directive,
            "formset": formset,
            "cards": cards,
            "page": page,
            "pages": range(1, pages + 1),
            "last_page": pages,
            "total": len(batch.rows),
            "ticked": sum(1 for row in batch.rows if row.get("accept")),
        },
        status=status,
    )


@login_required
def intake_start(request: HttpRequest) -> HttpResponse:
    if not official_of(request).is_monitor:
        return _refuse(request)
    form = IntakeTextForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        directive = form.cleaned_data["directive"]
        try:
            drafts = directive_draft_tasks(
                actor=official_of(request), directive=directive, text=form.cleaned_data["text"]
            )
        except (ValidationError, ServiceError) as exc:
            status = apply_service_error(form, exc)
            return render(request, "intake/start.html", {"form": form}, status=status)
        if not drafts:
            messages.warning(request, _("No task was found in this text."))
        batch = intake_batch_create(
            actor=official_of(request),
            directive=directive,
            rows=[_row(DraftForm.initial_from(d)) for d in drafts],
        )
        return redirect("intake:review", batch_id=batch.pk)
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
        new = _row(DraftForm.initial_from(drafts[0])) if drafts else {**row, "title": part}
        new["description"] = part
        if not new.get("lead_agency") and not new.get("lead_agencies"):
            for name in ("lead_agency", "lead_agencies", "lead_phrase"):
                new[name] = row.get(name)
        rows.append(new)
    return rows


@login_required
def intake_review(request: HttpRequest, batch_id: int) -> HttpResponse:
    """One page of the drafts. Every button posts the page: its edits are saved to the batch
    first, then the button acts (drop, merge, split, another page, tick all, accept)."""
    if not official_of(request).is_monitor:
        return _refuse(request)
    batch = draft_batch_get_for_user(user=request.user, batch_id=batch_id)
    if request.method != "POST":
        return _render_review(request, batch, _page_number(request.GET.get("page")))
    page, _pages, start, end = _bounds(batch, _page_number(request.POST.get("page")))
    rows = list(batch.rows)
    edited = _rows(DraftFormSet(request.POST))
    if len(edited) == end - start:  # the page the browser showed: keep what was typed
        rows[start:end] = edited
    op, _sep, arg = request.POST.get("op", "refresh").partition("-")
    index = int(arg) if arg.isdigit() and int(arg) < len(rows) else None
    target = page
    if op == "drop" and index is not None:
        del rows[index]
    elif op == "merge" and index is not None and index + 1 < len(rows):
        rows[index : index + 2] = [_merge(rows[index], rows[index + 1])]
    elif op == "split" and index is not None:
        rows[index : index + 1] = _split(rows[index], batch.directive)
    elif op == "page" and arg.isdigit():
        target = int(arg)
    elif op in ("tick", "untick"):
        for row in rows:
            row["accept"] = op == "tick"
    intake_batch_save(actor=official_of(request), batch=batch, rows=rows)
    if op == "accept":
        return _accept(request, batch, page)
    return redirect(reverse("intake:review", args=[batch.pk]) + f"?page={target}")


def _fresh(batch: DraftBatch) -> DraftBatch:
    """The batch as stored (a refused accept leaves it as it was saved before the accept)."""
    stored = DraftBatch.objects.select_related("directive").filter(pk=batch.pk).first()
    return stored or batch


def _accept(request: HttpRequest, batch: DraftBatch, page: int) -> HttpResponse:
    """Accept every ticked draft of the batch, on every page, all or none."""
    ticked = [(i, _bound([row]).forms[0]) for i, row in enumerate(batch.rows) if row.get("accept")]
    if not ticked:
        messages.warning(request, _("Tick at least one draft to accept."))
        return _render_review(request, batch, page, status=400)
    invalid = [i for i, form in ticked if not form.is_valid()]
    if invalid:
        messages.error(
            request,
            ngettext(
                "Draft %(numbers)s has errors: correct it, then accept again.",
                "Drafts %(numbers)s have errors: correct them, then accept again.",
                len(invalid),
            )
            % {"numbers": ", ".join(str(i + 1) for i in invalid[:20])},
        )
        return _render_review(request, batch, invalid[0] // PER_PAGE + 1, status=400)
    try:
        tasks = intake_batch_accept(
            actor=official_of(request), batch=batch, drafts=[(i, form.to_accepted()) for i, form in ticked]
        )
    except (ServiceError, ValidationError) as exc:
        refusal = refusal_for(exc)
        assert refusal is not None  # a ServiceError or ValidationError always has a refusal
        for errors in (refusal.errors or {"": [refusal.message]}).values():
            for message in errors:
                messages.error(request, message)
        return _render_review(request, _fresh(batch), page, status=refusal.status)
    messages.success(
        request,
        ngettext(
            "%(count)d draft task was added to %(directive)s; complete its clears and assign it.",
            "%(count)d draft tasks were added to %(directive)s; complete their clears and assign them.",
            len(tasks),
        )
        % {"count": len(tasks), "directive": batch.directive.number},
    )
    return redirect(reverse("web:task_list") + f"?directive={batch.directive.pk}")
