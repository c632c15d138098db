from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Reminders and escalation")

    def ready(self) -> None:
        from notifications import reorganisation, scheduler
        from tasks.reorganisation import transfer_hook_register

        scheduler.maybe_start()
        # Pending reminders follow the tasks a reorganisation moves (tasks cannot import us).
        transfer_hook_register(
            name="reminders",
            label=_("pending reminders"),
            preview=reorganisation.pending_reminders_count,
            apply=reorganisation.reminders_readdress,
        )
