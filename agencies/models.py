"""The agency register and the officials who work in it."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from agencies.choices import AgencyKind, Language, ReorganisationKind, ReorganisationStatus, Role

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
    # The dates it existed. An agency that ended stays in the register (its closed tasks, its
    # history and its old code still name it) but is inactive, so no picker offers it.
    valid_from = models.DateField(_("exists from"), null=True, blank=True)
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        help_text=_("The first day it no longer existed: the effective date of the reorganisation."),
    )
    records_held_by = models.ForeignKey(
        "self",
        verbose_name=_("records held by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records_of",
        help_text=_("The agency that took over its records: its officials read its closed tasks."),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="agency_not_own_parent"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(ended_on__gt=models.F("valid_from")),
                name="agency_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(is_active=False), name="agency_ended_is_inactive"
            ),
            models.CheckConstraint(
                condition=~Q(records_held_by=models.F("pk")), name="agency_not_own_records_holder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name_vi}"

    def name_for(self, language: str) -> str:
        return self.name_vi if language == Language.VI else self.name_en

    def existed_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.ended_on is None or day < self.ended_on
        )


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

    # Django's AbstractBaseUser keeps a raw password set by set_password here until the save;
    # django-stubs do not declare it.
    _password: str | None

    def save(self, *args, **kwargs) -> None:
        """A new password revokes every API token of the account: a token obtained with the
        old password (by whoever knew it) must not outlive it. Django marks a password set by
        ``set_password`` in ``_password`` until saved; a hash upgraded at login is not marked."""
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            AuthToken.objects.filter(user=self).delete()

    @property
    def is_monitor(self) -> bool:
        """Government Office monitors and administrators see and decide everything."""
        return self.role in (Role.MONITOR, Role.ADMIN) or self.is_superuser


class ReorganisationEvent(models.Model):
    """A change of the agency register on a date, with its legal basis: MIC merged into MOST
    on 1 March 2025, Thai Binh into Hung Yen on 1 July 2025.

    The event is data: it is entered (scheduled) ahead of its date and applied once, by the
    beat on its date or by a monitor by hand (``tasks.reorganisation.reorganisation_apply``),
    which moves open tasks, officials and pending reminders to the successors. Predecessors
    end on ``effective_on``; successors continue (or begin) then.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ReorganisationKind.choices)
    effective_on = models.DateField(_("effective date"))
    predecessors = models.ManyToManyField(
        Agency, verbose_name=_("predecessors (they end)"), related_name="reorganisations_ending"
    )
    successors = models.ManyToManyField(
        Agency,
        verbose_name=_("successors"),
        blank=True,
        related_name="reorganisations_continuing",
    )
    document_number = models.CharField(_("legal document number"), max_length=100)
    document_date = models.DateField(_("legal document date"), null=True, blank=True)
    document_title = models.CharField(_("legal document title"), max_length=500, blank=True)
    document_link = models.URLField(_("legal document link"), max_length=500, blank=True)
    sources = models.TextField(
        _("sources"), blank=True, help_text=_("Public sources that confirm the event, one a line.")
    )
    note = models.TextField(_("note"), blank=True)
    successor_reads_records = models.BooleanField(
        _("successor reads the predecessors' closed tasks"),
        default=True,
        help_text=_(
            "Ticked: the successor's officials see the tasks the predecessors closed "
            "(merge and rename with a single successor only)."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReorganisationStatus.choices,
        default=ReorganisationStatus.SCHEDULED,
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        Official,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reorganisation")
        verbose_name_plural = _("reorganisations")
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReorganisationKind.values), name="reorganisation_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(status=ReorganisationStatus.SCHEDULED) & Q(applied_at__isnull=True))
                | (Q(status=ReorganisationStatus.APPLIED) & Q(applied_at__isnull=False)),
                name="reorganisation_applied_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["effective_on"],
                name="reorganisation_due",
                condition=Q(status="scheduled"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_on:%d/%m/%Y} ({self.document_number})"

    @property
    def is_applied(self) -> bool:
        return self.status == ReorganisationStatus.APPLIED

    @property
    def document_label(self) -> str:
        """How history and emails name the legal basis: number, and date when known."""
        if self.document_date:
            return f"{self.document_number} ({self.document_date:%d/%m/%Y})"
        return self.document_number
