"""The project's URLs with the intake API mounted at /api/v1/ as tasks.api.urls mounts it."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("api/v1/", include("tasks.intake.api_urls")), *project_urlpatterns]
