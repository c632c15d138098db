"""Enumerations of the agency register."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    GOVERNMENT_OFFICE = "government_office", _("Government Office")
    MINISTRY = "ministry", _("Ministry")
    MINISTERIAL_AGENCY = "ministerial_agency", _("Ministerial-level agency")
    GOVERNMENT_AGENCY = "government_agency", _("Agency under the Government")
    CITY = "city", _("Centrally run city")
    PROVINCE = "province", _("Province")
    DEPARTMENT = "department", _("Department")
    OTHER = "other", _("Other body")


class Role(models.TextChoices):
    MONITOR = "monitor", _("Government Office monitor")
    FOCAL_POINT = "focal_point", _("Agency focal point")
    LEADER = "leader", _("Agency leader")
    ADMIN = "admin", _("Administrator")


class Language(models.TextChoices):
    VI = "vi", _("Vietnamese")
    EN = "en", _("English")


class ReorganisationKind(models.TextChoices):
    """How agencies change. In every kind the predecessors end on the effective date."""

    MERGE = "merge", _("Merge (one or more agencies into a successor)")
    SPLIT = "split", _("Split (one agency into several successors)")
    RENAME = "rename", _("Rename (an agency continues under a new code and name)")
    DISSOLVE = "dissolve", _("Dissolve (an agency ends; its open work is handed on)")


class ReorganisationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    APPLIED = "applied", _("Applied")
