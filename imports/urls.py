from django.urls import path, re_path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    re_path(r"^template\.(?P<fmt>xlsx|csv)$", views.template, name="template"),
    path("<uuid:pk>/", views.preview, name="preview"),
    path("<uuid:pk>/confirm/", views.confirm, name="confirm"),
]
