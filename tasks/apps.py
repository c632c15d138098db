from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Directives and tasks")

    def ready(self) -> None:
        from agencies.models import Agency, Official
        from tasks import jobs, receivers, search  # noqa: F401 (jobs: registered by name, see imports/apps.py)
        from tasks.web.occurrences import OCCURRENCES_PANEL
        from tasks.web.panels import task_panel_register

        task_panel_register(OCCURRENCES_PANEL)

        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(receivers.agency_changed, sender=Agency, dispatch_uid=f"tasks-agency-{name}")
            signal.connect(receivers.official_changed, sender=Official, dispatch_uid=f"tasks-official-{name}")

        connection_created.connect(search.sqlite_functions, dispatch_uid="tasks-sqlite-search")
