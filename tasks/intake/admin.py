"""The intake's rules and gazetteer in the admin, where the Government Office maintains them.

The intake app's own admin module, found by the admin's autodiscovery.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tasks.intake.models import (
    AgencyAlias,
    AgencyGroup,
    ClauseCue,
    DeadlinePattern,
    RecurrencePattern,
    ResultPattern,
)
from tasks.intake.selectors import agency_group_members
from tasks.intake.services import intake_defaults_load


@admin.action(description=_("Load the missing default rules and aliases (keeps edits)"))
def load_defaults(modeladmin, request, queryset):
    created = intake_defaults_load()
    messages.info(request, ", ".join(f"{name}: {count}" for name, count in created.items()))


class IntakeAdmin(admin.ModelAdmin):
    actions = [load_defaults]
    list_filter: ClassVar[tuple[str, ...]] = ("language", "is_active")
    list_per_page = 100


@admin.register(AgencyAlias)
class AgencyAliasAdmin(IntakeAdmin):
    list_display = ("alias", "agency", "language", "is_active")
    search_fields = ("alias", "agency__code", "agency__name_vi", "agency__name_en")
    autocomplete_fields = ("agency",)


@admin.register(AgencyGroup)
class AgencyGroupAdmin(IntakeAdmin):
    list_display = ("phrase", "language", "kinds", "member_count", "is_active")
    search_fields = ("phrase",)
    filter_horizontal = ("members",)
    readonly_fields = ("member_codes",)

    @admin.display(description=_("members"))
    def member_count(self, obj: AgencyGroup) -> int:
        return len(agency_group_members(obj))

    @admin.display(description=_("members now"))
    def member_codes(self, obj: AgencyGroup) -> str:
        return ", ".join(agency_group_members(obj)) if obj.pk else "—"


@admin.register(DeadlinePattern)
class DeadlinePatternAdmin(IntakeAdmin):
    list_display = ("name", "language", "resolution", "offset_days", "priority", "example", "is_active")
    list_filter = ("language", "resolution", "is_active")
    search_fields = ("name", "regex", "example")


@admin.register(ResultPattern)
class ResultPatternAdmin(IntakeAdmin):
    list_display = ("name", "language", "result_kind", "unit", "priority", "example", "is_active")
    list_filter = ("language", "result_kind", "is_active")
    search_fields = ("name", "regex", "example")


@admin.register(RecurrencePattern)
class RecurrencePatternAdmin(IntakeAdmin):
    list_display = ("regex", "language", "recurrence", "example", "is_active")
    list_filter = ("language", "recurrence", "is_active")
    search_fields = ("regex", "example")


@admin.register(ClauseCue)
class ClauseCueAdmin(IntakeAdmin):
    list_display = ("phrase", "kind", "language", "is_active")
    list_filter = ("language", "kind", "is_active")
    search_fields = ("phrase",)
