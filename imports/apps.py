from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Spreadsheet import")

    def ready(self) -> None:
        # the services enqueue the jobs by name: a web process must have them registered
        # (Celery's autodiscovery of ``jobs`` modules runs only in a worker)
        from imports import jobs  # noqa: F401
