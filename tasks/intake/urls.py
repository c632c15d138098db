"""The directive intake's pages, routed at /intake/."""

from django.urls import path

from tasks.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.intake_start, name="start"),
    path("review/<int:batch_id>/", views.intake_review, name="review"),
]
