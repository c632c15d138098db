"""Back office for reorganisations: enter an event, preview what it moves, choose successors
for a split, apply it.

The event is an agencies model, but applying it moves tasks, so its admin lives with the code
that applies it (agencies never imports tasks). Every change goes through
``tasks.reorganisation``; this page only shows the preview and posts the choices.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from agencies.auth import official_of
from agencies.choices import ReorganisationKind
from agencies.models import Agency, ReorganisationEvent
from tasks.errors import ServiceError
from tasks.reorganisation import reorganisation_apply, reorganisation_choose, reorganisation_preview


@admin.register(ReorganisationEvent)
class ReorganisationEventAdmin(admin.ModelAdmin):
    list_display = (
        "effective_on",
        "kind",
        "predecessor_codes",
        "successor_codes",
        "document_number",
        "status",
    )
    list_filter = ("status", "kind")
    search_fields = ("document_number", "document_title", "predecessors__code", "successors__code")
    autocomplete_fields = ("predecessors", "successors")
    date_hierarchy = "effective_on"
    readonly_fields = ("status", "applied_at", "applied_by", "created_at")
    actions = ("preview_and_apply",)
    fieldsets = (
        (None, {"fields": ("kind", "effective_on", "predecessors", "successors", "successor_reads_records")}),
        (
            _("Legal basis"),
            {
                "fields": (
                    "document_number",
                    "document_date",
                    "document_title",
                    "document_link",
                    "sources",
                    "note",
                )
            },
        ),
        (_("Status"), {"fields": ("status", "applied_at", "applied_by", "created_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("predecessors", "successors")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_applied:
            # An applied event is history: what it moved is recorded against it.
            return [f.name for f in self.model._meta.fields] + ["predecessors", "successors"]
        return self.readonly_fields

    @admin.display(description=_("predecessors"))
    def predecessor_codes(self, obj):
        return ", ".join(a.code for a in obj.predecessors.all())

    @admin.display(description=_("successors"))
    def successor_codes(self, obj):
        return ", ".join(a.code for a in obj.successors.all())

    def get_urls(self):
        return [
            path(
                "<int:event_id>/apply/",
                self.admin_site.admin_view(self.apply_view),
                name="agencies_reorganisationevent_apply",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("Preview and apply the selected reorganisation"))
    def preview_and_apply(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one reorganisation at a time."), messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse("admin:agencies_reorganisationevent_apply", args=[queryset.get().pk])
        )

    def apply_view(self, request: HttpRequest, event_id: int) -> HttpResponse:
        """GET: the preview, with a successor to choose per task and per official when the event
        has no single successor. POST: keep the choices, or apply."""
        event = get_object_or_404(ReorganisationEvent, pk=event_id)
        if not self.has_change_permission(request, event) or not official_of(request).is_monitor:
            raise PermissionDenied
        if request.method == "POST":
            tasks = _posted_choices(request, "task_")
            officials = _posted_choices(request, "official_")
            try:
                if "apply" in request.POST:
                    plan = reorganisation_apply(
                        actor=official_of(request),
                        event=event,
                        successor_for_task=tasks,
                        successor_for_official=officials,
                    )
                    if plan.applied:
                        self.message_user(
                            request,
                            _("Applied: %(tasks)d tasks and %(people)d officials moved.")
                            % {"tasks": len(plan.task_ids), "people": len(plan.officials)},
                            messages.SUCCESS,
                        )
                    else:
                        self.message_user(
                            request, _("This reorganisation was already applied."), messages.INFO
                        )
                    return HttpResponseRedirect(
                        reverse("admin:agencies_reorganisationevent_change", args=[event.pk])
                    )
                reorganisation_choose(
                    actor=official_of(request),
                    event=event,
                    successor_for_task=tasks,
                    successor_for_official=officials,
                )
                self.message_user(request, _("Choices kept."), messages.SUCCESS)
            except (ValidationError, ServiceError) as exc:
                for message in getattr(exc, "messages", [str(exc)]):
                    self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.path)
        plan = reorganisation_preview(event=event)
        choosing = event.kind in (ReorganisationKind.SPLIT, ReorganisationKind.DISSOLVE)
        options = (
            list(
                Agency.objects.filter(is_active=True)
                .exclude(pk__in=event.predecessors.all())
                .order_by("code")
            )
            if event.kind == ReorganisationKind.DISSOLVE
            else list(event.successors.order_by("code"))
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Apply the reorganisation %(event)s") % {"event": event},
            "event": event,
            "plan": plan,
            "choosing": choosing and not event.is_applied,
            "options": options,
        }
        return TemplateResponse(request, "admin/agencies/reorganisation_preview.html", context)


def _posted_choices(request: HttpRequest, prefix: str) -> dict[int, int | None]:
    """``task_<id>=<agency id>`` fields of the preview form; an empty choice removes one kept."""
    chosen: dict[int, int | None] = {}
    for name, value in request.POST.items():
        if isinstance(value, str) and name.startswith(prefix) and name[len(prefix) :].isdigit():
            chosen[int(name[len(prefix) :])] = int(value) if value.isdigit() else None
    return chosen
