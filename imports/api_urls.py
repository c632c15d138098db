from django.urls import path

from imports import api

urlpatterns = [
    path("imports/", api.ImportCreateView.as_view(), name="api-imports"),
    path("imports/<uuid:pk>/", api.ImportDetailView.as_view(), name="api-import"),
    path("imports/<uuid:pk>/confirm/", api.ImportConfirmView.as_view(), name="api-import-confirm"),
]
