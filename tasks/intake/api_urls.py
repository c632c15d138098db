"""API routes of the directive intake; mounted under /api/v1/ by config.urls."""

from django.urls import path

from tasks.intake.api import DirectiveDraftTasksView

urlpatterns = [
    path("directives/<int:pk>/draft-tasks/", DirectiveDraftTasksView.as_view(), name="directive-draft-tasks"),
]
