"""Forms of the review screen: the text to read, and one form per draft task."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from tasks.choices import Recurrence, ResultKind
from tasks.intake.extract import MAX_UPLOAD, text_from_bytes
from tasks.intake.parser import Draft
from tasks.intake.services import MAX_TEXT, AcceptedDraft
from tasks.models import Directive
from tasks.web.forms import VNDateField


def text_from_upload(upload) -> str:
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValidationError(_("The file is larger than 10 MB."))
    return text_from_bytes(upload.name, data)


class IntakeTextForm(forms.Form):
    directive = forms.ModelChoiceField(
        label=_("Directive"),
        queryset=Directive.objects.order_by("-issued_on", "number"),
        help_text=_("Accepted tasks are added to this directive; its issue date dates the deadlines."),
    )
    text = forms.CharField(
        label=_("Text of the notice"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("English or Vietnamese. Leave empty to read the directive's stored text."),
    )
    upload = forms.FileField(
        label=_("…or upload it"), required=False, help_text=_(".txt, .docx or .pdf, at most 10 MB.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("upload")
        if upload:
            try:
                data["text"] = text_from_upload(upload)
            except ValidationError as exc:
                self.add_error("upload", exc)
        directive = data.get("directive")
        if directive and not (data.get("text") or "").strip() and not directive.full_text.strip():
            self.add_error("text", _("Paste or upload the directive's text: it has none stored."))
        return data


def _codes(value: str) -> list[str]:
    return [c.strip().upper() for c in value.replace(";", ",").split(",") if c.strip()]


class DraftForm(forms.Form):
    """One draft as the monitor edits it. Agencies are codes so the page needs no script."""

    accept = forms.BooleanField(label=_("Accept"), required=False, initial=True)
    title = forms.CharField(label=_("Task (starts with the action)"), max_length=500)
    description = forms.CharField(label=_("Source text"), widget=forms.Textarea(attrs={"rows": 3}))
    lead_agency = forms.ModelChoiceField(
        label=_("Lead agency"),
        queryset=Agency.objects.filter(is_active=True).order_by("code"),
        to_field_name="code",
        required=False,
    )
    lead_agencies = forms.CharField(
        label=_("Lead group members (codes)"), required=False, widget=forms.HiddenInput
    )
    lead_phrase = forms.CharField(required=False, widget=forms.HiddenInput)
    one_task_per_lead = forms.BooleanField(label=_("One task per member of the group"), required=False)
    coordinating_agencies = forms.CharField(
        label=_("Coordinating agencies (codes)"),
        required=False,
        help_text=_("Comma-separated, e.g. MOJ, MPS."),
    )
    deadline = VNDateField(label=_("Deadline"), required=False)
    deadline_phrase = forms.CharField(label=_("Deadline as written"), required=False, max_length=255)
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=Recurrence.choices, required=False)
    expected_result = forms.CharField(label=_("Expected result"), required=False, max_length=1000)
    result_kind = forms.ChoiceField(
        label=_("Kind of result"), choices=[("", "—"), *ResultKind.choices], required=False
    )
    target_value = forms.DecimalField(label=_("Target"), required=False, max_digits=14, decimal_places=2)
    target_unit = forms.CharField(label=_("Unit"), required=False, max_length=64)

    def clean_coordinating_agencies(self) -> list[str]:
        codes = _codes(self.cleaned_data.get("coordinating_agencies", ""))
        known = set(Agency.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationError(_("Not in the agency register: %(codes)s.") % {"codes": ", ".join(unknown)})
        return codes

    def clean_lead_agencies(self) -> list[str]:
        return _codes(self.cleaned_data.get("lead_agencies", ""))

    @staticmethod
    def initial_from(draft: Draft) -> dict:
        return {
            "accept": True,
            "title": draft.action,
            "description": draft.source_sentence if draft.clause == draft.source_sentence else draft.clause,
            "lead_agency": draft.lead_agency,
            "lead_agencies": ", ".join(draft.lead_agencies) if not draft.lead_agency else "",
            "lead_phrase": draft.lead_phrase,
            "coordinating_agencies": ", ".join(draft.coordinating_agencies),
            "deadline": draft.deadline,
            "deadline_phrase": draft.deadline_phrase,
            "recurrence": draft.recurrence,
            "expected_result": draft.expected_result,
            "result_kind": draft.result_kind,
            "target_value": draft.target_value,
            "target_unit": draft.target_unit,
        }

    def to_draft(self) -> Draft:
        """The edited draft (from cleaned data), to recompute its missing clears."""
        d = self.cleaned_data
        lead = d.get("lead_agency")
        return Draft(
            source_sentence=d.get("description", ""),
            clause=d.get("description", ""),
            action=d.get("title", ""),
            lead_agency=lead.code if lead else None,
            lead_agencies=d.get("lead_agencies") or ([lead.code] if lead else []),
            lead_phrase=d.get("lead_phrase", ""),
            coordinating_agencies=d.get("coordinating_agencies") or [],
            deadline=d.get("deadline"),
            deadline_phrase=d.get("deadline_phrase", ""),
            recurrence=d.get("recurrence", ""),
            expected_result=d.get("expected_result", ""),
            result_kind=d.get("result_kind", ""),
            target_value=d.get("target_value") if d.get("target_value") is not None else None,
            target_unit=d.get("target_unit", ""),
        )

    def to_accepted(self) -> AcceptedDraft:
        d = self.cleaned_data
        lead = d.get("lead_agency")
        value = d.get("target_value")
        return AcceptedDraft(
            title=d["title"],
            description=d["description"],
            lead_agency=lead.code if lead else None,
            lead_agencies=d.get("lead_agencies") or [],
            one_task_per_lead=bool(d.get("one_task_per_lead")) and not lead,
            coordinating_agencies=d.get("coordinating_agencies") or [],
            deadline=d.get("deadline"),
            deadline_phrase=d.get("deadline_phrase", ""),
            recurrence=d.get("recurrence", ""),
            expected_result=d.get("expected_result", ""),
            result_kind=d.get("result_kind", ""),
            target_value=Decimal(value) if value is not None else None,
            target_unit=d.get("target_unit", ""),
        )


DraftFormSet = forms.formset_factory(DraftForm, extra=0, max_num=500, absolute_max=500, validate_max=True)
