"""Workflows of the finance app: financial reports, their review, and disbursements.

Every function checks the user's permission through :mod:`agreements.access` (rules registered in
``agreements/rules.py``), validates with ``full_clean()``, changes statuses only through
:func:`core.workflow.transition` and tells the reconciliation that the programme's figures changed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from djmoney.money import Money

from budgets.models import BudgetFact, BudgetRow, FigureKind, RowRole
from core import formatting
from core.models import ExchangeRate, Organisation, User
from core.money import convert, round_amount
from core.workflow import transition
from finance.models import BudgetVersion, Disbursement, FinancialReport, FinancialReportLine, FinancialStatus
from reconciliation.services import derive_rule, figures_changed
from results.models import ReportingPeriod

# --- budget lines and what was spent on them -----------------------------------------------------


def budget_rows(programme, partner: Organisation):
    """The lines of ``partner``'s approved budget in ``programme``: the item rows of the partner in the
    tables marked as the basis of financial reports, where they state a planned figure."""
    return (
        BudgetRow.objects.filter(
            table__programme=programme, table__reporting_basis=True, role=RowRole.ITEM, partner=partner
        )
        .filter(facts__figure=FigureKind.PLANNED, facts__amount__isnull=False)
        .distinct()
        .select_related("table")
        .order_by("table__order", "order")
    )


def _revised(rows, as_of: datetime.date) -> dict[int, dict[str, Money]] | None:
    """The rows' budgets as revised on ``as_of``; ``None`` when their programme keeps no versions."""
    from finance.versions import consolidated

    if not rows:
        return None
    programme_id = rows[0].table.programme_id
    if not BudgetVersion.objects.filter(programme_id=programme_id).exists():
        return None
    return consolidated(programme_id, as_of, rows=[row.pk for row in rows])


@dataclass(frozen=True)
class LineBudget:
    """A budget line's planned amount in the report's currency and the last day of the period it plans."""

    amount: Money | None
    ends: datetime.date | None


def line_budgets(
    rows, currency: str, rate: ExchangeRate | None = None, *, as_of: datetime.date | None = None
) -> dict[int, LineBudget]:
    """Each row's budget in ``currency``, by row pk: the table's own figure in that currency where it
    states one; otherwise its figure in the other currency of ``rate``, converted (rounded to the unit, as
    the tables print); ``None`` when neither is stated. Two queries for all rows.

    The figure is the budget as revised on ``as_of`` (today when not given) where the programme keeps
    budget versions (:func:`finance.versions.consolidated`: the original, amendments and approved
    reallocations); as the table prints it where it keeps none."""
    by_row: dict[int, dict[str, Decimal]] = {}
    ends: dict[int, datetime.date] = {}
    facts = BudgetFact.objects.filter(
        row__in=[row.pk for row in rows], figure=FigureKind.PLANNED, amount__isnull=False, is_total=False
    ).values_list("row_id", "amount", "amount_currency", "period_end")
    for row_id, amount, amount_currency, period_end in facts:
        currencies = by_row.setdefault(row_id, {})
        currencies[amount_currency] = currencies.get(amount_currency, Decimal(0)) + amount
        if period_end is not None:
            ends[row_id] = max(period_end, ends.get(row_id, period_end))
    revised = _revised(rows, as_of or timezone.localdate())
    if revised is not None:
        by_row = {pk: {c: m.amount for c, m in budget.items()} for pk, budget in revised.items()}
    budgets: dict[int, LineBudget] = {}
    for row in rows:
        stated = by_row.get(row.pk, {})
        amount = None
        if currency in stated:
            amount = Money(stated[currency], currency)
        elif rate is not None and (other := ({rate.base_currency, rate.quote_currency} - {currency})):
            (other_currency,) = other
            if other_currency in stated:
                amount = convert(Money(stated[other_currency], other_currency), rate=rate, places=0)
        budgets[row.pk] = LineBudget(amount, ends.get(row.pk))
    return budgets


