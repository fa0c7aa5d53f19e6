"""Work plans (POA), their results, indicators, activities and schedule, and partners' progress reports."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.models import Component, Programme
from core import filetypes
from core.i18n import Translated
from core.models import Document, Organisation, StatusChange, User
from core.money import round_amount
from core.validators import validate_date_in_window, validate_text_length
from core.workflow import Workflow
from results.querysets import (
    ActivityQuerySet,
    IndicatorQuerySet,
    ProgressReportQuerySet,
    ReportingPeriodQuerySet,
    ResultQuerySet,
    WorkPlanQuerySet,
)
from results.targets import NUMERIC_KINDS, TargetKind, months_between


class ReviewStatus(models.TextChoices):
    """The statuses of what a partner submits and staff review: work plans and progress reports."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    REOPENED = "reopened", _("Reopened")


# The partner submits, staff approve or return with a reason, the partner resubmits; staff reopen an
# approved one with a reason. Plans and progress reports go the same way.
REVIEW_TRANSITIONS = {
    ReviewStatus.DRAFT: {ReviewStatus.SUBMITTED},
    ReviewStatus.SUBMITTED: {ReviewStatus.APPROVED, ReviewStatus.RETURNED},
    ReviewStatus.RETURNED: {ReviewStatus.SUBMITTED},
    ReviewStatus.APPROVED: {ReviewStatus.REOPENED},
    ReviewStatus.REOPENED: {ReviewStatus.SUBMITTED},
}
PlanStatus = ReviewStatus
PLAN_WORKFLOW = Workflow(ReviewStatus, REVIEW_TRANSITIONS)


