"""The webhooks API: a monitor or an agency's leader manages their own subscriptions,
reads the delivery log, rotates the secret and sends a delivery again. Views are thin: the
services check who may, and what is valid."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.auth import official_of
from common.api.pagination import KeysetPagination
from common.api.query import StrictQueryMixin
from tasks.api.views import object_id
from webhooks import services
from webhooks.choices import WebhookEvent
from webhooks.models import WebhookDelivery, WebhookSubscription


class SubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "description", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: keep it to check the signatures.")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "idempotency_key",
            "history_entry",
            "task",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "last_attempt_at",
            "last_duration_ms",
            "delivered_at",
            "created_at",
        ]


SECRET = inline_serializer("WebhookSecret", {"secret": serializers.CharField()})


@extend_schema_view(
    list=extend_schema(summary="Your webhook subscriptions", tags=["webhooks"]),
    create=extend_schema(
        summary="Subscribe a URL to task events (the secret is in this answer only)",
        tags=["webhooks"],
        responses={201: SubscriptionCreatedSerializer},
    ),
    retrieve=extend_schema(summary="One of your subscriptions", tags=["webhooks"]),
    partial_update=extend_schema(summary="Change its URL, events or state", tags=["webhooks"]),
    destroy=extend_schema(summary="Delete a subscription and its log", tags=["webhooks"]),
)
class SubscriptionViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    serializer_class = SubscriptionSerializer
    queryset = WebhookSubscription.objects.none()
    pagination_class = KeysetPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_keyset_orderings(self):
        if self.action == "deliveries":
            return {"-id": ("-id",)}, "-id"
        return {"id": ("id",)}, "id"

    def is_paginated_action(self) -> bool:
        return self.action in ("list", "deliveries")

    def get_queryset(self) -> QuerySet:
        if not services.may_subscribe(official_of(self.request)):
            return WebhookSubscription.objects.none()
        return WebhookSubscription.objects.filter(owner=official_of(self.request))

    def list(self, request: Request) -> Response:
        self._require_subscriber()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SubscriptionSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        self._require_subscriber()
        data = SubscriptionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription, secret = services.subscription_create(actor=official_of(request), **data.validated_data)
        body = SubscriptionCreatedSerializer(subscription).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(SubscriptionSerializer(self._mine(pk)).data)

    def partial_update(self, request: Request, pk=None) -> Response:
        subscription = self._mine(pk)
        data = SubscriptionSerializer(subscription, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.subscription_update(
            actor=official_of(request), subscription=subscription, **data.validated_data
        )
        return Response(SubscriptionSerializer(subscription).data)

    def destroy(self, request: Request, pk=None) -> Response:
        services.subscription_delete(actor=official_of(request), subscription=self._mine(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="A new secret (the previous one keeps signing for a day)",
        tags=["webhooks"],
        request=None,
        responses={200: SECRET},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk=None) -> Response:
        secret = services.subscription_rotate_secret(actor=official_of(request), subscription=self._mine(pk))
        return Response({"secret": secret})

    @extend_schema(
        summary="The delivery log, newest first",
        tags=["webhooks"],
        responses={200: DeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk=None) -> Response:
        page = self.paginate_queryset(WebhookDelivery.objects.filter(subscription=self._mine(pk)))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery again (same body and idempotency key)",
        tags=["webhooks"],
        request=None,
        responses={202: DeliverySerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>\d+)/redeliver")
    def redeliver(self, request: Request, pk=None, delivery_id=None) -> Response:
        subscription = self._mine(pk)
        delivery = WebhookDelivery.objects.filter(
            pk=object_id(delivery_id), subscription=subscription
        ).first()
        if delivery is None:
            raise NotFound()
        delivery = services.delivery_redeliver(actor=official_of(request), delivery=delivery)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    def _require_subscriber(self) -> None:
        if not services.may_subscribe(official_of(self.request)):
            raise PermissionDenied(_("Only monitors and agency leaders may manage webhooks."))

    def _mine(self, pk) -> WebhookSubscription:
        self._require_subscriber()
        subscription = self.get_queryset().filter(pk=object_id(pk)).first()
        if subscription is None:
            raise NotFound()  # the API's own 404 body, as for every other object
        return subscription