def spent_before(report: FinancialReport) -> dict[int, Decimal]:
    """What approved earlier reports of the same partner, programme and currency spent, per budget row."""
    totals: dict[int, Decimal] = {}
    lines = FinancialReportLine.objects.filter(
        report__programme_id=report.programme_id,
        report__partner_id=report.partner_id,
        report__currency=report.currency,
        report__status=FinancialStatus.APPROVED,
        report__period__end_date__lt=report.period.start_date,
    ).values_list("budget_row_id", "spent")
    for row_id, spent in lines:
        totals[row_id] = totals.get(row_id, Decimal(0)) + spent
    return totals


@dataclass(frozen=True)
class LineStatus:
    """One line of a report beside its budget: the period's spending, the cumulative one and the variance."""

    line: FinancialReportLine
    budget: Money | None
    cumulative: Money
    variance: Money | None  # cumulative − budget
    variance_percent: Decimal | None
    needs_explanation: bool

    @property
    def spent_before(self) -> Money:
        return self.cumulative - self.line.spent

    @property
    def available(self) -> Money | None:
        return None if self.budget is None else self.budget - self.cumulative


def needs_explanation(
    variance_percent: Decimal | None, threshold: Decimal, *, budget_period_closed: bool
) -> bool:
    """The variance rule: a line spent more than ``threshold`` % above its budget is explained in any
    report; one spent more than ``threshold`` % below only in the report that closes the budget's period
    (earlier, money not yet spent is the plan, not a variance)."""
    if variance_percent is None:
        return False
    if variance_percent > threshold:
        return True
    return budget_period_closed and variance_percent < -threshold


def line_statuses(report: FinancialReport) -> list[LineStatus]:
    """Every line of ``report`` with its budget, cumulative expenditure and whether it needs an explanation."""
    lines = list(report.lines.select_related("budget_row__table__document"))
    budgets = line_budgets(
        [line.budget_row for line in lines], report.currency, report.rate, as_of=report.period.end_date
    )
    before = spent_before(report)
    threshold = report.programme.variance_threshold_percent
    statuses = []
    for line in lines:
        budget = budgets[line.budget_row_id]
        cumulative = Money(before.get(line.budget_row_id, Decimal(0)) + line.spent.amount, report.currency)
        variance = percent = None
        if budget.amount is not None:
            variance = cumulative - budget.amount
            if budget.amount.amount:
                percent = round_amount(variance.amount * 100 / budget.amount.amount, 1)
            elif cumulative.amount:
                percent = Decimal(100)  # spent on a line budgeted at 0: all of it is over budget
        closed = budget.ends is not None and report.period.end_date >= budget.ends
        needs = needs_explanation(percent, threshold, budget_period_closed=closed)
        statuses.append(LineStatus(line, budget.amount, cumulative, variance, percent, needs))
    return statuses


def lines_total(report: FinancialReport) -> Money:
    total = sum((line.spent.amount for line in report.lines.all()), Decimal(0))
    return Money(total, report.currency)


def _label(row: BudgetRow) -> str:
    return Truncator(row.label).chars(60)


# --- permissions ------------------------------------------------------------------------------------


def may_report(user: User, obj) -> bool:
    """Whether ``user`` writes the partner's expenditure of ``obj`` (a report or a draft of one): the
    partner's own editors only. Asked of the rule itself, not of ``user.has_perm``, which is true for
    every superuser: a site administrator is not the partner and does not sign its accounts."""
    return rules.has_perm("finance.report_expenditure", user, obj)


def _require(user: User, perm: str, obj) -> None:
    allowed = may_report(user, obj) if perm == "finance.report_expenditure" else user.has_perm(perm, obj)
    if not allowed:
        raise PermissionDenied(_("You may not do this on this financial report."))


def _require_editable(report: FinancialReport) -> None:
    if (error := report.edit_error()) is not None:
        raise error


