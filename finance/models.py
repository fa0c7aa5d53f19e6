"""Money that moves: what partners report they spent per budget line, and what the programme transfers.

A :class:`FinancialReport` is one partner's expenditure in one reporting period, in the currency it
reports in, line by line against the rows of its approved budget (:class:`~budgets.models.BudgetRow`).
It goes through the same review as progress reports (:data:`results.models.REVIEW_TRANSITIONS`,
applied by :func:`core.workflow.transition` in :mod:`finance.services`). A :class:`Disbursement` is a
transfer from the programme to a partner. Each amount keeps its currency; the rate that converts it to
the programme's binding currency is a dated :class:`~core.models.ExchangeRate` with its source.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from agreements.models import Programme
from budgets.models import BudgetRow
from core.models import ExchangeRate, Organisation, StatusChange, User
from core.validators import validate_date_in_window, validate_text_length
from core.workflow import Workflow
from finance.querysets import DisbursementQuerySet, FinancialReportQuerySet
from results.models import (
    REVIEW_TRANSITIONS,
    ReportingPeriod,
    ReviewedReport,
    ReviewStatus,
    validate_evidence,
)

FinancialStatus = ReviewStatus
FINANCIAL_WORKFLOW = Workflow(ReviewStatus, REVIEW_TRANSITIONS, version_field="version")


def _rate_error(rate: ExchangeRate | None, currency: str, binding: str, on) -> ValidationError | None:
    """Why ``rate`` cannot convert ``currency`` to the programme's ``binding`` currency on date ``on``."""
    if currency == binding:
        return None
    if rate is None:
        return ValidationError(
            _("An amount in %(currency)s needs the exchange rate to %(binding)s of its date."),
            code="rate_required",
            params={"currency": currency, "binding": binding},
        )
    if {rate.base_currency, rate.quote_currency} != {currency, binding}:
        return ValidationError(
            _("The rate %(rate)s does not convert %(currency)s to %(binding)s."),
            code="rate_pair",
            params={"rate": str(rate), "currency": currency, "binding": binding},
        )
    if on is not None and not (rate.valid_from <= on <= rate.valid_to):
        return ValidationError(
            _("The rate %(rate)s is valid from %(first)s to %(last)s, not on %(date)s."),
            code="rate_period",
            params={
                "rate": str(rate),
                "first": rate.valid_from.isoformat(),
                "last": rate.valid_to.isoformat(),
                "date": on.isoformat(),
            },
        )
    return None


