"""The Government Office's back office: directives, tasks and their reports, extensions and history.

Edits made here go through ``tasks.services`` like every other change, so the same rules
hold and the history records who changed what. Reports, extension requests and history are
shown inline, read-only: they are made by the agencies through the web app and the API.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.errors import ServiceError, refusal_for
from tasks import services
from tasks.choices import Timeliness
from tasks.models import (
    Directive,
    DirectiveEvent,
    EvidenceFile,
    EvidenceSignature,
    ExtensionRequest,
    ProgressReport,
    Task,
    TaskEvent,
    TrustedRoot,
)
from tasks.selectors import timeliness_q, with_timeliness


def _error_text(exc: Exception) -> str:
    """A refusal as the one line the admin shows (``common.errors.refusal_for``)."""
    refusal = refusal_for(exc)
    if refusal is None:
        raise exc
    return refusal.message


class TimelinessFilter(admin.SimpleListFilter):
    title = _("timeliness (today)")
    parameter_name = "timeliness"

    def lookups(self, request, model_admin):
        return Timeliness.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value is not None and value in Timeliness.values:
            return queryset.filter(timeliness_q(value, timezone.localdate()))
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProgressReportInline(ReadOnlyInline):
    model = ProgressReport
    fields = ("reported_on", "agency", "author", "percent", "indicator_value", "note", "is_contribution")
    readonly_fields = fields


class ExtensionRequestInline(ReadOnlyInline):
    model = ExtensionRequest
    fields = (
        "requested_at",
        "requested_by",
        "current_deadline",
        "proposed_deadline",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields


class TaskEventInline(ReadOnlyInline):
    model = TaskEvent
    verbose_name_plural = _("history")
    fields = ("at", "actor", "action", "changes", "note")
    readonly_fields = fields


class ServiceFormAdmin(admin.ModelAdmin):
    """An admin whose saves are service calls: a refusal comes back as a message on the page
    and nothing is saved (the service's transaction and the admin's roll back together)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, ServiceError) as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class DirectiveEventInline(ReadOnlyInline):
    model = DirectiveEvent
    verbose_name_plural = _("history")
    fields = ("at", "actor", "action", "changes")
    readonly_fields = fields