# --- financial reports --------------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    user: User,
    programme,
    partner: Organisation,
    period: ReportingPeriod,
    currency: str,
    rate: ExchangeRate | None = None,
    is_demonstration: bool = False,
) -> FinancialReport:
    """Open a draft report of ``partner`` for ``period``, its lines pre-filled with 0 for every budget line."""
    report = FinancialReport(
        programme=programme,
        partner=partner,
        period=period,
        currency=currency,
        rate=rate,
        created_by=user,
        is_demonstration=is_demonstration,
    )
    _require(user, "finance.report_expenditure", report)
    if (error := period.lock_error()) is not None:
        raise error
    report.full_clean()
    report._history_user = user
    report.save()
    # A variance explained in an approved earlier report is still explained: carried over, editable.
    explained = dict(
        FinancialReportLine.objects.filter(
            report__programme=programme,
            report__partner=partner,
            report__currency=currency,
            report__status=FinancialStatus.APPROVED,
            report__period__end_date__lt=period.start_date,
        )
        .exclude(variance_explanation="")
        .order_by("report__period__start_date")
        .values_list("budget_row_id", "variance_explanation")
    )
    FinancialReportLine.objects.bulk_create(
        FinancialReportLine(
            report=report,
            budget_row=row,
            spent=Money(0, currency),
            variance_explanation=explained.get(row.pk, ""),
        )
        for row in budget_rows(programme, partner)
    )
    derive_rule(
        programme,
        f"financial-report-{report.pk}",
        "financial_report",
        subject=report,
        description="Un informe financiero: sus líneas suman su total, su tipo de cambio vale para su periodo, "
        "cada línea queda dentro de su presupuesto y toda variación mayor al umbral está explicada.",
        description_en="A financial report: its lines add up to its total, its rate is valid for its period, "
        "each line stays within its budget and every variance beyond the threshold is explained.",
    )
    derive_rule(
        programme,
        "executed-within-ceiling",
        "executed_within_ceiling",
        description="Lo ejecutado por el programa (lo que declara la fuente más los informes financieros "
        "aprobados) no supera el techo del convenio en cada moneda.",
        description_en="What the programme executed (as the source states, plus approved financial reports) "
        "does not exceed the agreement's ceiling in each currency.",
    )
    return report


@transaction.atomic
def report_update(
    *,
    report: FinancialReport,
    user: User,
    spent: dict[int, Decimal],
    explanations: dict[int, str] | None = None,
    stated_total: Decimal | None = None,
    narrative: str | None = None,
    version: int | None = None,
    document=None,
) -> FinancialReport:
    """Store the amounts spent (by budget row pk) and explanations of an editable report.

    ``version`` is the one the user's form was read at: a report changed since is refused, not overwritten.
    """
    report = (
        FinancialReport.objects.select_for_update().select_related("period", "programme").get(pk=report.pk)
    )
    _require(user, "finance.report_expenditure", report)
    _require_editable(report)
    if version is not None and version != report.version:
        raise ValidationError(
            _(
                "This report was changed by someone else since you opened it (version %(stored)s, yours %(yours)s)."
            ),
            code="stale",
            params={"stored": report.version, "yours": version},
        )
    explanations = explanations or {}
    lines = {line.budget_row_id: line for line in report.lines.all()}
    unknown = (set(spent) | set(explanations)) - set(lines)
    if unknown:
        raise ValidationError(
            _("Budget lines %(rows)s are not lines of this report."),
            code="unknown_line",
            params={"rows": ", ".join(str(pk) for pk in sorted(unknown))},
        )
    errors = []
    for row_id, line in lines.items():
        if row_id in spent:
            line.spent = Money(spent[row_id], report.currency)
        if row_id in explanations:
            line.variance_explanation = explanations[row_id].strip()
        try:
            line.full_clean(exclude=["report", "budget_row"])
        except ValidationError as error:
            errors.append(
                ValidationError(
                    _("Line %(line)s (%(label)s): %(error)s"),
                    params={
                        "line": line.budget_row.line,
                        "label": _label(line.budget_row),
                        "error": "; ".join(error.messages),
                    },
                )
            )
        if line.spent.amount < 0:
            errors.append(
                ValidationError(
                    _("Line %(line)s: an amount spent is not negative."),
                    params={"line": line.budget_row.line},
                )
            )
    if errors:
        raise ValidationError(errors)
    for line in lines.values():
        line._history_user = user
        line.save()
    if stated_total is not None:
        report.stated_total = Money(stated_total, report.currency)
    if narrative is not None:
        report.narrative = narrative
    if document is not None:  # a new supporting document (validated by the field: type by content, size)
        report.document = document
    report.version += 1
    report.full_clean()
    report._history_user = user
    report.save()
    return report


