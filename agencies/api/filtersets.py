"""Filters of the agency register and the officials list."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.choices import AgencyKind, Role
from agencies.models import Agency

AGENCY_ORDERINGS = {"code": ("code",), "-code": ("-code",)}
OFFICIAL_ORDERINGS = {"username": ("username",), "-username": ("-username",)}


class AgencyFilterSet(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(
        choices=AgencyKind.choices, distinct=False, help_text=_("Kind; repeat for several.")
    )
    parent = filters.ModelMultipleChoiceFilter(
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
    ordering = filters.ChoiceFilter(
        choices=[(name, name) for name in AGENCY_ORDERINGS],
        method="filter_nothing",
        help_text=_("Sort order."),
    )

    class Meta:
        model = Agency
        fields: list[str] = []

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value) | Q(name_vi__icontains=value) | Q(name_en__icontains=value)
        )


class OfficialFilterSet(filters.FilterSet):
    agency = filters.ModelMultipleChoiceFilter(
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
    ordering = filters.ChoiceFilter(
        choices=[(name, name) for name in OFFICIAL_ORDERINGS],
        method="filter_nothing",
        help_text=_("Sort order."),
    )

    class Meta:
        from agencies.models import Official

        model = Official
        fields: list[str] = []

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value) | Q(first_name__icontains=value) | Q(last_name__icontains=value)
        )
