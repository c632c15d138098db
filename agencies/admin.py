"""Back office for the agency register and the officials' accounts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Official


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "name_en", "kind", "parent", "email", "is_active", "ended_on")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name_vi", "name_en")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    readonly_fields = ("ended_on", "records_held_by")

    def get_search_results(self, request, queryset, search_term):
        """An agency that ended stays in the register (searchable by its old code in the list)
        but no picker offers it: the autocomplete widgets list active agencies only."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(is_active=True)
        return queryset, may_have_duplicates


@admin.register(Official)
class OfficialAdmin(UserAdmin):
    list_display = (
        "username",
        "get_full_name",
        "agency",
        "role",
        "position",
        "email",
        "language",
        "is_active",
    )
    list_filter = ("role", "language", "is_active", "agency__kind")
    search_fields = ("username", "first_name", "last_name", "email", "agency__code", "agency__name_vi")
    autocomplete_fields = ("agency", "supervisor")
    list_select_related = ("agency",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Five Clear"), {"fields": ("agency", "position", "role", "language", "supervisor")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Five Clear"), {"fields": ("email", "agency", "position", "role", "language", "supervisor")}),
    )