def missing_explanations(report: FinancialReport) -> list[LineStatus]:
    """The lines whose variance needs an explanation that the partner has not given."""
    return [
        status
        for status in line_statuses(report)
        if status.needs_explanation and not status.line.variance_explanation
    ]


@transaction.atomic
def report_submit(*, report: FinancialReport, user: User) -> FinancialReport:
    """Send the report to programme staff; refused while a line that needs an explanation has none."""
    report = (
        FinancialReport.objects.select_for_update().select_related("period", "programme").get(pk=report.pk)
    )
    _require(user, "finance.report_expenditure", report)
    if (error := report.period.lock_error()) is not None:
        raise error
    if missing := missing_explanations(report):
        raise ValidationError(
            [
                ValidationError(
                    _(
                        "Line %(line)s (%(label)s): cumulative expenditure %(cumulative)s departs from the budget "
                        "%(budget)s by %(percent)s, more than %(threshold)s: explain the variance."
                    ),
                    code="explanation_required",
                    params={
                        "line": status.line.budget_row.line,
                        "label": _label(status.line.budget_row),
                        "cumulative": formatting.money(status.cumulative),
                        "budget": formatting.money(status.budget),
                        "percent": formatting.percent(status.variance_percent),
                        "threshold": formatting.percent(report.programme.variance_threshold_percent),
                    },
                )
                for status in missing
            ]
        )
    report = transition(
        report, FinancialStatus.SUBMITTED, user=user, submitted_by=user, submitted_at=timezone.now()
    )
    # A submitted report is checked by the reconciliation (a draft is not): its figures now count.
    figures_changed(report.programme_id, _("financial report #%(pk)s submitted") % {"pk": report.pk})
    return report


def _check_reviewer(report: FinancialReport, user: User) -> None:
    _require(user, "finance.review_expenditure", report)
    if user.pk in (report.created_by_id, report.submitted_by_id):
        raise PermissionDenied(_("Nobody reviews their own report."))


@transaction.atomic
def report_approve(*, report: FinancialReport, user: User) -> FinancialReport:
    """Approve a submitted report: its lines become the programme's executed figures."""
    report = FinancialReport.objects.select_for_update().get(pk=report.pk)
    _check_reviewer(report, user)
    report = transition(
        report,
        FinancialStatus.APPROVED,
        user=user,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment="",
    )
    figures_changed(report.programme_id, _("financial report #%(pk)s approved") % {"pk": report.pk})
    return report


@transaction.atomic
def report_return(*, report: FinancialReport, user: User, comment: str) -> FinancialReport:
    """Send a submitted report back to the partner with the reason."""
    if not comment.strip():
        raise ValidationError(_("Say why the report is returned."), code="comment_required")
    report = FinancialReport.objects.select_for_update().get(pk=report.pk)
    _check_reviewer(report, user)
    comment = comment.strip()
    report = transition(
        report,
        FinancialStatus.RETURNED,
        user=user,
        reason=comment,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment=comment,
    )
    figures_changed(report.programme_id, _("financial report #%(pk)s returned") % {"pk": report.pk})
    return report


@transaction.atomic
def report_reopen(*, report: FinancialReport, user: User, reason: str) -> FinancialReport:
    """Unlock an approved report so the partner can correct it; staff only, with a reason."""
    if not reason.strip():
        raise ValidationError(_("Say why the report is reopened."), code="reason_required")
    report = FinancialReport.objects.select_for_update().select_related("period").get(pk=report.pk)
    _require(user, "finance.review_expenditure", report)
    if (error := report.period.lock_error()) is not None:
        raise error
    reason = reason.strip()
    report = transition(
        report,
        FinancialStatus.REOPENED,
        user=user,
        reason=reason,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment=reason,
    )
    figures_changed(report.programme_id, _("financial report #%(pk)s reopened") % {"pk": report.pk})
    return report


