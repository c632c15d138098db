"""URL patterns (filled in by the issue that owns this module)."""

urlpatterns: list = []