class FinancialReport(ReviewedReport):
    """One partner's expenditure in one reporting period, per line of its approved budget."""

    workflow = FINANCIAL_WORKFLOW

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="financial_reports", verbose_name=_("programme")
    )
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="financial_reports", verbose_name=_("partner")
    )
    period = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.PROTECT,
        related_name="financial_reports",
        verbose_name=_("reporting period"),
    )
    currency = models.CharField(
        _("reporting currency"), max_length=3, help_text=_("Every line of the report is in this currency.")
    )
    rate = models.ForeignKey(
        ExchangeRate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exchange rate of the period"),
        help_text=_("Converts the reporting currency to the programme's binding currency."),
    )
    stated_total = MoneyField(
        _("total as stated by the partner"),
        max_digits=19,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The total the partner signs; the reconciliation checks the lines against it."),
    )
    narrative = models.TextField(_("comments"), blank=True, validators=[validate_text_length])
    document = models.FileField(
        _("supporting document"),
        upload_to="finance/reports/%Y/%m/",
        blank=True,
        validators=[validate_evidence],
    )
    is_demonstration = models.BooleanField(
        _("demonstration data"), default=False, help_text=_("Made up by the demo command, not from a source.")
    )
    history = HistoricalRecords()

    objects = FinancialReportQuerySet.as_manager()

    class Meta:
        ordering = ["-period__start_date", "partner__acronym", "pk"]
        verbose_name = _("financial report")
        verbose_name_plural = _("financial reports")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "partner", "period", "currency"], name="unique_financial_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner.acronym} · {self.period} · {self.currency}"

    def get_absolute_url(self) -> str:
        return reverse("finance:report_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.period_id and self.programme_id and self.period.programme_id != self.programme_id:
            errors["period"] = _("The period belongs to another programme.")
        if self.stated_total is not None and str(self.stated_total.currency) != self.currency:
            errors["stated_total"] = _("The total is in the reporting currency (%(currency)s).") % {
                "currency": self.currency
            }
        if self.programme_id and self.currency:
            on = self.period.end_date if self.period_id else None
            if (
                error := _rate_error(self.rate, self.currency, self.programme.binding_currency, on)
            ) is not None:
                errors["rate"] = error
        if errors:
            raise ValidationError(errors)


class FinancialReportLine(models.Model):
    """What the partner spent on one line of its budget in the report's period."""

    report = models.ForeignKey(
        FinancialReport, on_delete=models.CASCADE, related_name="lines", verbose_name=_("report")
    )
    budget_row = models.ForeignKey(
        BudgetRow, on_delete=models.PROTECT, related_name="expenditure", verbose_name=_("budget line")
    )
    spent = MoneyField(_("spent in the period"), max_digits=19, decimal_places=2)
    variance_explanation = models.TextField(
        _("variance explanation"),
        blank=True,
        validators=[validate_text_length],
        help_text=_(
            "Required where the line's cumulative expenditure departs from its budget beyond the threshold."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "budget_row__table__order", "budget_row__order"]
        verbose_name = _("financial report line")
        verbose_name_plural = _("financial report lines")
        constraints = [
            models.UniqueConstraint(fields=["report", "budget_row"], name="unique_financial_report_line"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="financial_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {Truncator(self.budget_row.label).chars(60)}"


class Disbursement(models.Model):
    """A transfer from the programme to a partner."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="disbursements", verbose_name=_("programme")
    )
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="disbursements", verbose_name=_("partner")
    )
    date = models.DateField(_("date"), validators=[validate_date_in_window])
    amount = MoneyField(_("amount"), max_digits=19, decimal_places=2)
    rate = models.ForeignKey(
        ExchangeRate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exchange rate"),
        help_text=_("Converts the amount to the programme's binding currency on its date."),
    )
    reference = models.CharField(_("reference"), max_length=120)
    document = models.FileField(
        _("document"), upload_to="finance/disbursements/%Y/%m/", blank=True, validators=[validate_evidence]
    )
    is_demonstration = models.BooleanField(
        _("demonstration data"), default=False, help_text=_("Made up by the demo command, not from a source.")
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("entered by")
    )
    history = HistoricalRecords()

    objects = DisbursementQuerySet.as_manager()

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_positive"),
            models.UniqueConstraint(fields=["programme", "reference"], name="unique_disbursement_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.partner.acronym} · {self.date.isoformat()} · {self.reference}"

    def clean(self) -> None:
        if self.programme_id and self.amount is not None:
            currency = str(self.amount.currency)
            error = _rate_error(self.rate, currency, self.programme.binding_currency, self.date)
            if error is not None:
                raise ValidationError({"rate": error})


# --- budget versions ---------------------------------------------------------------------------------


class BudgetVersionKind(models.TextChoices):
    ORIGINAL = "original", _("Original budget")
    AMENDMENT = "amendment", _("Amendment")
    REVISION = "revision", _("Revision")
    REALLOCATION = "reallocation", _("Reallocation")


class BudgetVersionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


BUDGET_VERSION_TRANSITIONS = {
    BudgetVersionStatus.PROPOSED: {BudgetVersionStatus.APPROVED, BudgetVersionStatus.REJECTED},
    BudgetVersionStatus.APPROVED: set(),
    BudgetVersionStatus.REJECTED: set(),
}


class BudgetVersion(models.Model):
    """One change of a programme's budget: the original, an amendment, a revision or a reallocation.

    Its lines are deltas per budget line and currency (the original's are the amounts themselves, from
    nothing); the budget as of a date is the sum of the approved versions effective by then
    (:func:`finance.versions.consolidated`). Versions derived from the source tables
    (:func:`finance.versions.derive_versions`) are ``derived`` and keep the fact of every line.
    """

    workflow = Workflow(BudgetVersionStatus, BUDGET_VERSION_TRANSITIONS)

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="budget_versions", verbose_name=_("programme")
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=BudgetVersionKind.choices)
    title = models.CharField(_("title"), max_length=255)
    effective_date = models.DateField(_("effective from"), validators=[validate_date_in_window])
    amendment = models.ForeignKey(
        "agreements.Amendment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_versions",
        verbose_name=_("amendment of the agreement"),
    )
    document = models.ForeignKey(
        "core.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    line = models.PositiveIntegerField(_("seed line"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, validators=[validate_text_length])
    currency = models.CharField(
        _("currency moved"), max_length=3, blank=True, help_text=_("A reallocation moves one currency.")
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
        help_text=_("The partner whose lines a reallocation moves money between; empty: programme staff's."),
    )
    derived = models.BooleanField(
        _("derived from the source"),
        default=False,
        help_text=_("Built from the budget tables as printed; derived again whenever they are loaded."),
    )
    needs_approval = models.BooleanField(
        _("needs staff approval"),
        default=False,
        help_text=_("A move above the programme's threshold of a line's budget waits for staff approval."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BudgetVersionStatus.choices, default=BudgetVersionStatus.PROPOSED
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True, validators=[validate_text_length])
    status_changes = GenericRelation(StatusChange)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "effective_date", "number"]
        verbose_name = _("budget version")
        verbose_name_plural = _("budget versions")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="unique_budget_version_number"),
            # One derived original per programme and one derived version per amendment: deriving again
            # updates them instead of adding more.
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(derived=True, kind="original"),
                name="unique_derived_original_budget",
            ),
            models.UniqueConstraint(
                fields=["programme", "amendment"],
                condition=Q(derived=True, amendment__isnull=False),
                name="unique_derived_amendment_budget",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code.upper()} v{self.number} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("finance:version_detail", args=[self.pk])

    def applies_on(self, date) -> bool:
        return self.status == BudgetVersionStatus.APPROVED and self.effective_date <= date


class BudgetVersionLine(models.Model):
    """What a version changes on one budget line in one currency: a delta (the original's: its amount)."""

    version = models.ForeignKey(
        BudgetVersion, on_delete=models.CASCADE, related_name="lines", verbose_name=_("version")
    )
    # A row removed from its table takes its budget with it (derived lines are derived again on load).
    budget_row = models.ForeignKey(
        BudgetRow, on_delete=models.CASCADE, related_name="version_lines", verbose_name=_("budget line")
    )
    delta = MoneyField(_("change"), max_digits=19, decimal_places=2)
    # A derived line is its figure: removed with it (SET_NULL would turn it into a reallocation's move).
    source_fact = models.ForeignKey(
        "budgets.BudgetFact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="version_lines",
        verbose_name=_("figure it was taken from"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "budget_row__table__order", "budget_row__order", "delta_currency"]
        verbose_name = _("budget version line")
        verbose_name_plural = _("budget version lines")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "source_fact"],
                condition=Q(source_fact__isnull=False),
                name="unique_budget_version_fact",
            ),
            models.UniqueConstraint(
                fields=["version", "budget_row", "delta_currency"],
                condition=Q(source_fact__isnull=True),
                name="unique_budget_version_move",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.budget_row.line} · {self.delta}"
