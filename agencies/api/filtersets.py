"""Filters of the agency register and the officials list."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from agencies.choices import AgencyKind, Role
from agencies.models import Agency, Official
from common.api.filtersets import ChosenByKeyFilter, ListFilterSet, ordering_filter

AGENCY_ORDERINGS = {"code": ("code",), "-code": ("-code",)}
OFFICIAL_ORDERINGS = {"username": ("username",), "-username": ("-username",)}


class AgencyFilterSet(ListFilterSet):
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
        method="filter_search", max_length=200, help_text=_("Words in the code or names.")
    )
    ordering = ordering_filter(AGENCY_ORDERINGS, _("Sort order."))

    class Meta:
        model = Agency
        fields: list[str] = []


class OfficialFilterSet(ListFilterSet):
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
        method="filter_search", max_length=200, help_text=_("Words in the username or the name.")
    )
    ordering = ordering_filter(OFFICIAL_ORDERINGS, _("Sort order."))

    class Meta:
        model = Official
        fields: list[str] = []
