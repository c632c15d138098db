"""Forms of each role's daily job: the monitor's drafts (one on its page, or many from the
drafts list), the morning view's date, the leader's reassignment. They shape input only;
``tasks.services`` holds the rules and ``apply_service_error`` puts its refusals back here.

Agencies and officials are typed as codes and usernames (or chosen among one agency's
officials): a national list of 20,000 officials cannot be a drop-down.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.choices import Role
from agencies.models import Agency, Official
from tasks.choices import Recurrence, ResultKind
from tasks.web.forms import ActionForm, VersionedForm, VNDateField, declared_field, picker_attrs

#: The clears a monitor gives a draft, in the order of the task page (service field names).
CLEAR_FIELDS = (
    "lead_agency",
    "responsible_official",
    "accountable_leader",
    "deadline",
    "recurrence",
    "result_kind",
    "expected_result",
    "target_value",
    "target_unit",
)


def _code_field(label, help_text) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Agency.objects.filter(is_active=True, ended_on__isnull=True),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=help_text,
        error_messages={"invalid_choice": _("No agency has this code.")},
    )


def _person_field(label, help_text) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Official.objects.filter(is_active=True),
        to_field_name="username",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=help_text,
        error_messages={"invalid_choice": _("No official has this username.")},
    )


class DraftClearsForm(VersionedForm):
    """A draft's clears on its page, prefilled with what it has: "save" completes it (it stays
    a draft), "assign" completes it and sends it to the lead agency."""

    id_prefix = "draft"

    lead_agency = _code_field(_("Lead agency (code)"), _("E.g. MPS, HANOI."))
    responsible_official = _person_field(_("Responsible official"), _("An official of the lead agency."))
    accountable_leader = _person_field(_("Accountable leader"), _("A leader of the lead agency."))
    deadline = VNDateField(label=_("Deadline"), required=False)
    recurrence = forms.ChoiceField(
        label=_("Or a recurrence (standing task)"),
        choices=[("", _("None: a one-off task")), *[(v, label) for v, label in Recurrence.choices if v]],
        required=False,
    )
    result_kind = forms.ChoiceField(
        label=_("Kind of result"), choices=[("", _("Not chosen yet")), *ResultKind.choices], required=False
    )
    expected_result = forms.CharField(label=_("Expected result"), required=False, max_length=1000)
    target_value = forms.DecimalField(
        label=_("Target value"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    target_unit = forms.CharField(label=_("Target unit"), required=False, max_length=64)

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task is not None and task.lead_agency_id:
            # One agency's officials are few: chosen from a list, named as people, not logins.
            people = Official.objects.filter(agency_id=task.lead_agency_id, is_active=True).order_by(
                "last_name", "first_name", "username"
            )
            for name, queryset in (
                ("responsible_official", people),
                ("accountable_leader", people.filter(role=Role.LEADER)),
            ):
                field = declared_field(self, name, forms.ModelChoiceField)
                field.queryset = queryset
                field.widget = forms.Select()
                field.widget.choices = field.choices
                field.help_text = _(
                    "Officials of %(code)s. Change the lead agency first to choose another's."
                ) % {"code": task.lead_agency.code}

    @classmethod
    def for_task(cls, task) -> DraftClearsForm:
        initial = {name: getattr(task, name) for name in CLEAR_FIELDS}
        for name, attr in (
            ("lead_agency", "code"),
            ("responsible_official", "username"),
            ("accountable_leader", "username"),
        ):
            initial[name] = getattr(initial[name], attr) if initial[name] is not None else None
        initial["version"] = task.version
        return cls(initial=initial, task=task)

    def clears(self) -> dict:
        """The clears as the services take them; an empty box clears nothing it did not have."""
        data = {name: self.cleaned_data.get(name) for name in CLEAR_FIELDS}
        data["recurrence"] = data["recurrence"] or Recurrence.NONE
        data["expected_result"] = data["expected_result"] or ""
        data["target_unit"] = data["target_unit"] or ""
        data["result_kind"] = data["result_kind"] or ""
        return data


class DraftReturnForm(VersionedForm):
    id_prefix = "draft_return"

    reason = forms.CharField(
        label=_("Why the draft is returned"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("A returned draft is cancelled with this reason; it stays in the history."),
    )


class DraftsBulkForm(ActionForm):
    """One action on the drafts ticked on the drafts list. Assigning gives each the boxes
    filled here (left empty, a draft keeps what it has); returning needs a reason."""

    id_prefix = "bulk"

    ASSIGN = "assign"
    RETURN = "return"

    tasks = forms.TypedMultipleChoiceField(coerce=int, required=True, widget=forms.MultipleHiddenInput)
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[(ASSIGN, _("Assign to the lead agency")), (RETURN, _("Return (cancel the draft)"))],
        widget=forms.RadioSelect,
        initial=ASSIGN,
    )
    lead_agency = _code_field(_("Lead agency (code)"), _("Left empty, each draft keeps its own."))
    responsible_official = _person_field(
        _("Responsible official (username)"), _("Left empty, each draft keeps its own.")
    )
    accountable_leader = _person_field(
        _("Accountable leader (username)"), _("Left empty, each draft keeps its own.")
    )
    deadline = VNDateField(label=_("Deadline"), required=False)
    expected_result = forms.CharField(label=_("Expected result"), required=False, max_length=1000)
    reason = forms.CharField(
        label=_("Reason for returning"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, task_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        declared_field(self, "tasks", forms.MultipleChoiceField).choices = [(pk, pk) for pk in task_ids]
        self.fields["tasks"].error_messages["required"] = _("Tick at least one draft.")
        self.fields["tasks"].error_messages["invalid_choice"] = _("A ticked draft is no longer a draft.")

    def clears(self) -> dict:
        """Only the boxes filled in: the others leave each draft as it is."""
        names = ("lead_agency", "responsible_official", "accountable_leader", "deadline", "expected_result")
        return {name: self.cleaned_data[name] for name in names if self.cleaned_data.get(name)}


class MorningForm(forms.Form):
    since = VNDateField(
        label=_("Overdue since"),
        required=False,
        help_text=_("Yesterday unless you choose; after a weekend, Friday."),
    )


class ReassignForm(VersionedForm):
    """The leader names another official of the agency as responsible for a task. The page
    shows one form per open task: the agency's officials are read once (``people``, pairs of
    username and name) and each form takes any of them but the one already responsible.

    The official is typed in a search-as-you-type box over the agency's officials
    (``static/js/picker.js``), which takes a login without the script: a ``<select>`` of every
    official in each of the page's 50 forms grew with tasks × officials (272 KB and 2 s for an
    agency of 60 at national scale; the Government Office has 518)."""

    id_prefix = "reassign"

    official = forms.CharField(
        label=_("New responsible official"),
        help_text=_("Type a name or a login of the agency's officials."),
        max_length=150,
    )
    note = forms.CharField(label=_("Why"), required=False, max_length=2000)

    def __init__(self, *args, people: Sequence[tuple[str, str]] = (), task=None, **kwargs):
        if task is not None:
            kwargs.setdefault("auto_id", f"reassign_{task.pk}_%s")
        super().__init__(*args, **kwargs)
        current = (
            task.responsible_official.username if task is not None and task.responsible_official else None
        )
        self.others = {username for username, _name in people if username != current}
        agency = getattr(task, "lead_agency", None)
        if agency is not None:
            attrs = picker_attrs("officials", multiple=False)
            attrs["data-picker-url"] += "?" + urlencode({"agency": agency.code})
            declared_field(self, "official", forms.CharField).widget.attrs.update(attrs)

    def clean_official(self) -> Official:
        username = self.cleaned_data["official"].strip()
        if username not in self.others:
            raise forms.ValidationError(
                _("%(value)s is not another official of the agency."), params={"value": username}
            )
        return Official.objects.get(username=username)


def agency_people(agency_id: int) -> list[tuple[str, str]]:
    """The active officials of an agency as (username, name) choices, read once per page."""
    people = Official.objects.filter(agency_id=agency_id, is_active=True).order_by(
        "last_name", "first_name", "username"
    )
    return [(p.username, str(p)) for p in people]
