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