@admin.register(Directive)
class DirectiveAdmin(ServiceFormAdmin):
    list_display = ("number", "kind", "title", "issued_on", "issuing_agency", "task_count")
    list_filter = ("kind", "issuing_agency")
    search_fields = ("number", "title", "title_en", "signer")
    date_hierarchy = "issued_on"
    autocomplete_fields = ("issuing_agency",)
    inlines = (DirectiveEventInline,)

    # Every save goes through the services: the same checks, history and cache refresh as the API.
    def save_model(self, request, obj, form, change):
        if change:
            data = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in services.DIRECTIVE_FIELDS
            }
            saved = services.directive_update(actor=request.user, directive=obj.pk, **data)
        else:
            data = {
                name: form.cleaned_data[name]
                for name in services.DIRECTIVE_FIELDS
                if name in form.cleaned_data
            }
            saved = services.directive_create(actor=request.user, **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # the history inline is read-only; nothing else is related
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("issuing_agency").annotate(n_tasks=Count("tasks"))

    @admin.display(description=_("tasks"), ordering="n_tasks")
    def task_count(self, obj):
        return obj.n_tasks


@admin.register(Task)
class TaskAdmin(ServiceFormAdmin):
    list_display = (
        "code",
        "title",
        "lead_agency",
        "deadline",
        "status",
        "timeliness_today",
        "progress",
        "missing",
    )
    list_filter = ("status", TimelinessFilter, "lead_agency", "directive", "field", "coordinating_agencies")
    search_fields = (
        "code",
        "title",
        "title_en",
        "description",
        "expected_result",
        "lead_agency__code",
        "lead_agency__name_vi",
    )
    list_select_related = ("lead_agency", "directive", "responsible_official", "accountable_leader")
    autocomplete_fields = ("directive", "lead_agency", "responsible_official", "accountable_leader")
    filter_horizontal = ("coordinating_agencies",)
    date_hierarchy = "deadline"
    inlines = (ProgressReportInline, ExtensionRequestInline, TaskEventInline)
    actions = ("assign_selected", "confirm_selected")
    readonly_fields = (
        "status",
        "version",
        "original_deadline",
        "progress",
        "current_value",
        "result_summary",
        "assigned_at",
        "submitted_at",
        "completed_at",
        "completion_date",
        "status_reason",
        "missing",
        "created_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("code", "directive", "status", "version", "missing")}),
        (_("clear task"), {"fields": ("title", "description", "field")}),
        (
            _("clear responsibility and person"),
            {
                "fields": (
                    "lead_agency",
                    "coordinating_agencies",
                    "accountable_leader",
                    "responsible_official",
                )
            },
        ),
        (
            _("clear deadline"),
            {
                "fields": (
                    "deadline",
                    "original_deadline",
                    "deadline_phrase",
                    "recurrence",
                    "due_day",
                    "due_month",
                )
            },
        ),
        (
            _("clear result"),
            {
                "fields": (
                    "result_kind",
                    "expected_result",
                    "target_value",
                    "target_unit",
                    "current_value",
                    "requires_signed_result",
                )
            },
        ),
        (
            _("progress"),
            {
                "fields": (
                    "progress",
                    "result_summary",
                    "assigned_at",
                    "submitted_at",
                    "completed_at",
                    "completion_date",
                    "status_reason",
                )
            },
        ),
        (
            _("English translation"),
            {
                "fields": (
                    "title_en",
                    "description_en",
                    "deadline_phrase_en",
                    "expected_result_en",
                    "target_unit_en",
                ),
                "classes": ("collapse",),
            },
        ),
        (_("record"), {"fields": ("created_by", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return with_timeliness(super().get_queryset(request))

    @admin.display(description=_("timeliness (today)"), ordering="timeliness")
    def timeliness_today(self, obj):
        value = getattr(obj, "timeliness", None)
        return Timeliness(value).label if value else "—"

    @admin.display(description=_("missing clears"))
    def missing(self, obj):
        return ", ".join(obj.missing_clears) or "—"

    # Every save goes through the services: the same checks and history as the API.
    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS
        }
        if "coordinating_agencies" in data:
            data["coordinating_agencies"] = list(data["coordinating_agencies"])
        if change:
            saved = services.task_update(actor=request.user, task=obj.pk, **data)
        else:
            data.pop("directive", None)
            saved = services.task_create(
                actor=request.user, directive=form.cleaned_data["directive"], code=obj.code, **data
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # coordinating agencies were set by the service; inlines are read-only
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _each(self, request, queryset, action, done_message):
        done = 0
        for task in queryset:
            try:
                with transaction.atomic():
                    action(actor=request.user, task=task)
                done += 1
            except (ValidationError, ServiceError) as exc:
                self.message_user(request, f"{task.code}: {_error_text(exc)}", messages.WARNING)
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Assign the selected tasks to their lead agencies"))
    def assign_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            services.task_assign,
            lambda n: ngettext("%(n)d task assigned.", "%(n)d tasks assigned.", n) % {"n": n},
        )

    @admin.action(description=_("Confirm the submitted results of the selected tasks"))
    def confirm_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            services.task_confirm,
            lambda n: ngettext("%(n)d task confirmed.", "%(n)d tasks confirmed.", n) % {"n": n},
        )


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ("task", "requested_by", "current_deadline", "proposed_deadline", "status", "decided_by")
    list_filter = ("status", "task__lead_agency")
    search_fields = ("task__code", "task__title", "reason")
    list_select_related = ("task", "requested_by", "decided_by")
    actions = ("approve_selected",)
    readonly_fields = [f.name for f in ExtensionRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """Every field is read-only here: a request changes only by ``extension_request_decide``
        (the action), which records it; the change page's Save writes nothing."""

    @admin.action(description=_("Approve the selected extension requests"))
    def approve_selected(self, request, queryset):
        for extension in queryset:
            try:
                with transaction.atomic():
                    services.extension_request_decide(actor=request.user, extension=extension, approve=True)
            except (ValidationError, ServiceError) as exc:
                self.message_user(request, f"{extension.task.code}: {_error_text(exc)}", messages.WARNING)


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = (
        "task",
        "agency",
        "author",
        "reported_on",
        "percent",
        "indicator_value",
        "is_contribution",
    )
    list_filter = ("is_contribution", "agency")
    search_fields = ("task__code", "note")
    list_select_related = ("task", "agency", "author")
    readonly_fields = [f.name for f in ProgressReport._meta.fields]

    def has_add_permission(self, request):
        return False


class EvidenceSignatureInline(ReadOnlyInline):
    model = EvidenceSignature
    fields = (
        "position",
        "verdict",
        "signer_name",
        "organisation",
        "issuer",
        "signing_time",
        "timestamp_time",
        "timestamp_trusted",
        "coverage",
        "modification",
        "problem",
        "certificate_sha256",
    )
    readonly_fields = fields


@admin.register(EvidenceFile)
class EvidenceFileAdmin(admin.ModelAdmin):
    list_display = ("original_name", "report", "content_type", "size", "uploaded_at", "signature_verdict")
    list_filter = ("signature_verdict", "content_type")
    readonly_fields = [f.name for f in EvidenceFile._meta.fields]
    inlines = (EvidenceSignatureInline,)
    actions = ("recheck_selected",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Check the signatures of the selected files again"))
    def recheck_selected(self, request, queryset):
        for item in queryset.filter(content_type="application/pdf"):
            services.evidence_signatures_recheck(evidence=item.pk)
        self.message_user(request, _("Signatures checked again."), messages.SUCCESS)


class TrustedRootForm(forms.ModelForm):
    """Adding a root: a name and the certificate file (PEM or DER); the service reads the rest."""

    certificate_file = forms.FileField(
        label=_("certificate file"),
        help_text=_("The CA's certificate, PEM (.pem, .crt) or DER (.cer, .der)."),
    )

    class Meta:
        model = TrustedRoot
        fields = ("name",)


@admin.register(TrustedRoot)
class TrustedRootAdmin(admin.ModelAdmin):
    """The certificate authorities whose signatures count as trusted. Adding one, or stopping
    or resuming trust in one, re-checks every evidence PDF in the background."""

    list_display = ("name", "subject", "valid_from", "valid_until", "is_active", "added_by", "added_at")
    list_filter = ("is_active",)
    search_fields = ("name", "subject", "fingerprint_sha256")
    actions = ("stop_trusting", "resume_trusting", "recheck_all")
    readonly_fields = (
        "name",
        "subject",
        "fingerprint_sha256",
        "valid_from",
        "valid_until",
        "is_active",
        "added_by",
        "added_at",
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TrustedRootForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        return ("name", "certificate_file") if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # stop trusting instead: the roots a verdict was judged by stay on record

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data["certificate_file"]
        saved = services.trusted_root_add(
            actor=request.user, name=form.cleaned_data["name"], certificate=upload.read()
        )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, ServiceError) as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _set_active(self, request, queryset, active: bool):
        for root in queryset:
            services.trusted_root_set_active(actor=request.user, root=root, active=active)
        self.message_user(request, _("The evidence is being checked again against the roots now trusted."))

    @admin.action(description=_("Stop trusting the selected roots"))
    def stop_trusting(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description=_("Trust the selected roots again"))
    def resume_trusting(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("Check every evidence PDF's signatures again now"))
    def recheck_all(self, request, queryset):
        services.evidence_signatures_recheck_all_later()
        self.message_user(request, _("The evidence is being checked again against the roots now trusted."))


# The reorganisation admin registers itself on import (it applies events, so it lives here).
from tasks import reorganisation_admin  # noqa: E402,F401
