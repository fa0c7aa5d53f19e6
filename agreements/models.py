"""Programmes, phases, agreements and their amendments."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField
from djmoney.money import Money
from simple_history.models import HistoricalRecords

from agreements.querysets import AgreementQuerySet, ProgrammeQuerySet
from core.i18n import Translated
from core.models import Document, ExchangeRate, Organisation, User


class DocumentAccess(models.TextChoices):
    WHOLE = "whole", _("The whole document")
    OWN_LINES = "own-lines", _("Only the lines of the tables the partner may see")


class Programme(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255, help_text=_("In Spanish, as in the source."))
    name_en = models.CharField(
        _("name in English"),
        max_length=255,
        blank=True,
        help_text=_("Empty: English readers see the Spanish."),
    )
    country = models.CharField(_("country"), max_length=2)
    binding_currency = models.CharField(_("binding currency"), max_length=3, default="CHF")
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(
        _("description in English"), blank=True, help_text=_("Empty: English readers see the Spanish.")
    )
    partner_document_access = models.CharField(
        _("what partners see of the source documents"),
        max_length=10,
        choices=DocumentAccess.choices,
        default=DocumentAccess.WHOLE,
        help_text=_("Programme staff, administrators and auditors always see the whole document."),
    )
    variance_threshold_percent = models.DecimalField(
        _("variance threshold (%)"),
        max_digits=5,
        decimal_places=2,
        default=10,
        help_text=_(
            "A budget line whose cumulative expenditure departs from its budget by more than this needs "
            "an explanation in the partner's financial report."
        ),
    )
    # Bumped by reconciliation.services.figures_recomputed whenever the programme's figures or findings
    # change: the key of what pages cache about the programme (headline money, chart data).
    figures_version = models.PositiveIntegerField(
        _("figures version"),
        default=0,
        editable=False,
        help_text=_(
            "Goes up whenever a figure of the programme changes: cached figures of an older version are stale."
        ),
    )

    name_i18n = Translated("name")
    description_i18n = Translated("description")

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return f"{self.code.upper()} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("agreements:programme_detail", args=[self.code])


class ComponentKind(models.TextChoices):
    LINE = "line", _("Line")
    PROJECT = "project", _("Project")
    SUBPROJECT = "subproject", _("Subproject")
    OTHER = "other", _("Other")


class Component(models.Model):
    """A node of the programme's structure: Línea 1 → Proyecto 1.2 → …, as the source numbers them."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="components", verbose_name=_("programme")
    )
    code = models.CharField(_("code"), max_length=20, help_text=_("As printed, e.g. L1, 1.2"))
    name = models.CharField(_("name"), max_length=255, help_text=_("In Spanish, as in the source."))
    name_en = models.CharField(
        _("name in English"),
        max_length=255,
        blank=True,
        help_text=_("Empty: English readers see the Spanish."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ComponentKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    line = models.PositiveIntegerField(_("seed line"), null=True, blank=True)

    name_i18n = Translated("name")

    class Meta:
        ordering = ["programme", "order", "code"]
        verbose_name = _("component")
        verbose_name_plural = _("components")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="unique_component_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ParticipantRole(models.TextChoices):
    DONOR = "donor", _("Donor")
    DONOR_REPRESENTATIVE = "donor_rep", _("Donor's representative")
    COUNTERPART = "counterpart", _("National counterpart")
    COOPERATION_AGENCY = "agency", _("Government cooperation agency")
    IMPLEMENTING_PARTNER = "partner", _("Implementing partner")
    CONSULTANT = "consultant", _("Consultant / service provider")


class ProgrammeParticipant(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="participants", verbose_name=_("programme")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="participations", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)

    class Meta:
        verbose_name = _("programme participant")
        verbose_name_plural = _("programme participants")
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation", "role"], name="unique_participant"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class Role(models.TextChoices):
    """What a person may do in one programme; a role in one programme gives nothing in another."""

    ADMINISTRATOR = "admin", _("Administrator")
    PROGRAMME_STAFF = "staff", _("Programme staff")
    AUDITOR = "auditor", _("Auditor / observer")
    PARTNER_EDITOR = "editor", _("Partner editor")
    PARTNER_VIEWER = "viewer", _("Partner viewer")


class Membership(models.Model):
    """A user's role in one programme, acting for one organisation (for partners: the partner itself)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("programme")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "organisation", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "programme", "organisation", "role"], name="unique_programme_membership"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.user} · {self.programme.code.upper()} · {self.organisation} · {self.get_role_display()}"
        )


class Phase(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="phases", verbose_name=_("programme")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=255)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    line = models.PositiveIntegerField(_("seed line"), null=True, blank=True)

    class Meta:
        ordering = ["programme", "start_date"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="unique_phase_code"),
            models.CheckConstraint(condition=Q(start_date__lte=models.F("end_date")), name="phase_period"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code.upper()} {self.name}"


class Agreement(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("programme")
    )
    phase = models.ForeignKey(
        Phase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("phase"),
    )
    code = models.SlugField(_("code"), max_length=80)
    title = models.CharField(_("title"), max_length=500)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_place = models.CharField(_("signed in"), max_length=120, blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("original end"))
    national_counterpart = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("national counterpart"),
    )
    exchange_rate = models.ForeignKey(
        ExchangeRate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreement's exchange rate"),
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    line = models.PositiveIntegerField(_("seed line"))
    end_date_line = models.PositiveIntegerField(_("seed line of the original end"), null=True, blank=True)
    history = HistoricalRecords()

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "start_date"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="unique_agreement_code"),
            models.CheckConstraint(
                condition=Q(start_date__lte=models.F("end_date")), name="agreement_period"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreements:agreement_detail", args=[self.programme.code, self.code])


class AgreementParty(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="parties", verbose_name=_("agreement")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    represents = models.CharField(_("represents"), max_length=255, blank=True)
    line = models.PositiveIntegerField(_("seed line"), null=True, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation", "role"], name="unique_agreement_party"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class AgreementCeiling(models.Model):
    """A contribution ceiling printed in the original agreement (absent when only amendments are known)."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="ceilings", verbose_name=_("agreement")
    )
    amount = MoneyField(_("ceiling"), max_digits=19, decimal_places=2)
    is_cap = models.BooleanField(_("binding cap"), default=False)
    line = models.PositiveIntegerField(_("seed line"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ceiling")
        verbose_name_plural = _("ceilings")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "amount_currency"], name="unique_ceiling_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.amount}"


class Amendment(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("agreement")
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    number = models.CharField(_("number as printed"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=255)
    signed_on = models.DateField(_("signed on"))
    signed_place = models.CharField(_("signed in"), max_length=120)
    retroactive_from = models.DateField(_("effective retroactively from"), null=True, blank=True)
    entry_into_force_rule = models.TextField(_("entry into force"), blank=True)
    entered_into_force_on = models.DateField(_("entered into force on"), null=True, blank=True)
    new_end_date = models.DateField(_("new end date"), null=True, blank=True)
    new_end_date_line = models.PositiveIntegerField(_("seed line of the new end"), null=True, blank=True)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    line = models.PositiveIntegerField(_("seed line"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "sequence"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "sequence"], name="unique_amendment_sequence"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_from(self) -> datetime.date:
        """The date from which the amended terms apply: retroactive date, else entry into force, else signing."""
        return self.retroactive_from or self.entered_into_force_on or self.signed_on

    def applies_on(self, date: datetime.date) -> bool:
        return self.effective_from <= date


class AmendmentSignatory(models.Model):
    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="signatories", verbose_name=_("amendment")
    )
    name = models.CharField(_("name"), max_length=255)
    position = models.CharField(_("position"), max_length=255)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=255)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    line = models.PositiveIntegerField(_("seed line"))

    class Meta:
        ordering = ["amendment", "line"]
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")

    def __str__(self) -> str:
        return f"{self.name}, {self.position}"


class AmendedArticle(models.Model):
    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="articles", verbose_name=_("amendment")
    )
    article = models.CharField(_("article"), max_length=80)
    scope = models.CharField(_("what is amended"), max_length=255, blank=True)
    new_text = models.TextField(_("new text"))
    line = models.PositiveIntegerField(_("seed line"))

    class Meta:
        ordering = ["amendment", "line"]
        verbose_name = _("amended article")
        verbose_name_plural = _("amended articles")

    def __str__(self) -> str:
        return f"{_('Article')} {self.article}"


class CeilingChange(models.Model):
    """A structured change of a contribution ceiling in one currency: the increase and the stated new total."""

    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="ceiling_changes", verbose_name=_("amendment")
    )
    increase = MoneyField(_("increase"), max_digits=19, decimal_places=2)
    increase_as_printed = models.CharField(_("increase as printed"), max_length=60)
    increase_line = models.PositiveIntegerField(_("seed line of the increase"))
    new_total = MoneyField(_("new total"), max_digits=19, decimal_places=2)
    new_total_as_printed = models.CharField(_("new total as printed"), max_length=60)
    new_total_line = models.PositiveIntegerField(_("seed line of the new total"))
    is_cap = models.BooleanField(
        _("binding cap"),
        default=False,
        help_text=_('The amount may not be exceeded ("no podrán sobrepasar").'),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ceiling change")
        verbose_name_plural = _("ceiling changes")
        constraints = [
            models.UniqueConstraint(fields=["amendment", "increase_currency"], name="unique_change_currency"),
            models.CheckConstraint(
                condition=Q(increase_currency=models.F("new_total_currency")), name="change_one_currency"
            ),
        ]

    def __str__(self) -> str:
        return f"+{self.increase} → {self.new_total}"

    @property
    def currency(self) -> str:
        return str(self.increase.currency)

    @property
    def derived_previous_total(self) -> Money:
        return self.new_total - self.increase


@dataclass
class Ceiling:
    amount: Money
    is_cap: bool
    derived: bool
    lines: list[int] = field(default_factory=list)
    note: str = ""


@dataclass
class Finding:
    message: str
    lines: list[int]
    severity: str = "material"


@dataclass
class ConsolidatedTerms:
    as_of: datetime.date
    end_date: datetime.date
    end_date_line: int | None
    ceilings: dict[str, Ceiling]
    applied: list[Amendment]
    pending: list[Amendment]
