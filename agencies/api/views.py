"""The agency register and the officials, read-only over the API."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api.filtersets import (
    AGENCY_ORDERINGS,
    OFFICIAL_ORDERINGS,
    RELEVANCE,
    AgencyFilterSet,
    OfficialFilterSet,
    searching,
)
from agencies.api.serializers import AgencySerializer, OfficialSerializer
from agencies.auth import official_of
from agencies.models import Agency, Official
from common.api.pagination import KeysetPagination
from common.api.query import StrictQueryMixin


class _ListViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    pagination_class = KeysetPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class: type[FilterSet]
    orderings: dict = {}
    default_ordering = ""

    def get_keyset_orderings(self):
        """By relevance when searching and no order is asked for: the pickers show the best first."""
        return self.orderings, RELEVANCE if searching(self.request.query_params) else self.default_ordering

    def list(self, request: Request) -> Response:
        filterset = self.filterset_class(
            data=request.query_params, queryset=self.get_queryset(), request=request
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer_class()(page, many=True).data)


@extend_schema_view(list=extend_schema(summary="The agency register, by code", tags=["agencies"]))
class AgencyViewSet(_ListViewSet):
    """Every signed-in caller reads the register: codes are how tasks name agencies."""

    queryset = Agency.objects.none()
    serializer_class = AgencySerializer
    filterset_class = AgencyFilterSet
    orderings = AGENCY_ORDERINGS
    default_ordering = "code"

    def get_queryset(self) -> QuerySet:
        return Agency.objects.select_related("parent").only(
            "id",
            "code",
            "name_vi",
            "name_en",
            "kind",
            "parent__code",
            "email",
            "is_active",
            "valid_from",
            "ended_on",
        )


@extend_schema_view(
    list=extend_schema(
        summary="Officials: all of them for a monitor, your own agency's otherwise", tags=["agencies"]
    )
)
class OfficialViewSet(_ListViewSet):
    """Monitors see every official; others see their own agency's, the people they can name
    as responsible for its tasks."""

    queryset = Official.objects.none()
    serializer_class = OfficialSerializer
    filterset_class = OfficialFilterSet
    orderings = OFFICIAL_ORDERINGS
    default_ordering = "username"

    def get_queryset(self) -> QuerySet:
        user = official_of(self.request)
        queryset = Official.objects.filter(is_active=True).select_related("agency", "supervisor")
        if not user.is_monitor:
            # an official of no agency (not a monitor) has no colleagues to see
            queryset = queryset.filter(agency_id=user.agency_id) if user.agency_id else queryset.none()
        return queryset.only(
            "id",
            "username",
            "first_name",
            "last_name",
            "agency__code",
            "position",
            "role",
            "language",
            "supervisor__username",
        )
