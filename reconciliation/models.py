"""Reconciliation rules as data, what they find, and when the findings were last computed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from simple_history.models import HistoricalRecords

from agreements.models import Programme
from core.i18n import Translated
from core.models import Document, Organisation, StatusChange
from core.workflow import Workflow
from reconciliation.querysets import FindingQuerySet
from reconciliation.registry import Message


class RuleOrigin(models.TextChoices):
    LOADER = "loader", _("Created by the loader")
    STAFF = "staff", _("Added by staff")
    DERIVED = "derived", _("Derived from the data (one per report or programme)")


class ReconciliationRule(models.Model):
    """A check as data: ``kind`` names an evaluator registered in :mod:`reconciliation.registry`."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="reconciliation_rules", verbose_name=_("programme")
    )
    code = models.CharField(_("code"), max_length=160)
    kind = models.CharField(_("kind"), max_length=40)
    description = models.TextField(_("rule in words"), help_text=_("In Spanish, as in the source."))
    description_en = models.TextField(
        _("rule in words, in English"), blank=True, help_text=_("Empty: English readers see the Spanish.")
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # What the rule is about, e.g. a budget table (see ``registry.register_subject``); its findings link to it.
    subject_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about (kind)"),
    )
    subject_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    absolute_tolerance = models.DecimalField(
        _("rounding tolerance (currency units)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: the default of the rule's kind (listed on the reconciliation page)."),
    )
    relative_tolerance = models.DecimalField(
        _("rounding tolerance (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Empty: the default of the rule's kind (listed on the reconciliation page)."),
    )
    origin = models.CharField(
        _("origin"), max_length=10, choices=RuleOrigin.choices, default=RuleOrigin.STAFF
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(table_name="budgets_historicalreconciliationrule")

    description_i18n = Translated("description")

    class Meta:
        db_table = "budgets_reconciliationrule"
        ordering = ["programme", "code"]
        verbose_name = _("reconciliation rule")
        verbose_name_plural = _("reconciliation rules")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="rule_subject")]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="unique_reconciliation_rule_code"),
            models.CheckConstraint(
                condition=Q(absolute_tolerance__gte=0) | Q(absolute_tolerance__isnull=True),
                name="rule_absolute_tolerance_positive",
            ),
            models.CheckConstraint(
                condition=Q(relative_tolerance__gte=0) | Q(relative_tolerance__isnull=True),
                name="rule_relative_tolerance_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @staticmethod
    def about(subject: models.Model | None) -> dict:
        """The field values of a rule about ``subject`` (``None``: about the programme as a whole)."""
        if subject is None:
            return {"subject_type_id": None, "subject_id": None}
        return {"subject_type_id": ContentType.objects.get_for_model(subject).pk, "subject_id": subject.pk}

    @property
    def subject_title(self) -> str:
        """The title of what the rule is about, as findings quote it ("" when about the programme)."""
        subject = self.subject
        return "" if subject is None else str(getattr(subject, "title", subject))


class Severity(models.TextChoices):
    """How much a finding matters: a material difference changes an amount; a rounding one is within what
    the figures' own rounding explains; an observation is a likely slip that changes no amount (a
    duplicated code, a total row that leaves a figure blank); unchecked: the figures do not allow the check
    (a term stated as n.a. or left blank)."""

    MATERIAL = "material", _("Material")
    ROUNDING = "rounding", _("Rounding")
    OBSERVATION = "observation", _("Observation")
    UNCHECKED = "unchecked", _("Could not be checked")


# The severities of a figure that differs from its recomputed one: the cells such findings flag show the
# recomputed figure beside them. A check that could not be made, or an observation, recomputes none.
DIFFERING = frozenset({Severity.MATERIAL, Severity.ROUNDING})


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    EXPLAINED = "explained", _("Explained")
    RESOLVED = "resolved", _("No longer found")


FINDING_WORKFLOW = Workflow(
    FindingStatus,
    {
        FindingStatus.OPEN: {FindingStatus.EXPLAINED, FindingStatus.RESOLVED},
        FindingStatus.EXPLAINED: {FindingStatus.OPEN, FindingStatus.RESOLVED},
        FindingStatus.RESOLVED: {FindingStatus.OPEN},
    },
)


class Finding(models.Model):
    """What a rule found that does not hold, kept across runs: explained findings stay explained
    until their figures change."""

    workflow = FINDING_WORKFLOW

    rule = models.ForeignKey(
        ReconciliationRule, on_delete=models.CASCADE, related_name="findings", verbose_name=_("rule")
    )
    key = models.CharField(_("key"), max_length=160, blank=True)
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices)
    stated = models.CharField(_("stated"), max_length=255, blank=True)
    recomputed = models.CharField(_("recomputed"), max_length=255, blank=True)
    difference = models.DecimalField(_("difference"), max_digits=21, decimal_places=6, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    table = models.CharField(_("table as printed"), max_length=500, blank=True)
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document of the lines"),
    )
    lines = models.JSONField(_("seed lines"), default=list)
    message = models.TextField(_("message"))  # in the site's language, for search and the admin
    message_data = models.JSONField(_("message as id and parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    explanation = models.TextField(_("explanation"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("explained by"),
    )
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    first_seen = models.DateTimeField(_("first found"), auto_now_add=True)
    status_changes = GenericRelation(StatusChange)
    history = HistoricalRecords(table_name="budgets_historicalfinding")

    objects = FindingQuerySet.as_manager()

    class Meta:
        db_table = "budgets_finding"
        ordering = ["rule__code", "key"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], name="unique_finding_per_rule_key"),
            models.CheckConstraint(
                condition=~Q(status=FindingStatus.EXPLAINED) | ~Q(explanation=""),
                name="finding_explained_has_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.key}: {self.get_severity_display()}"

    @property
    def text(self) -> str:
        """The message in the reader's language (the stored text when it was kept as text only)."""
        if not self.message_data:
            return self.message
        return Message.from_json(self.message_data).render()

    def _as_money(self, value: str) -> Money | None:
        if not self.currency:
            return None
        try:
            return Money(Decimal(value), self.currency)
        except (InvalidOperation, ValueError):
            return None

    @property
    def stated_money(self):
        """The stated figure as money (for formatting in the reader's style), ``None`` if not money."""
        return self._as_money(self.stated)

    @property
    def recomputed_money(self):
        """The recomputed figure as money (for formatting in the reader's style), ``None`` if not money."""
        return self._as_money(self.recomputed)


class Computation(models.Model):
    """One run of the reconciliation of a programme: when, after which change, and what it found."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="computations", verbose_name=_("programme")
    )
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    cause = models.CharField(_("after"), max_length=255, blank=True)
    rules = models.PositiveIntegerField(_("rules"), default=0)
    holding = models.PositiveIntegerField(_("rules that hold"), default=0)
    rounding = models.PositiveIntegerField(_("rules with rounding differences"), default=0)
    material = models.PositiveIntegerField(_("rules with material differences"), default=0)
    unchecked = models.PositiveIntegerField(_("rules not checked"), default=0)

    KEEP = 200  # runs kept per programme; older ones are deleted as new ones are noted

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = ["computed_at", "pk"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        indexes = [models.Index(fields=["programme", "-computed_at"], name="computation_latest")]

    def __str__(self) -> str:
        return f"{self.programme} {self.computed_at:%Y-%m-%d %H:%M}"

    @classmethod
    def note(cls, programme, cause: str, summary) -> Computation:
        run = cls.objects.create(
            programme=programme,
            cause=cause[:255],
            rules=summary.rules,
            holding=summary.holding,
            rounding=summary.rounding,
            material=summary.material,
            unchecked=summary.unchecked,
        )
        old = cls.objects.filter(programme=programme).values_list("pk", flat=True)[cls.KEEP :]
        cls.objects.filter(pk__in=list(old)).delete()
        return run
