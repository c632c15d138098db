"""Filters of the agency register and the officials list."""

from __future__ import annotations

import django_filters as filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.choices import AgencyKind, Role
from agencies.models import Agency, Official
from agencies.search import TIER, agency_search, official_search
from common.api.filtersets import ChosenByKeyFilter, ListFilterSet, ordering_filter
from common.search import fold_query

#: Best match first: only with ``search`` (the tier is the search's); the default when searching.
RELEVANCE = "relevance"
AGENCY_ORDERINGS = {"code": ("code",), "-code": ("-code",), RELEVANCE: (TIER, "code")}
OFFICIAL_ORDERINGS = {"username": ("username",), "-username": ("-username",), RELEVANCE: (TIER, "username")}


def searching(query_params) -> bool:
    """Whether the query holds words to search for (so ``relevance`` is the default order)."""
    return bool(fold_query(query_params.get("search") or ""))


class _RankedFilterSet(ListFilterSet):
    """A list whose ``search`` ranks its matches: ordering by relevance needs words."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if valid and self.form.cleaned_data.get("ordering") == RELEVANCE and not searching(self.data):
            self.form.add_error("ordering", _("Order by relevance needs words to search for."))
            return False
        return valid


class AgencyFilterSet(_RankedFilterSet):
    search_fields = ("code", "name_vi", "name_en")

    kind = filters.MultipleChoiceFilter(
        choices=AgencyKind.choices, distinct=False, help_text=_("Kind; repeat for several.")
    )
    parent = ChosenByKeyFilter(
        queryset=Agency.objects.all(),
        to_field_name="code",
        field_name="parent",
        distinct=False,
        help_text=_("Code of the parent agency; repeat for several."),
    )
    is_active = filters.BooleanFilter()
    search = filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text=_(
            "Words in the code or names, with or without Vietnamese accents; the best matches first."
        ),
    )
    ordering = ordering_filter(AGENCY_ORDERINGS, _("Sort order."))

    class Meta:
        model = Agency
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return agency_search(queryset, value)


class OfficialFilterSet(_RankedFilterSet):
    search_fields = ("username", "first_name", "last_name")

    agency = ChosenByKeyFilter(
        queryset=Agency.objects.all(),
        to_field_name="code",
        field_name="agency",
        distinct=False,
        help_text=_("Agency code; repeat for several."),
    )
    role = filters.MultipleChoiceFilter(
        choices=Role.choices, distinct=False, help_text=_("Role; repeat for several.")
    )
    search = filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text=_(
            "Words in the username or the full name, with or without Vietnamese accents; "
            "the best matches first."
        ),
    )
    ordering = ordering_filter(OFFICIAL_ORDERINGS, _("Sort order."))

    class Meta:
        model = Official
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return official_search(queryset, value)
