from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from common.search import sqlite_fold


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies and officials")

    def ready(self) -> None:
        # SQLite (``make run``) has no unaccent: the searches' fc_fold is Python's, per connection
        connection_created.connect(sqlite_fold, dispatch_uid="agencies-sqlite-fold")
