"""Forms of the web app: filters, and the action forms that hand their data to tasks.services.

Forms only shape input; the rules live in the services. ``apply_service_error`` maps a
service's refusal back onto the form so the page shows it beside the right field and keeps
what the user typed.
"""

from __future__ import annotations

import re
from typing import TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common.errors import refusal_for

_Field = TypeVar("_Field", bound=forms.Field)


def declared_field(form: forms.BaseForm, name: str, kind: type[_Field]) -> _Field:
    """A bound form's field by name, as the kind the form declares it (``form.fields`` holds
    them as plain fields): for the views and forms that change a field's choices or queryset."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


#: Dates as Vietnamese officials write them, on Vietnamese and English forms alike; "31 May 2025"
#: as English pages show them, and ISO (links and browsers use it), are also accepted.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d"]
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


def apply_service_error(form: forms.Form, exc: Exception) -> int:
    """Put a service's refusal on the form and return the HTTP status to answer with
    (``common.errors.refusal_for``): invalid input beside its fields (or on the form when the
    form has no such field), any other refusal as a form-level error."""
    refusal = refusal_for(exc)
    if refusal is None:
        raise exc
    if refusal.errors is None:
        form.add_error(None, refusal.message)
        return refusal.status
    for name, errors in refusal.errors.items():
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        for message in errors:
            form.add_error(target, message)
    return refusal.status


# --- filters ---------------------------------------------------------------------------------

#: Filters that hold codes (agencies) or usernames: typed, not picked from thousands of options.
CODE_FILTERS = ("directive_number", "lead_agency", "agency", "responsible")

#: What the web form says under a filter (the API's help texts speak of repeating parameters).
WEB_HELP = {
    "search": _("With or without accents: “bao ve du lieu” finds “bảo vệ dữ liệu”."),
    "lead_agency": _("Agency codes, separated by commas, e.g. MPS, HANOI."),
    "agency": _("Agency codes, separated by commas; leading or coordinating."),
    "responsible": _("Usernames, separated by commas."),
    "directive_number": _("Numbers, separated by commas, e.g. 56/TB-VPCP."),
}


#: The sort orders of a list in words (the API names them by their codes).
ORDERING_LABELS = {
    "deadline": _("Deadline, soonest first"),
    "-deadline": _("Deadline, latest first"),
    "code": _("Code, A to Z"),
    "-code": _("Code, Z to A"),
    "id": _("Oldest entered first"),
    "-id": _("Newest entered first"),
    "updated_at": _("Least recently changed first"),
    "-updated_at": _("Most recently changed first"),
    "relevance": _("Best match first (with a search)"),
    "issued_on": _("Issued, oldest first"),
    "-issued_on": _("Issued, newest first"),
    "number": _("Number, A to Z"),
    "-number": _("Number, Z to A"),
}


class CodesInput(forms.TextInput):
    """One text box for a list of codes: "MPS, HANOI" and ``?lead_agency=MPS&lead_agency=HANOI``
    both give ["MPS", "HANOI"]."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name) or ""]
        return [code for value in values for code in re.split(r"[\s,;]+", value or "") if code]

    def value_omitted_from_data(self, data, files, name):
        return False

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value) or None
        return super().format_value(value)


#: Filters whose box searches as you type (``static/js/picker.js``), and the API list it asks:
#: the box still takes typed codes and logins when the script does not run.
PICKERS = {
    "lead_agency": "agencies",
    "agency": "agencies",
    "responsible": "officials",
    "directive_number": "directives",
}
PICKER_URLS = {"agencies": "agency-list", "officials": "official-list", "directives": "directive-list"}


def picker_attrs(kind: str, *, multiple: bool = True) -> dict[str, str]:
    """The attributes that make a text box a search-as-you-type picker of ``kind``."""
    return {
        "data-picker": kind,
        "data-picker-url": reverse(PICKER_URLS[kind]),
        "data-picker-multiple": "true" if multiple else "false",
        "autocomplete": "off",
        "spellcheck": "false",
    }


def web_filter_form(filterset) -> forms.Form:
    """The FilterSet's own form, dressed for a page: codes typed in a box, dates as officials
    write them (ISO still accepted), help in words rather than in parameters. The filters,
    their checks and the query are the API's."""
    form = filterset.form
    for name in getattr(filterset, "WEB_HIDDEN", ()):
        form.fields.pop(name, None)
    for name, field in form.fields.items():
        field.help_text = WEB_HELP.get(name, "")
        if name == "directive":
            # by id, from the links of other pages: carried, not typed (a national list of
            # directives is tens of thousands of options)
            field.widget = forms.MultipleHiddenInput()
        elif name in PICKERS:
            field.widget = CodesInput(attrs=picker_attrs(PICKERS[name]))
        elif name in CODE_FILTERS:
            field.widget = CodesInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        elif isinstance(field, forms.DateField):
            field.input_formats = DATE_INPUT_FORMATS
            field.widget = VNDateField().widget
            field.error_messages["invalid"] = VNDateField().error_messages["invalid"]
        elif name == "ordering" and isinstance(field, forms.ChoiceField):
            field.choices = [
                ("", _("Default order")),
                # the stubs type the getter as the setter's input; Django stores a list or an iterator
                *((code, ORDERING_LABELS.get(code, code)) for code, _label in field.choices if code),  # type: ignore[misc,union-attr]  # stubs
            ]
        elif isinstance(field.widget, forms.SelectMultiple):
            field.widget.attrs["size"] = min(len(field.choices), 4)
    return form


class AgencyChoiceForm(forms.Form):
    """A monitor's choice of agency: its code typed (or picked as you type), not one of
    hundreds of options."""

    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        help_text=_("Agency code, e.g. MPS; type a few letters of the code or the name to search."),
        error_messages={"invalid_choice": _("No active agency has this code.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].widget = forms.TextInput(attrs=picker_attrs("agencies", multiple=False))


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
