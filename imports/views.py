"""Pages of the spreadsheet import: upload, preview, confirm, and the template. Monitors only;
the services decide."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies.auth import official_of
from imports import services
from imports.models import TaskImport
from tasks.models import Directive
from tasks.permissions import is_monitor

#: Rows a preview page lists in full; the rest are counted (every refused row is listed).
PAGE_ROWS = 500


class UploadForm(forms.Form):
    directive = forms.ModelChoiceField(
        queryset=Directive.objects.order_by("-issued_on", "number"), label=gettext_lazy("Directive")
    )
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.xlsx or .csv)"))


def _monitor(request: HttpRequest) -> None:
    if not is_monitor(request.user):
        raise PermissionDenied(_("Only a Government Office monitor can import tasks."))


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _monitor(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            task_import = services.import_preview(
                actor=official_of(request),
                directive=form.cleaned_data["directive"],
                file_name=upload_file.name,
                content=upload_file.read(),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            return redirect("imports:preview", pk=task_import.pk)
    recent = TaskImport.objects.filter(uploaded_by=official_of(request)).select_related("directive")[:10]
    return render(request, "imports/upload.html", {"form": form, "recent": recent})


@login_required
def preview(request: HttpRequest, pk) -> HttpResponse:
    _monitor(request)
    task_import = get_object_or_404(TaskImport.objects.select_related("directive"), pk=pk)
    refused = [r for r in task_import.rows if r["outcome"] == services.Outcome.REFUSED]
    others = [r for r in task_import.rows if r["outcome"] != services.Outcome.REFUSED]
    context = {
        "task_import": task_import,
        "rows": refused + others[: max(0, PAGE_ROWS - len(refused))],
        "hidden": max(0, len(task_import.rows) - PAGE_ROWS),
        "outcomes": services.Outcome,
    }
    return render(request, "imports/preview.html", context)


@login_required
@require_POST
def confirm(request: HttpRequest, pk) -> HttpResponse:
    _monitor(request)
    task_import = get_object_or_404(TaskImport, pk=pk)
    task_import = services.import_request_confirm(actor=official_of(request), task_import=task_import)
    if task_import.status == "imported":
        messages.success(request, _("%(created)d tasks imported (%(drafts)d drafts).") % task_import.result)
    else:
        messages.info(request, _("The import is running; this page shows the result when it is done."))
    return redirect("imports:preview", pk=task_import.pk)


@login_required
def template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(services.template_xlsx(), content_type=services.XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(services.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="five-clear-tasks-template.{fmt}"'
    return response
