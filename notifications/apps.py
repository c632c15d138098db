from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Reminders and escalation")

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the registry is ready.
        from notifications import reorganisation, scheduler
        from notifications.panels import REMINDERS_PANEL, UPCOMING_PANEL
        from tasks.reorganisation import transfer_hook_register
        from tasks.web.panels import task_panel_register

        scheduler.maybe_start()
        # The task page shows the reminders sent about the task (tasks cannot import us).
        task_panel_register(REMINDERS_PANEL)
        task_panel_register(UPCOMING_PANEL)
        # Pending reminders follow the tasks a reorganisation moves (tasks cannot import us).
        transfer_hook_register(
            name="reminders",
            label=_("pending reminders"),
            preview=reorganisation.pending_reminders_count,
            apply=reorganisation.reminders_readdress,
        )
