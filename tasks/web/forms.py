"""Forms of the web app: filters, and the action forms that hand their data to tasks.services.

Forms only shape input; the rules live in the services. ``apply_service_error`` maps a
service's refusal back onto the form so the page shows it beside the right field and keeps
what the user typed.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from agencies.choices import AgencyKind
from agencies.models import Agency
from tasks.choices import TaskField, TaskStatus, Timeliness
from tasks.errors import ServiceError
from tasks.models import Directive
from tasks.selectors import TIMELINESS_COUNTED

#: Dates as Vietnamese officials write them; ISO also accepted (links and browsers use it).
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
DATE_DISPLAY_FORMAT = "%d/%m/%Y"


class VNDateField(forms.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault(
            "widget",
            forms.DateInput(
                format=DATE_DISPLAY_FORMAT,
                attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"},
            ),
        )
        kwargs.setdefault("help_text", _("Day/month/year, e.g. 31/05/2025."))
        kwargs.setdefault(
            "error_messages", {"invalid": _("Enter a date as day/month/year, e.g. 31/05/2025.")}
        )
        super().__init__(**kwargs)


def apply_service_error(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal on the form: ValidationError fields onto their fields (or the
    form when the form has no such field), ActionNotAllowed / InvalidTransition / StaleVersion
    as a form-level error."""
    if isinstance(exc, ServiceError):
        form.add_error(None, exc.message)
        return
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = name if name in form.fields and name != NON_FIELD_ERRORS else None
            for message in errors:
                form.add_error(target, message)
        return
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
        return
    raise exc


# --- filters ---------------------------------------------------------------------------------


class BacklogFilterForm(forms.Form):
    """The dashboard's filters; the task list adds its own on top."""

    directive = forms.ModelChoiceField(
        label=_("Directive"),
        queryset=Directive.objects.order_by("-issued_on", "number"),
        required=False,
        empty_label=_("All directives"),
    )
    field = forms.ChoiceField(
        label=_("Field"), required=False, choices=[("", _("All fields")), *TaskField.choices]
    )
    agency_kind = forms.ChoiceField(
        label=_("Kind of agency"),
        required=False,
        choices=[("", _("All kinds")), *AgencyKind.choices],
    )
    as_of = VNDateField(label=_("As of"), required=False)

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "directive": data["directive"].pk if data.get("directive") else None,
            "field": data.get("field") or None,
            "agency_kind": data.get("agency_kind") or None,
        }

    def link_params(self) -> dict:
        """The filters as query parameters for links (ISO dates, ids and codes)."""
        data = self.cleaned_data
        params = {}
        if data.get("directive"):
            params["directive"] = data["directive"].pk
        for name in ("field", "agency_kind"):
            if data.get(name):
                params[name] = data[name]
        return params


class ClarityFilterForm(BacklogFilterForm):
    """The clarity index is about how tasks were written, not about a date: no "as of"."""

    as_of = None


class TaskFilterForm(BacklogFilterForm):
    lead_agency = forms.ModelChoiceField(
        label=_("Lead agency"),
        queryset=Agency.objects.filter(is_active=True).order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All agencies"),
    )
    timeliness = forms.ChoiceField(
        label=_("Timeliness"),
        required=False,
        choices=[("", _("Any")), (TIMELINESS_COUNTED, _("Counted in the backlog")), *Timeliness.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *TaskStatus.choices]
    )
    q = forms.CharField(label=_("Search code or title"), required=False, max_length=200)

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        filters = super().selector_filters()
        filters.update(
            lead_agency=data["lead_agency"].code if data.get("lead_agency") else None,
            timeliness=data.get("timeliness") or None,
            status=data.get("status") or None,
            search=(data.get("q") or "").strip() or None,
        )
        return filters

    def link_params(self) -> dict:
        params = super().link_params()
        data = self.cleaned_data
        if data.get("lead_agency"):
            params["lead_agency"] = data["lead_agency"].code
        for name in ("timeliness", "status", "q"):
            if data.get(name):
                params[name] = data[name]
        return params


class AgencyChoiceForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.filter(is_active=True).order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("Choose an agency"),
    )


# --- actions ---------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """An action form on the task page; each has its own id prefix, since several share a page."""

    id_prefix = "action"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class VersionedForm(ActionForm):
    """Carries the task version the user saw, so a stale form is refused, not applied."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ProgressForm(VersionedForm):
    id_prefix = "progress"

    percent = forms.IntegerField(
        label=_("Progress (%)"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    indicator_value = forms.DecimalField(
        label=_("Indicator value now"), required=False, max_digits=14, decimal_places=2
    )
    note = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("PDF, PNG, JPEG, DOCX or XLSX; you may choose several."),
    )

    def __init__(self, *args, indicator: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not indicator:
            del self.fields["indicator_value"]


class SubmitResultForm(VersionedForm):
    id_prefix = "submit"

    result_summary = forms.CharField(
        label=_("Result achieved"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What was delivered, with the document numbers or figures."),
    )


class ExtensionRequestForm(VersionedForm):
    id_prefix = "extension"

    proposed_deadline = VNDateField(label=_("Proposed new deadline"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReturnForm(VersionedForm):
    id_prefix = "return"

    reason = forms.CharField(
        label=_("Why it is returned"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ConfirmForm(VersionedForm):
    id_prefix = "confirm"


class StartForm(VersionedForm):
    id_prefix = "start"


class SignedResultForm(VersionedForm):
    """A monitor says whether confirming this task needs a validly signed PDF."""

    id_prefix = "signed"

    requires_signed_result = forms.BooleanField(
        label=_("Require a signed result"),
        required=False,
        help_text=_("Confirming will need a PDF with a valid digital signature from the lead agency."),
    )


class ExtensionDecisionForm(ActionForm):
    id_prefix = "decide"

    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Decision note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required when rejecting."),
    )
