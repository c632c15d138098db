"""The agency register and the officials who work in it."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.choices import AgencyKind, Language, Role

agency_code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9_]{1,31}$",
    _("Use capital letters, digits and underscores, starting with a letter (MPS, HANOI)."),
)


class Agency(models.Model):
    """A body that can lead or coordinate a task: the Government Office, a ministry, a province.

    Agencies form a tree (a province and its departments); the code is the stable key other
    systems use, so it never changes once issued.
    """

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[agency_code_validator])
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    email = models.EmailField(_("official mailbox"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="agency_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name_vi}"

    def name_for(self, language: str) -> str:
        return self.name_vi if language == Language.VI else self.name_en


class Official(AbstractUser):
    """A person with a login: a monitor at the Government Office, or an agency's focal point
    or leader. The supervisor tells escalation where to go next."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
    )
    position = models.CharField(_("position"), max_length=255, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.FOCAL_POINT)
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.VI
    )
    supervisor = models.ForeignKey(
        "self",
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subordinates",
    )
    # SHA-256 of the secret in the user's calendar feed address; the secret itself is shown
    # once and never stored, so a leaked database does not leak the feeds.
    calendar_token_hash = models.CharField(
        _("calendar feed token (hash)"), max_length=64, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["username"]
        constraints = [
            # Everyone but an administrator belongs to an agency: permissions hang on it.
            models.CheckConstraint(
                condition=Q(role=Role.ADMIN) | Q(agency__isnull=False),
                name="official_has_agency_unless_admin",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="official_role_valid"),
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("pk")), name="official_not_own_supervisor"
            ),
            models.UniqueConstraint(
                fields=["calendar_token_hash"],
                condition=~Q(calendar_token_hash=""),
                name="official_calendar_token_unique",
            ),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    @property
    def is_monitor(self) -> bool:
        """Government Office monitors and administrators see and decide everything."""
        return self.role in (Role.MONITOR, Role.ADMIN) or self.is_superuser
