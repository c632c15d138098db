"""Admin: the ladder and the calendar are edited here; the outbox is read here (with its
errors) and a failed reminder can be put back in the queue."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import (
    CalendarOverride,
    EscalationRule,
    NotificationPreference,
    Reminder,
    SweepState,
)
from notifications.services import reminders_requeue_failed
from tasks.permissions import grant_back_office


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "offset", "unit", "level", "template", "repeat_every_days", "is_active")
    list_editable = ("is_active",)
    list_filter = ("level", "unit", "is_active")
    ordering = ("offset", "level")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"
    search_fields = ("note",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("official", "daily_digest")
    list_filter = ("daily_digest",)
    autocomplete_fields = ("official",)
    search_fields = ("official__username", "official__email")


@admin.register(SweepState)
class SweepStateAdmin(admin.ModelAdmin):
    list_display = ("key", "swept_through", "last_run_at")
    readonly_fields = ("key", "swept_through", "last_run_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = (
        "due_on",
        "task",
        "level",
        "language",
        "to",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    )
    list_filter = ("status", "level", "digest", "rule")
    list_select_related = ("task", "recipient")
    search_fields = ("task__code", "recipient__username", "recipients__icontains", "message_id")
    date_hierarchy = "due_on"
    raw_id_fields = ("task", "recipient")
    readonly_fields = [f.name for f in Reminder._meta.fields]
    actions = ["retry_now"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("recipients"))
    def to(self, obj: Reminder) -> str:
        """Who the message is for, with their addresses (the row holds them all)."""
        return ", ".join(
            f"{entry.get('name') or entry['id']} <{entry.get('email') or '-'}>" for entry in obj.addressees
        )

    @admin.display(description=_("error"))
    def short_error(self, obj: Reminder) -> str:
        return obj.error[:80]

    @admin.action(description=_("Send again at the next run (failed reminders only)"))
    def retry_now(self, request, queryset):
        count = reminders_requeue_failed(ids=list(queryset.values_list("id", flat=True)))
        self.message_user(
            request,
            ngettext("%d reminder will be sent again.", "%d reminders will be sent again.", count) % count,
            messages.SUCCESS,
        )


# Monitors read the ladder, the calendar and the outbox in the back office; administrators
# (superusers) edit the ladder and enter make-up days.
grant_back_office(
    "notifications",
    {
        "escalationrule": ("view",),
        "calendaroverride": ("view", "add", "change"),
        "notificationpreference": ("view",),
        "sweepstate": ("view",),
        "reminder": ("view",),
    },
)
