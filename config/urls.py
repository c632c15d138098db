"""URL map: the admin, the API and its docs, and the web app."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
