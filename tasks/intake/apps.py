from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """The directive intake: reading a notice's text into draft tasks for a monitor to review.

    An app of its own (label ``intake``) that uses ``tasks`` and is used by nobody: its rules
    and gazetteer, admin, pages, API route and commands live here, under tasks/ on disk."""

    name = "tasks.intake"
    label = "intake"
    verbose_name = _("Directive intake")
    default_auto_field = "django.db.models.BigAutoField"
