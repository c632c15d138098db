from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # the services enqueue the jobs by name: a web process must have them registered
        # (Celery's autodiscovery of ``jobs`` modules runs only in a worker)
        from webhooks import jobs  # noqa: F401
