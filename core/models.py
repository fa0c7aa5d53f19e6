"""Shared models: people, organisations, source documents, glossary, exchange rates."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class NumberFormat(models.TextChoices):
    SWISS = "ch", _("Swiss (4'087'460.00)")
    PERUVIAN = "pe", _("Peruvian (4,087,460.00)")


class OrganisationKind(models.TextChoices):
    DONOR = "donor", _("Donor")
    GOVERNMENT = "government", _("Government agency")
    IMPLEMENTING_PARTNER = "partner", _("Implementing partner")
    CONSULTANT = "consultant", _("Consultant")
    TOURISM_OGD = "ogd", _("Tourism OGD")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    acronym = models.CharField(_("acronym"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. PE, CH"))
    number_format = models.CharField(
        _("number format"), max_length=2, choices=NumberFormat.choices, default=NumberFormat.PERUVIAN
    )

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.acronym


class Role(models.TextChoices):
    PROGRAMME_STAFF = "staff", _("Programme staff")
    PARTNER_EDITOR = "editor", _("Partner editor")
    PARTNER_VIEWER = "viewer", _("Partner viewer")
    ADMINISTRATOR = "admin", _("Administrator")


class User(AbstractUser):
    number_format = models.CharField(
        _("number format"),
        max_length=2,
        choices=NumberFormat.choices,
        blank=True,
        help_text=_("Empty: the format of the user's organisation."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @cached_property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.memberships.values_list("role", flat=True))

    @cached_property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(self.memberships.values_list("organisation_id", flat=True))

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or Role.ADMINISTRATOR in self.role_set

    @property
    def is_programme_staff(self) -> bool:
        return self.is_administrator or Role.PROGRAMME_STAFF in self.role_set

    @property
    def can_edit_partner_data(self) -> bool:
        return Role.PARTNER_EDITOR in self.role_set

    @cached_property
    def staff_organisation_ids(self) -> frozenset[int]:
        return frozenset(
            self.memberships.filter(role=Role.PROGRAMME_STAFF).values_list("organisation_id", flat=True)
        )


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class Document(models.Model):
    """A source document whose figures are transcribed into pcc; kept whole so every line can be cited."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:document", args=[self.code])

    def line_url(self, line: int) -> str:
        return f"{self.get_absolute_url()}#L{line}"

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


class SourceReference(models.Model):
    """Where a figure was read: document, table, row and column as printed, 1-based line."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document"))
    line = models.PositiveIntegerField(_("seed line"))
    table = models.CharField(_("table"), max_length=255, blank=True)
    row_label = models.CharField(_("row as printed"), max_length=500, blank=True)
    column_header = models.CharField(_("column as printed"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def source_url(self) -> str:
        return self.document.line_url(self.line)


class GlossaryTerm(models.Model):
    acronym = models.CharField(_("acronym"), max_length=40, unique=True)
    meaning = models.CharField(_("meaning"), max_length=500)
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    line = models.PositiveIntegerField(_("seed line"), null=True, blank=True)

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary")

    def __str__(self) -> str:
        return f"{self.acronym}: {self.meaning}"


class ExchangeRate(models.Model):
    """``1 base = rate quote`` as stated by a document, valid over a period, used by named tables."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    base_currency = models.CharField(_("base currency"), max_length=3)
    quote_currency = models.CharField(_("quote currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=6)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    description = models.CharField(_("as stated"), max_length=500, blank=True)
    used_by = models.CharField(_("used by tables"), max_length=500, blank=True)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    line = models.PositiveIntegerField(_("seed line"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["valid_from", "code"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=Q(valid_from__lte=models.F("valid_to")), name="exchange_rate_period"),
            models.CheckConstraint(condition=~Q(base_currency=models.F("quote_currency")), name="exchange_rate_pair"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base_currency} = {self.rate.normalize():f} {self.quote_currency} ({self.code})"

    def inverse_rate(self) -> Decimal:
        return Decimal(1) / self.rate
