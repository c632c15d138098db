"""URL map: the admin, the REST API and its docs, the directive intake, and the web app."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("tasks.api.urls")),
    path("intake/", include("tasks.intake.urls")),
    path("", include("tasks.web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