# --- disbursements and balances ---------------------------------------------------------------------


@transaction.atomic
def disbursement_create(*, user: User | None, **fields) -> Disbursement:
    """Record a transfer to a partner (staff of the programme; ``user=None`` for the system's loaders)."""
    disbursement = Disbursement(created_by=user, **fields)
    if user is not None:
        _require(user, "finance.record_disbursement", disbursement)
    disbursement.full_clean()
    disbursement._history_user = user
    disbursement.save()
    derive_rule(
        disbursement.programme,
        "disbursements-within-plan",
        "disbursements_within_plan",
        description="Lo transferido a cada socio, por moneda, no supera lo que planifican sus líneas de presupuesto.",
        description_en="What the programme transferred to each partner, per currency, does not exceed what its "
        "budget lines plan.",
    )
    return disbursement


@dataclass(frozen=True)
class Balance:
    """A partner's money in one currency over one reporting period."""

    period: ReportingPeriod
    opening: Money
    received: Money
    spent: Money

    @property
    def closing(self) -> Money:
        return self.opening + self.received - self.spent


def balances(programme, partner: Organisation, currency: str) -> list[Balance]:
    """Per reporting period of ``programme``: opening (the previous closing), received (disbursements in
    ``currency`` dated in the period), spent (approved financial reports in ``currency``), closing. Three
    queries whatever the number of periods."""
    periods = list(ReportingPeriod.objects.filter(programme=programme).order_by("start_date", "end_date"))
    received: dict[int, Decimal] = {}
    dates = Disbursement.objects.filter(
        programme=programme, partner=partner, amount_currency=currency
    ).values_list("date", "amount")
    for on, amount in dates:
        for period in periods:
            if period.start_date <= on <= period.end_date:
                received[period.pk] = received.get(period.pk, Decimal(0)) + amount
                break
    spent: dict[int, Decimal] = {}
    lines = FinancialReportLine.objects.filter(
        report__programme=programme,
        report__partner=partner,
        report__currency=currency,
        report__status=FinancialStatus.APPROVED,
    ).values_list("report__period_id", "spent")
    for period_id, amount in lines:
        spent[period_id] = spent.get(period_id, Decimal(0)) + amount
    result = []
    opening = Money(0, currency)
    for period in periods:
        balance = Balance(
            period,
            opening,
            Money(received.get(period.pk, Decimal(0)), currency),
            Money(spent.get(period.pk, Decimal(0)), currency),
        )
        result.append(balance)
        opening = balance.closing
    return result


def executed_by_row(programme, *, as_of: datetime.date | None = None) -> dict[tuple[int, str], Money]:
    """What approved financial reports spent per budget row and currency (up to the period ending by
    ``as_of``): the executed figures that add to the source's stated execution."""
    lines = FinancialReportLine.objects.filter(
        report__programme=programme, report__status=FinancialStatus.APPROVED
    )
    if as_of is not None:
        lines = lines.filter(report__period__end_date__lte=as_of)
    totals: dict[tuple[int, str], Decimal] = {}
    for row_id, amount, currency in lines.values_list("budget_row_id", "spent", "spent_currency"):
        totals[(row_id, currency)] = totals.get((row_id, currency), Decimal(0)) + amount
    return {key: Money(amount, key[1]) for key, amount in totals.items()}


def partner_currencies(programme, partner: Organisation) -> list[str]:
    """The currencies a partner's money moves in: the binding one, then those of its transfers and reports."""
    codes = [programme.binding_currency]
    used = set(
        Disbursement.objects.filter(programme=programme, partner=partner).values_list(
            "amount_currency", flat=True
        )
    ) | set(
        FinancialReport.objects.filter(programme=programme, partner=partner).values_list(
            "currency", flat=True
        )
    )
    return codes + sorted(used - set(codes))
