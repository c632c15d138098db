"""What every list's FilterSet is built from."""

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


def ordering_filter(orderings, help_text, **kwargs) -> filters.ChoiceFilter:
    """The ``ordering`` parameter of a list: one of the names of ``orderings`` (name -> order
    by), read by the keyset paginator, so its filter leaves the queryset alone."""
    return filters.ChoiceFilter(
        choices=[(name, name) for name in orderings], method="filter_nothing", help_text=help_text, **kwargs
    )


class ChosenByKeyFilter(filters.ModelMultipleChoiceFilter):
    """Related objects chosen by a natural key (an agency's code, an official's username) and
    compared as objects. django-filter's own filter compares ``field_name`` with the chosen
    object's ``to_field_name`` value, so a foreign key named by code compared a code with an
    id: every valid value was a 500 (``/officials/?agency=MPS``)."""

    def get_filter_predicate(self, v) -> dict:
        return {self.field_name: v}