class WorkPlan(models.Model):
    """A partner's POA for a period, as printed in a source document."""

    workflow = PLAN_WORKFLOW

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="work_plans", verbose_name=_("programme")
    )
    code = models.SlugField(_("code"), max_length=80)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="work_plans", verbose_name=_("partner")
    )
    partners = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="shared_work_plans",
        verbose_name=_("other partners"),
        help_text=_("Organisations that carry out the plan with the partner (e.g. the OGDs of Línea 2)."),
    )
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_plans",
        verbose_name=_("component"),
    )
    title = models.CharField(_("title"), max_length=255, help_text=_("In Spanish, as in the source."))
    title_en = models.CharField(
        _("title in English"),
        max_length=255,
        blank=True,
        help_text=_("Empty: English readers see the Spanish."),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    period_label = models.CharField(_("period as printed"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    submitted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    line = models.PositiveIntegerField(_("seed line"))
    end_line = models.PositiveIntegerField(_("last line"))
    status_changes = GenericRelation(StatusChange)
    history = HistoricalRecords()

    title_i18n = Translated("title")

    objects = WorkPlanQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "order", "code"]
        verbose_name = _("work plan (POA)")
        verbose_name_plural = _("work plans (POA)")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="unique_work_plan_code"),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="work_plan_period"
            ),
            models.CheckConstraint(condition=Q(line__lte=models.F("end_line")), name="work_plan_lines"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("results:plan_detail", args=[self.code])

    @property
    def is_approved(self) -> bool:
        return self.status == PlanStatus.APPROVED

    @property
    def can_be_submitted(self) -> bool:
        return self.workflow.allows(self.status, PlanStatus.SUBMITTED)

    @property
    def is_submitted(self) -> bool:
        return self.status == PlanStatus.SUBMITTED

    @property
    def source_url(self) -> str:
        return self.document.line_url(self.line)

    def months(self) -> list[datetime.date]:
        return months_between(self.period_start, self.period_end)


class SourceLines(models.Model):
    line = models.PositiveIntegerField(_("seed line"))
    extra_lines = models.JSONField(
        _("continued on lines"),
        default=list,
        blank=True,
        help_text=_("Where a row is split across a page break, the lines it continues on."),
    )

    class Meta:
        abstract = True

    @property
    def lines(self) -> list[int]:
        return [self.line, *self.extra_lines]


class Result(SourceLines):
    plan = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="results", verbose_name=_("plan")
    )
    code = models.CharField(_("code"), max_length=10, help_text=_("As printed: 1, 2 …"))
    statement = models.TextField(_("statement as printed"))
    statement_en = models.TextField(
        _("statement in English"),
        blank=True,
        help_text=_("Empty: English readers see the Spanish."),
    )
    activities_heading = models.TextField(
        _("heading of the activity table"),
        blank=True,
        help_text=_("The result as printed above its activities, which may differ from the results table."),
    )
    activities_heading_line = models.PositiveIntegerField(_("line of the heading"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    statement_i18n = Translated("statement")

    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_result_code")]

    def __str__(self) -> str:
        return f"{_('Resultado')} {self.code}"


class Aggregation(models.TextChoices):
    # Cumulative: each report states the total reached so far, so the latest approved value counts.
    CUMULATIVE = "cumulative", _("Cumulative (latest value to date)")
    # Per period: each report states what was reached in its period, so approved values add up.
    PER_PERIOD = "per_period", _("Per period (values add up)")


class Target(SourceLines):
    """A target ("Meta") as printed, with its typed reading and how progress against it is counted."""

    target_text = models.CharField(_("target as printed"), max_length=255, blank=True)
    target_kind = models.CharField(_("target type"), max_length=12, choices=TargetKind.choices)
    target_value = models.DecimalField(
        _("target value"), max_digits=19, decimal_places=4, null=True, blank=True
    )
    target_second_value = models.DecimalField(
        _("second value of a pair"), max_digits=19, decimal_places=4, null=True, blank=True
    )
    target_unit = models.CharField(_("unit of the target"), max_length=255, blank=True)
    target_currency = models.CharField(_("currency of the target"), max_length=3, blank=True)
    lower_is_better = models.BooleanField(_("lower is better"), default=False)
    aggregation = models.CharField(
        _("aggregation"), max_length=12, choices=Aggregation.choices, default=Aggregation.PER_PERIOD
    )
    note = models.TextField(
        _("note"), blank=True, help_text=_("An inconsistency of the source, kept as printed.")
    )

    class Meta:
        abstract = True

    @property
    def is_numeric(self) -> bool:
        """Pairs are measured against their first number; a text with a proposed number against that."""
        return self.target_kind in NUMERIC_KINDS or (
            self.target_kind in (TargetKind.PAIR, TargetKind.TEXT) and self.target_value is not None
        )

    @property
    def allows_negative(self) -> bool:
        """A negative achievement means something only against a target below zero (a reduction)."""
        return self.target_value is not None and self.target_value < 0

    def achieved_value_error(self, value: Decimal | None) -> ValidationError | None:
        """Why ``value`` cannot be an achievement of this target (a count, an amount reached is not
        negative); ``None`` when it can."""
        if value is None or value >= 0 or self.allows_negative:
            return None
        return ValidationError(
            _("The achieved value cannot be negative: the target %(target)s is not."),
            code="negative_achievement",
            params={"target": self.target_text or self.target_value},
        )

    @property
    def expects_text(self) -> bool:
        """Progress is a text only where the target has no number to measure against."""
        return not self.is_numeric

    def achieved_from(self, values: list[Decimal]) -> Decimal | None:
        """The achieved value from approved values in period order, by the aggregation rule."""
        values = [v for v in values if v is not None]
        if not values:
            return None
        return values[-1] if self.aggregation == Aggregation.CUMULATIVE else sum(values, Decimal(0))

    def achievement_percent(self, achieved: Decimal | None) -> Decimal | None:
        """Percentage of the target reached; for lower-is-better targets, target ÷ achieved."""
        target = self.target_value
        if achieved is None or target is None:
            return None
        if self.lower_is_better:
            if achieved == 0:
                return Decimal(100) if target >= 0 else None
            ratio = target / achieved
        else:
            if target == 0:
                return None
            ratio = achieved / target
        return round_amount(ratio * 100, 1)

    @property
    def achieved(self) -> Decimal | None:
        """Set by ``with_progress()`` on the queryset: approved sum or latest approved value."""
        if self.aggregation == Aggregation.CUMULATIVE:
            return getattr(self, "approved_latest", None)
        return getattr(self, "approved_sum", None)

    @property
    def achieved_percent(self) -> Decimal | None:
        return self.achievement_percent(self.achieved)

    @property
    def latest_status_label(self) -> str:
        """Set by ``with_latest_progress()``: the status of the latest report, in the reader's language."""
        status = getattr(self, "latest_status", None)
        return str(ReviewStatus(status).label) if status in ReviewStatus.values else (status or "")


class IndicatorKind(models.TextChoices):
    YEAR = "year", _('Result indicator of 2008 (Jan–Dec 2008, "del 2008")')
    PHASE = "phase", _('Result indicator to 2008 (Sep 2005–Dec 2008, "al 2008")')
    PERIOD_END = "period_end", _("Result indicator to December 2008")


class Indicator(Target):
    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("result")
    )
    code = models.CharField(_("code as printed"), max_length=40)
    kind = models.CharField(_("indicator type"), max_length=12, choices=IndicatorKind.choices)
    kind_as_printed = models.CharField(_("indicator type as printed"), max_length=255, blank=True)
    statement = models.TextField(_("statement as printed"))
    statement_en = models.TextField(
        _("statement in English"),
        blank=True,
        help_text=_("Empty: English readers see the Spanish."),
    )
    baseline_text = models.CharField(_("baseline as printed"), max_length=255, blank=True)
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=19, decimal_places=4, null=True, blank=True
    )
    phase_indicator = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="year_indicators",
        verbose_name=_("phase indicator it completes"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    statement_i18n = Translated("statement")

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["result", "order"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["result", "kind", "code"], name="unique_indicator_code"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("results:indicator_detail", args=[self.pk])

    @property
    def plan(self) -> WorkPlan:
        return self.result.plan

    def clean(self) -> None:
        link = self.phase_indicator
        if link is not None and (link.result_id != self.result_id or link.kind != IndicatorKind.PHASE):
            raise ValidationError({"phase_indicator": _("Link a phase indicator of the same result.")})


class Activity(Target):
    plan = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="activities", verbose_name=_("plan")
    )
    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, related_name="activities", verbose_name=_("result")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    key = models.CharField(
        _("key"),
        max_length=20,
        help_text=_("Unique in the plan; the printed code unless it is printed twice."),
    )
    code = models.CharField(_("code as printed"), max_length=20, blank=True)
    group = models.CharField(_("group heading"), max_length=255, blank=True)
    statement = models.TextField(_("statement as printed"), blank=True)
    statement_en = models.TextField(
        _("statement in English"),
        blank=True,
        help_text=_("Empty: English readers see the Spanish."),
    )
    unit = models.CharField(_("unit of measure"), max_length=255, blank=True)
    months_as_printed = models.CharField(_("months as printed"), max_length=60, blank=True)
    start_month = models.DateField(_("start month"), null=True, blank=True)
    end_month = models.DateField(_("end month"), null=True, blank=True)
    responsible = models.CharField(_("responsible"), max_length=60, blank=True)
    schedule_statement = models.TextField(_("statement in the schedule"), blank=True)
    schedule_line = models.PositiveIntegerField(_("line in the schedule"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    statement_i18n = Translated("statement")

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="unique_activity_key"),
            models.CheckConstraint(
                condition=Q(start_month__isnull=True) | Q(start_month__lte=models.F("end_month")),
                name="activity_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.statement[:60]}".strip()

    def get_absolute_url(self) -> str:
        return reverse("results:activity_detail", args=[self.pk])

    def range_months(self) -> list[datetime.date]:
        if self.start_month is None:
            return []
        return months_between(self.start_month, self.end_month)

    def schedule_fits(self, planned: set[datetime.date]) -> bool:
        """Whether the Cronograma's marked months agree with the printed range: at least one month
        marked and none outside the range. A range need not be marked in every month ("Octubre-
        diciembre" marked in October and December is consistent)."""
        printed = set(self.range_months())
        return bool(planned) and planned <= printed


class ScheduleMonth(models.Model):
    """One cell of the Cronograma: whether the activity is planned in that month, as printed."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="schedule_months", verbose_name=_("activity")
    )
    month = models.DateField(_("month"))
    planned = models.BooleanField(_("planned"))
    line = models.PositiveIntegerField(_("seed line"))

    class Meta:
        ordering = ["activity", "month"]
        verbose_name = _("schedule month")
        verbose_name_plural = _("schedule months")
        constraints = [
            models.UniqueConstraint(fields=["activity", "month"], name="unique_schedule_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="schedule_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.activity.code} {self.month:%Y-%m}: {'X' if self.planned else '-'}"


class Footnote(models.Model):
    """A footnote of a work plan, attached to what it annotates (result, indicator, activity or the plan)."""

    plan = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="footnotes", verbose_name=_("plan")
    )
    marker = models.CharField(_("marker"), max_length=10)
    text = models.TextField(_("text"))
    line = models.PositiveIntegerField(_("seed line"))
    anchor_line = models.PositiveIntegerField(_("line of the marker"), null=True, blank=True)
    annotates = models.CharField(_("annotates"), max_length=255, blank=True)
    result = models.ForeignKey(
        Result,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="footnotes",
        verbose_name=_("result"),
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="footnotes",
        verbose_name=_("indicator"),
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="footnotes",
        verbose_name=_("activity"),
    )

    class Meta:
        ordering = ["plan", "line"]
        verbose_name = _("footnote")
        verbose_name_plural = _("footnotes")
        constraints = [
            models.UniqueConstraint(fields=["plan", "marker"], name="unique_footnote_marker"),
            models.CheckConstraint(
                condition=(
                    Q(result__isnull=True, indicator__isnull=True)
                    | Q(result__isnull=True, activity__isnull=True)
                    | Q(indicator__isnull=True, activity__isnull=True)
                ),
                name="footnote_one_anchor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.marker} {self.text}"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class ReportingPeriod(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="reporting_periods", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    label = models.CharField(_("label"), max_length=60)
    is_locked = models.BooleanField(_("locked"), default=False)
    locked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("locked by")
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "start_date", "kind"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "start_date", "end_date"], name="unique_reporting_period"
            ),
            models.CheckConstraint(
                condition=Q(start_date__lte=models.F("end_date")), name="reporting_period_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def lock_error(self) -> ValidationError | None:
        """The refusal of any edit or submission while the period is locked; ``None`` when open."""
        if not self.is_locked:
            return None
        return ValidationError(
            _("The reporting period %(period)s is locked.") % {"period": self.label}, code="period_locked"
        )


ProgressStatus = ReviewStatus

# services.py applies the changes through core.workflow.transition, which also increments the report's
# version (an edit started before a change is then refused as stale).
PROGRESS_WORKFLOW = Workflow(ReviewStatus, REVIEW_TRANSITIONS, version_field="version")
EDITABLE_STATUSES = frozenset({ProgressStatus.DRAFT, ProgressStatus.RETURNED, ProgressStatus.REOPENED})

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "xlsx", "docx", "csv")


def validate_evidence(file) -> None:
    if file.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("The evidence file may not exceed 5 MB."), code="file_too_large")
    extension = Path(file.name).suffix.lower().lstrip(".")
    if extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            _("Evidence must be one of: %(types)s."),
            code="file_type",
            params={"types": ", ".join(EVIDENCE_EXTENSIONS)},
        )
    if getattr(file, "_committed", False):
        return  # a file already stored was checked when it came
    # The name is the user's, the content is what others will open: it must be what the name says.
    stream = getattr(file, "file", file)
    found = filetypes.sniff(stream)
    if found != filetypes.EXTENSION_CONTENT[extension]:
        raise ValidationError(
            _("%(name)s is named .%(extension)s but holds %(found)s."),
            code="file_content",
            params={
                "name": Path(file.name).name,
                "extension": extension,
                "found": filetypes.DESCRIPTIONS[found],
            },
        )


class ReviewedReport(models.Model):
    """What a partner reports for a reporting period (``period``) and staff review: progress, money.

    The review's fields and its editability, once for every kind of report; the status changes only
    through :func:`core.workflow.transition` (each subclass names its ``workflow``).
    """

    status = models.CharField(
        _("status"), max_length=10, choices=ProgressStatus.choices, default=ProgressStatus.DRAFT
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    submitted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True, validators=[validate_text_length])
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Incremented by every edit and status change.")
    )
    status_changes = GenericRelation(StatusChange)

    class Meta:
        abstract = True

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES and not self.period.is_locked

    def edit_error(self) -> ValidationError | None:
        """Why the report cannot be edited now (its period is locked, or it is past the partner);
        ``None`` when it can."""
        if (locked := self.period.lock_error()) is not None:
            return locked
        if self.status in EDITABLE_STATUSES:
            return None
        return ValidationError(
            _("A report in status “%(status)s” cannot be edited.") % {"status": self.get_status_display()},
            code="not_editable",
        )


class ProgressReport(ReviewedReport):
    """What a partner reports for one activity or one indicator in one reporting period."""

    workflow = PROGRESS_WORKFLOW

    period = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.PROTECT,
        related_name="progress_reports",
        verbose_name=_("reporting period"),
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="progress_reports",
        verbose_name=_("activity"),
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="progress_reports",
        verbose_name=_("indicator"),
    )
    achieved_value = models.DecimalField(
        _("achieved value"), max_digits=19, decimal_places=4, null=True, blank=True
    )
    achieved_text = models.TextField(_("achieved (text)"), blank=True, validators=[validate_text_length])
    narrative = models.TextField(_("narrative"), blank=True, validators=[validate_text_length])
    evidence = models.FileField(
        _("evidence"), upload_to="results/evidence/%Y/%m/", blank=True, validators=[validate_evidence]
    )
    reported_on = models.DateField(_("date"), validators=[validate_date_in_window])
    on_behalf_of = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered on behalf of"),
        help_text=_("Set when a programme administrator, not the partner, entered the report."),
    )
    history = HistoricalRecords()

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        ordering = ["-period__start_date", "pk"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        # The review queue: submitted reports oldest first, a page at a time, and the last approved.
        indexes = [
            models.Index(fields=["status", "submitted_at", "id"], name="progress_status_submitted"),
            models.Index(fields=["status", "reviewed_at"], name="progress_status_reviewed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=True, indicator__isnull=False)
                | Q(activity__isnull=False, indicator__isnull=True),
                name="progress_one_target",
            ),
            models.UniqueConstraint(
                fields=["activity", "period"],
                condition=Q(activity__isnull=False),
                name="unique_activity_progress",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period"],
                condition=Q(indicator__isnull=False),
                name="unique_indicator_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("results:progress_detail", args=[self.pk])

    @property
    def target(self) -> Activity | Indicator:
        return self.activity if self.activity_id else self.indicator

    @property
    def plan(self) -> WorkPlan:
        return self.activity.plan if self.activity_id else self.indicator.result.plan

    def clean(self) -> None:
        target = self.target if (self.activity_id or self.indicator_id) else None
        if target is None:
            return
        if target.expects_text:
            if self.achieved_value is not None:
                raise ValidationError(
                    {"achieved_value": _("This target is a text: report the achievement as text.")}
                )
        elif self.achieved_text:
            raise ValidationError({"achieved_text": _("This target is a number: report the achieved value.")})
        if (error := target.achieved_value_error(self.achieved_value)) is not None:
            raise ValidationError({"achieved_value": error})
        if self.period_id and target.plan.programme_id != self.period.programme_id:
            raise ValidationError({"period": _("The period belongs to another programme.")})
