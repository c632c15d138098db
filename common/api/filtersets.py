"""The base of every list's FilterSet."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet


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
