"""The filters of the task and directive lists, declared once for both doors.

NetBox's way: the web pages (dashboard, task list, clarity index, exports, agency page) and the
API (``/api/v1/tasks/``, ``/api/v1/me/tasks/``, ``/api/v1/reports/backlog/``) name the same
FilterSet classes, so a page and the API answer the same question with the same parameters and
the same query. Each filter carries a label and a widget for the web form (rendered from
``filterset.form``) and a help text for the OpenAPI schema.

Agency codes, usernames and directive ids are checked against the database (an unknown one
is a 400 naming it, not an empty list that looks like "nothing to do"); dates must be dates.
Timeliness uses the selectors' ``timeliness_q``, the very rule the backlog counts by, so a
backlog number and the filtered list behind it agree. ``search`` forgives missing accents and
ranks its matches (``tasks.search``).

To add a filter (issue 14 brings ``include_predecessors`` and as-of-date agencies): declare it
on ``TaskFilterSet`` with a label, a help text and a ``filter_*`` method; the backlog, the
clarity index and both doors get it, and ``tests/web/test_two_doors.py`` asks for a value to
test it with.
"""

from __future__ import annotations

import datetime as dt

import django_filters as filters
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from agencies.choices import AgencyKind
from agencies.models import Agency, Official
from common.api.filtersets import ChosenByKeyFilter, ListFilterSet, ordering_filter
from tasks.choices import AgencyAttribution, DirectiveKind, TaskField, TaskStatus, Timeliness
from tasks.models import Directive, Task
from tasks.search import RANK, fold_query, task_search
from tasks.selectors import filter_lead_agency, officials_nameable_by, timeliness_q

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
    # best match first, then the newest; only with ``search`` (the rank is the search's)
    "relevance": (f"-{RANK}", "-id"),
}
RELEVANCE = "relevance"

DIRECTIVE_ORDERINGS = {
    "-issued_on": ("-issued_on", "-id"),
    "issued_on": ("issued_on", "id"),
    "number": ("number",),
    "-number": ("-number",),
}


@extend_schema_field(OpenApiTypes.STR)
class DirectiveNumberFilter(filters.ModelMultipleChoiceFilter):
    """Directives by number ("56/TB-VPCP"): strings in the schema, which cannot guess them."""


SEARCH_MAX = 500  # as long as a title: pasting a whole directive title must find it


def _none_chosen(value) -> bool:
    """No choice given: a multiple-model filter left empty gets ``queryset.none()``, which
    ``not value`` would evaluate (compiling a query) on every request; ask the query instead."""
    if isinstance(value, QuerySet):
        return value.query.is_empty()
    return not value


def _nameable_officials(request) -> QuerySet[Official]:
    return officials_nameable_by(getattr(request, "user", None))


def _codes(name: str, label, help_text) -> filters.ModelMultipleChoiceFilter:
    return filters.ModelMultipleChoiceFilter(
        queryset=Agency.objects.all(),
        to_field_name="code",
        method=name,
        label=label,
        help_text=help_text,
    )


#: Dates in the API are ISO; the web form adds the formats people type (``tasks.web.forms``).
ISO_DATE = ["%Y-%m-%d"]


def _date(label, help_text, **kwargs) -> filters.DateFilter:
    return filters.DateFilter(label=label, help_text=help_text, input_formats=ISO_DATE, **kwargs)


