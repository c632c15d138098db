"""URL map: the admin, the REST API and its docs, the directive intake, and the web app."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from ops.health import healthz, readyz
from ops.metrics import metrics_view

# The back office speaks as the product, not as "Django administration".
admin.site.site_header = _("Five Clear back office")
admin.site.site_title = _("Five Clear back office")
admin.site.index_title = _("Directives, tasks, agencies and reminders")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The intake (an app that uses tasks) adds its route to /api/v1/ itself: tasks does not know it.
    path("api/v1/", include("tasks.intake.api_urls")),
    path("api/v1/", include("webhooks.urls")),
    path("api/v1/", include("imports.api_urls")),
    path("api/", include("tasks.api.urls")),
    path("intake/", include("tasks.intake.urls")),
    path("imports/", include("imports.urls")),
    path("", include("tasks.web.urls")),
]

# MEDIA is never served as such, not even in DEBUG: evidence files are downloaded through
# tasks.web.views.evidence_download, which checks that the user may see the task.

handler404 = "config.errors.not_found"
handler403 = "config.errors.forbidden"
handler400 = "config.errors.bad_request"
