"""The filters of the task and directive lists, declared once.

Agency codes, usernames and directive ids are checked against the database (an unknown one
is a 400 naming it, not an empty list that looks like "nothing to do"); dates must be dates.
Timeliness uses the selectors' ``timeliness_q``, the very rule the backlog counts by, so a
backlog number and the filtered list behind it agree.
"""

from __future__ import annotations

import datetime as dt

import django_filters as filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from agencies.models import Agency, Official
from tasks.choices import DirectiveKind, TaskField, TaskStatus, Timeliness
from tasks.models import Directive, Task
from tasks.selectors import timeliness_q

#: ``ordering`` values of the task lists, each ending in a unique field (keyset pagination).
TASK_ORDERINGS = {
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "code": ("code",),
    "-code": ("-code",),
    "id": ("id",),
    "-id": ("-id",),
    "updated_at": ("updated_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
}

DIRECTIVE_ORDERINGS = {
    "-issued_on": ("-issued_on", "-id"),
    "issued_on": ("issued_on", "id"),
    "number": ("number",),
    "-number": ("-number",),
}

SEARCH_MAX = 200


class ListFilterSet(filters.FilterSet):
    """Base of every list's filters: ``ordering`` is read by the keyset paginator (and ``as_of``
    by the view), so their filter methods leave the queryset alone; ``search`` looks for the
    words in any of ``search_fields``."""

    search_fields: tuple[str, ...] = ()

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class ChosenByKeyFilter(filters.ModelMultipleChoiceFilter):
    """Related objects chosen by a natural key (an agency's code, an official's username) and
    compared as objects. django-filter's own filter compares ``field_name`` with the chosen
    object's ``to_field_name`` value, so a foreign key named by code compared a code with an
    id: every valid value was a 500 (``/officials/?agency=MPS``)."""

    def get_filter_predicate(self, v) -> dict:
        return {self.field_name: v}


def _none_chosen(value) -> bool:
    """No choice given: a multiple-model filter left empty gets ``queryset.none()``, which
    ``not value`` would evaluate (compiling a query) on every request; ask the query instead."""
    if isinstance(value, QuerySet):
        return value.query.is_empty()
    return not value


def _codes(name: str, help_text) -> filters.ModelMultipleChoiceFilter:
    return filters.ModelMultipleChoiceFilter(
        queryset=Agency.objects.all(),
        to_field_name="code",
        method=name,
        help_text=help_text,
    )


class TaskFilterSet(ListFilterSet):
    search_fields = ("code", "title", "title_en")

    lead_agency = _codes("filter_lead_agency", _("Lead agency code; repeat for several (MPS, HANOI)."))
    agency = _codes("filter_agency", _("Agency code, as lead or as coordinating agency; repeat for several."))
    directive = filters.ModelMultipleChoiceFilter(
        queryset=Directive.objects.all(),
        method="filter_directive",
        help_text=_("Directive id; repeat for several."),
    )
    status = filters.MultipleChoiceFilter(
        choices=TaskStatus.choices, method="filter_status", help_text=_("Status; repeat for several.")
    )
    field = filters.MultipleChoiceFilter(
        choices=TaskField.choices, method="filter_field", help_text=_("Field; repeat for several.")
    )
    timeliness = filters.MultipleChoiceFilter(
        choices=Timeliness.choices,
        method="filter_timeliness",
        help_text=_("Timeliness as of `as_of`; repeat for several."),
    )
    as_of = filters.DateFilter(
        method="filter_nothing",
        help_text=_("The date timeliness is judged on (YYYY-MM-DD); default today in Hanoi."),
    )
    deadline_after = filters.DateFilter(
        field_name="deadline", lookup_expr="gte", help_text=_("Deadline on or after (YYYY-MM-DD).")
    )
    deadline_before = filters.DateFilter(
        field_name="deadline", lookup_expr="lte", help_text=_("Deadline on or before (YYYY-MM-DD).")
    )
    responsible = filters.ModelMultipleChoiceFilter(
        queryset=Official.objects.all(),
        to_field_name="username",
        method="filter_responsible",
        help_text=_("Username of the responsible official; repeat for several."),
    )
    search = filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX,
        help_text=_("Words in the code or the title (Vietnamese or English)."),
    )
    ordering = filters.ChoiceFilter(
        choices=[(name, name) for name in TASK_ORDERINGS],
        method="filter_nothing",
        help_text=_("Sort order (the list is paged by it); default `deadline`, undated tasks last."),
    )

    class Meta:
        model = Task
        fields: list[str] = []

    @property
    def as_of_date(self) -> dt.date:
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        return cleaned.get("as_of") or timezone.localdate()

    def filter_lead_agency(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if _none_chosen(value):
            return queryset
        return queryset.filter(lead_agency_id__in=[a.pk for a in value])

    @extend_schema_field(OpenApiTypes.STR)
    def filter_agency(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if _none_chosen(value):
            return queryset
        ids = [a.pk for a in value]
        coordinating = Task.coordinating_agencies.through.objects.filter(
            task_id=OuterRef("pk"), agency_id__in=ids
        )
        return queryset.filter(Q(lead_agency_id__in=ids) | Q(Exists(coordinating)))

    def filter_directive(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if _none_chosen(value):
            return queryset
        return queryset.filter(directive_id__in=[d.pk for d in value])

    def filter_status(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(status__in=value) if value else queryset

    def filter_field(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(field__in=value) if value else queryset

    def filter_timeliness(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        condition = Q()
        for item in value:
            condition |= timeliness_q(item, self.as_of_date)
        return queryset.filter(condition)

    @extend_schema_field(OpenApiTypes.STR)
    def filter_responsible(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if _none_chosen(value):
            return queryset
        return queryset.filter(responsible_official_id__in=[o.pk for o in value])


class DirectiveFilterSet(ListFilterSet):
    search_fields = ("number", "title", "title_en")

    kind = filters.MultipleChoiceFilter(
        choices=DirectiveKind.choices, distinct=False, help_text=_("Kind; repeat for several.")
    )
    issuing_agency = ChosenByKeyFilter(
        queryset=Agency.objects.all(),
        to_field_name="code",
        field_name="issuing_agency",
        distinct=False,
        help_text=_("Issuing agency code; repeat for several."),
    )
    issued_after = filters.DateFilter(field_name="issued_on", lookup_expr="gte")
    issued_before = filters.DateFilter(field_name="issued_on", lookup_expr="lte")
    number = filters.CharFilter(field_name="number", lookup_expr="iexact", max_length=64)
    search = filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX,
        help_text=_("Words in the number or title (Vietnamese or English)."),
    )
    ordering = filters.ChoiceFilter(
        choices=[(name, name) for name in DIRECTIVE_ORDERINGS],
        method="filter_nothing",
        help_text=_("Sort order; default `-issued_on` (newest first)."),
    )

    class Meta:
        model = Directive
        fields: list[str] = []
