"""The back office: subscriptions (the secret never shown) and the delivery log, with
'send again' through the service."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from webhooks import services
from webhooks.models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "owner", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "owner__username", "description")
    readonly_fields = ("owner", "created_at", "previous_secret_expires_at")
    fields = (
        "url",
        "events",
        "description",
        "is_active",
        "owner",
        "created_at",
        "previous_secret_expires_at",
    )

    def has_add_permission(self, request):
        return False  # created through the API, which shows the secret once


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "event",
        "subscription",
        "task",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    )
    list_filter = ("status", "event")
    search_fields = ("subscription__url", "task__code", "idempotency_key")
    actions = ["send_again"]
    list_select_related = ("subscription", "task")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send again"))
    def send_again(self, request, queryset):
        sent = 0
        for delivery in queryset.select_related("subscription"):
            try:
                services.delivery_redeliver(actor=request.user, delivery=delivery)
                sent += 1
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"#{delivery.pk}: {exc}", messages.WARNING)
        self.message_user(request, _("%(count)d deliveries will be sent again.") % {"count": sent})
