"""API routes of the directive intake (owned by the intake issue); included by tasks.api.urls."""

urlpatterns: list = []