class TaskFilterSet(ListFilterSet):
    """Every filter of a list of tasks, for the task list page and ``/api/v1/tasks/``."""

    search_fields = ("code", "title")

    search = filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX,
        label=_("Search"),
        help_text=_(
            "Words in the code, the title, the directive's number or the lead agency's name, "
            "with or without Vietnamese accents; the best matches first."
        ),
    )
    directive = filters.ModelMultipleChoiceFilter(
        queryset=Directive.objects.all(),
        method="filter_directive",
        label=_("Directive"),
        help_text=_("Directive id; repeat for several."),
    )
    directive_number = DirectiveNumberFilter(
        queryset=Directive.objects.all(),
        to_field_name="number",
        method="filter_directive",
        label=_("Directive number"),
        help_text=_("Directive number, e.g. 56/TB-VPCP; repeat for several."),
    )
    lead_agency = _codes(
        "filter_lead_agency", _("Lead agency"), _("Lead agency code; repeat for several (MPS, HANOI).")
    )
    include_predecessors = filters.BooleanFilter(
        method="filter_nothing",
        label=_("With predecessors"),
        help_text=_(
            "With `lead_agency`: also the tasks of the agencies that ended into it in a "
            "reorganisation (MOST with MIC's)."
        ),
    )
    agencies = filters.ChoiceFilter(
        choices=AgencyAttribution.choices,
        method="filter_nothing",
        empty_label=None,
        label=_("Agencies"),
        help_text=_(
            "Which agencies the tasks are credited to: `as_of`, those of the date (default), or "
            "`today`, with agencies that ended rolled into their successors."
        ),
    )
    agency = _codes(
        "filter_agency",
        _("Agency, leading or coordinating"),
        _("Agency code, as lead or as coordinating agency; repeat for several."),
    )
    lead_agency_kind = filters.MultipleChoiceFilter(
        choices=AgencyKind.choices,
        method="filter_lead_agency_kind",
        label=_("Kind of agency"),
        help_text=_("Kind of the lead agency (ministry, province ...); repeat for several."),
    )
    responsible = filters.ModelMultipleChoiceFilter(
        queryset=_nameable_officials,
        to_field_name="username",
        method="filter_responsible",
        label=_("Responsible official"),
        help_text=_("Username of the responsible official; repeat for several."),
    )
    field = filters.MultipleChoiceFilter(
        choices=TaskField.choices,
        method="filter_field",
        label=_("Field"),
        help_text=_("Field; repeat for several."),
    )
    status = filters.MultipleChoiceFilter(
        choices=TaskStatus.choices,
        method="filter_status",
        label=_("Status"),
        help_text=_("Status; repeat for several."),
    )
    timeliness = filters.MultipleChoiceFilter(
        choices=Timeliness.choices,
        method="filter_timeliness",
        label=_("Timeliness"),
        help_text=_("Timeliness as of `as_of`; repeat for several."),
    )
    as_of = _date(
        _("As of"),
        _("The date timeliness is judged on (YYYY-MM-DD); default today in Hanoi."),
        method="filter_nothing",
    )
    deadline_after = _date(
        _("Deadline from"), _("Deadline on or after (YYYY-MM-DD)."), field_name="deadline", lookup_expr="gte"
    )
    deadline_before = _date(
        _("Deadline until"),
        _("Deadline on or before (YYYY-MM-DD)."),
        field_name="deadline",
        lookup_expr="lte",
    )
    ordering = ordering_filter(
        TASK_ORDERINGS,
        _(
            "Sort order (the list is paged by it); default `deadline`, undated tasks last, or "
            "`relevance` (best match first) when searching."
        ),
        label=_("Order"),
    )

    class Meta:
        model = Task
        fields: list[str] = []

    @property
    def as_of_date(self) -> dt.date:
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        return cleaned.get("as_of") or timezone.localdate()

    @property
    def attribution(self) -> str:
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        return cleaned.get("agencies") or AgencyAttribution.AS_OF

    @property
    def searching(self) -> bool:
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        return bool(fold_query(cleaned.get("search") or ""))

    @property
    def ordering_name(self) -> str:
        """The ordering asked for, else relevance when searching, else by deadline."""
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        return cleaned.get("ordering") or (RELEVANCE if self.searching else "deadline")

    def ordered(self, queryset: QuerySet | None = None) -> QuerySet:
        """The filtered tasks in ``ordering_name``'s order, as the API's keyset pages are
        (a missing deadline last going up, first going down, as PostgreSQL's btree sorts)."""
        queryset = self.qs if queryset is None else queryset
        order = []
        for i, key in enumerate(TASK_ORDERINGS[self.ordering_name]):
            name = key.lstrip("-")
            nulls = i == 0 and name == "deadline"
            if key.startswith("-"):
                order.append(F(name).desc(nulls_first=True) if nulls else F(name).desc())
            else:
                order.append(F(name).asc(nulls_last=True) if nulls else F(name).asc())
        return queryset.order_by(*order)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if valid and self.form.cleaned_data.get("ordering") == RELEVANCE and not self.searching:
            self.form.add_error("ordering", _("Order by relevance needs words to search for."))
            return False
        return valid

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return task_search(queryset, value)

    def filter_lead_agency(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Credited as the backlog credits them, so a number and its list agree across a
        reorganisation: as of a date (or rolled into today's agencies) when one is asked for;
        otherwise led by the agency now or handed on by it (an old code still finds them)."""
        if _none_chosen(value):
            return queryset
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        dated = bool(cleaned.get("as_of")) or cleaned.get("agencies") == AgencyAttribution.TODAY
        return filter_lead_agency(
            queryset,
            [a.pk for a in value],
            as_of=self.as_of_date if dated else None,
            attribution=self.attribution,
            include_predecessors=bool(cleaned.get("include_predecessors")),
        )

    @extend_schema_field(OpenApiTypes.STR)
    def filter_agency(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if _none_chosen(value):
            return queryset
        ids = [a.pk for a in value]
        coordinating = Task.coordinating_agencies.through.objects.filter(
            task_id=OuterRef("pk"), agency_id__in=ids
        )
        return queryset.filter(Q(lead_agency_id__in=ids) | Q(Exists(coordinating)))

    def filter_lead_agency_kind(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(lead_agency_id__in=Agency.objects.filter(kind__in=value).values("pk"))

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


class BacklogFilterSet(TaskFilterSet):
    """The backlog's filters (the dashboard and ``/api/v1/reports/backlog/``): every task filter.
    The backlog is counts grouped by lead agency, so an order of tasks changes nothing; the API's
    first version documented ``ordering`` here, and it is still accepted so that no client of
    that version gets a 400 (the schema changes by additions only). The dashboard's form leaves it
    out (``WEB_HIDDEN``); the dashboard orders its rows by ``sort``."""

    WEB_HIDDEN = ("ordering",)

    ordering = ordering_filter(
        TASK_ORDERINGS,
        _(
            "Accepted for the API's first version and without effect: the backlog counts tasks by "
            "lead agency, so the order of the tasks does not change it."
        ),
        label=_("Order"),
    )


class ClarityFilterSet(TaskFilterSet):
    """The clarity index is about how tasks were written: no timeliness and no order. "As of"
    stays: it credits each task to the agency of that date (MIC before 1 March 2025, MOST after)."""

    ordering = None
    timeliness = None


class DirectiveFilterSet(ListFilterSet):
    search_fields = ("number", "title")

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
        method="filter_search", max_length=SEARCH_MAX, help_text=_("Words in the number or title.")
    )
    ordering = ordering_filter(DIRECTIVE_ORDERINGS, _("Sort order; default `-issued_on` (newest first)."))

    class Meta:
        model = Directive
        fields: list[str] = []
