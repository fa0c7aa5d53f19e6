"""Live money: the source's figures as the opening position, plus what approved financial reports spent.

Per partner and currency (never two currencies added):

- **phase budget**: the budget of the phase as the counted tables (``in_overview``) print it: their
  total of the phase where one states it, else their planned figures added (never both: two tables
  may state the same budget both ways);
- **executed as stated**: the execution the source states (its ``executed`` figures), the opening figure;
- **reported**: what approved financial reports spent since, up to ``as_of``;
- **executed** = executed as stated + reported; **available** = phase budget − executed;
- **plan budget**: the partner's budget lines of the reporting period (tables marked ``reporting_basis``),
  and **plan available** = plan budget − reported;
- **burn rate**: reported per month of the approved reports' periods; **forecast** to the end of the
  phase: executed + burn rate × the whole months left.

A figure in another currency than the programme's binding one carries its reference in the binding
currency: the reports converted each at its own dated rate (:func:`core.money.convert`).

Scoped by the user: the budget facts through ``BudgetFact.objects.for_user``, the reports through
:func:`agreements.access.financial_reports`. A fixed number of queries, whatever the number of partners.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy
from djmoney.money import Money

from agreements import access
from budgets.models import BudgetFact, FigureKind
from core.money import convert, round_amount
from finance.models import FinancialReport, FinancialReportLine, FinancialStatus

PHASE_FIGURES = (FigureKind.PLANNED, FigureKind.TOTAL_PHASE)


@dataclass
class LiveRow:
    partner: str
    currency: str
    phase_budget: Money | None
    executed_stated: Money | None
    reported: Money
    reported_binding: Money | None  # the reported amounts in the binding currency, each at its report's rate
    plan_budget: Money | None
    months_reported: int
    months_left: int

    @property
    def executed(self) -> Money | None:
        if self.executed_stated is None and not self.reported.amount:
            return None
        return (self.executed_stated or Money(0, self.currency)) + self.reported

    @property
    def available(self) -> Money | None:
        if self.phase_budget is None:
            return None
        return self.phase_budget - (self.executed or Money(0, self.currency))

    @property
    def plan_available(self) -> Money | None:
        return None if self.plan_budget is None else self.plan_budget - self.reported

    @property
    def burn_rate(self) -> Money | None:
        if not self.months_reported:
            return None
        return Money(round_amount(self.reported.amount / self.months_reported, 2), self.currency)

    @property
    def forecast(self) -> Money | None:
        """Executed at the end of the phase if the partner keeps spending at its burn rate."""
        if self.burn_rate is None:
            return None
        return (self.executed or Money(0, self.currency)) + self.burn_rate * self.months_left

    @property
    def burn_percent(self) -> Decimal | None:
        """Of the plan budget, the share reported so far."""
        if not self.plan_budget or not self.plan_budget.amount:
            return None
        return round_amount(self.reported.amount * 100 / self.plan_budget.amount, 1)


def _months(start: datetime.date, end: datetime.date) -> int:
    """Whole months from ``start`` to ``end`` (both inclusive, as periods are): Sep 1–Dec 31 → 4."""
    if end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + (1 if end.day >= 28 else 0)


def _add(totals: dict, key, amount: Decimal) -> None:
    totals[key] = totals.get(key, Decimal(0)) + amount


def live_figures(programme, user, as_of: datetime.date | None = None, partner=None) -> list[LiveRow]:
    """The programme's live money per partner and currency, as ``user`` may see it (``partner``: one only;
    ``user=None``: all of it, for the reconciliation, which checks every figure)."""
    as_of = as_of or datetime.date.today()
    if user is None:
        facts = BudgetFact.objects.of_programme(programme)
        reports = FinancialReport.objects.filter(programme=programme)
    else:
        facts = BudgetFact.objects.for_user(user).of_programme(programme)
        reports = access.financial_reports(user).filter(programme=programme)
    if partner is not None:
        facts, reports = facts.filter(partner=partner), reports.filter(partner=partner)
    by_kind: dict[str, dict[tuple[str, str], Decimal]] = {kind: {} for kind in PHASE_FIGURES}
    stated: dict[tuple[str, str], Decimal] = {}
    plan: dict[tuple[str, str], Decimal] = {}
    counted = facts.counted().filter(
        figure__in=[*PHASE_FIGURES, FigureKind.EXECUTED], amount__isnull=False, partner__isnull=False
    )
    # Added up, not listed: no ordering (the facts' default one joins every table, row and column).
    for acronym, figure, amount, currency in counted.order_by().values_list(
        "partner__acronym", "figure", "amount", "amount_currency"
    ):
        _add(stated if figure == FigureKind.EXECUTED else by_kind[figure], (acronym, currency), amount)
    # The total of the phase where a counted table states it; else the planned figures (by year) added:
    # two tables may state the same budget both ways, and it counts once.
    phase = {**by_kind[FigureKind.PLANNED], **by_kind[FigureKind.TOTAL_PHASE]}
    planned_lines = facts.items().filter(
        budget_table__reporting_basis=True,
        figure=FigureKind.PLANNED,
        amount__isnull=False,
        partner__isnull=False,
    )
    for acronym, amount, currency in planned_lines.order_by().values_list(
        "partner__acronym", "amount", "amount_currency"
    ):
        _add(plan, (acronym, currency), amount)

    reported: dict[tuple[str, str], Decimal] = {}
    reported_binding: dict[tuple[str, str], Decimal] = {}
    months: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)  # key → period → its months
    binding = programme.binding_currency
    lines = (
        # The programme named on the line's report too: an index scan, not every line of the portfolio.
        FinancialReportLine.objects.filter(
            report__programme=programme,
            report__in=reports.filter(status=FinancialStatus.APPROVED, period__end_date__lte=as_of),
        )
        .order_by()
        .select_related("report__partner", "report__period", "report__rate")
        .only(
            "spent",
            "spent_currency",
            "report__currency",
            "report__partner__acronym",
            "report__period__start_date",
            "report__period__end_date",
            "report__period_id",
            "report__rate",
        )
    )
    for line in lines:
        report = line.report
        key = (report.partner.acronym, report.currency)
        _add(reported, key, line.spent.amount)
        if report.currency != binding and report.rate is not None:
            _add(reported_binding, key, convert(line.spent, rate=report.rate).amount)
        months[key][report.period_id] = _months(report.period.start_date, report.period.end_date)

    phase_end = programme.phases.order_by("-end_date").values_list("end_date", flat=True).first()
    months_left = _months(as_of + datetime.timedelta(days=1), phase_end) if phase_end else 0
    rows = []
    for key in sorted(set(phase) | set(stated) | set(plan) | set(reported)):
        acronym, currency = key
        # Each approved period counts its own months once (a monthly period: 1; a quarter: 3).
        period_months = sum(months.get(key, {}).values())
        rows.append(
            LiveRow(
                partner=acronym,
                currency=currency,
                phase_budget=Money(phase[key], currency) if key in phase else None,
                executed_stated=Money(stated[key], currency) if key in stated else None,
                reported=Money(reported.get(key, Decimal(0)), currency),
                reported_binding=(Money(reported_binding[key], binding) if key in reported_binding else None),
                plan_budget=Money(plan[key], currency) if key in plan else None,
                months_reported=period_months,
                months_left=max(months_left, 0),
            )
        )
    return rows


#: The columns every page and export shows of a live row, in order: (attribute, label). One list, so the
#: budget overview, the dashboards and the operational-plan workbook say the same thing.
LIVE_COLUMNS = [
    ("phase_budget", gettext_lazy("Phase budget")),
    ("executed_stated", gettext_lazy("Executed as stated")),
    ("reported", gettext_lazy("Reported since (approved)")),
    ("executed", gettext_lazy("Executed")),
    ("available", gettext_lazy("Available")),
    ("plan_budget", gettext_lazy("Budget of the reporting period")),
    ("plan_available", gettext_lazy("Available in the period")),
    ("burn_rate", gettext_lazy("Spent per month")),
    ("forecast", gettext_lazy("Forecast at the end of the phase")),
]


def live_cells(row: LiveRow) -> list[Money | None]:
    return [getattr(row, attribute) for attribute, _label in LIVE_COLUMNS]


@dataclass
class LiveTable:
    """What ``templates/finance/_live.html`` shows."""

    as_of: datetime.date
    rows: list[tuple[LiveRow, list[Money | None]]]
    programme_code: str = ""
    columns: list = field(default_factory=lambda: LIVE_COLUMNS)
    report_url: str = ""
    disbursement_url: str = ""


def live_table(programme, user, as_of: datetime.date | None = None, partner=None) -> LiveTable:
    as_of = as_of or datetime.date.today()
    rows = live_figures(programme, user, as_of, partner)
    return LiveTable(
        as_of=as_of,
        rows=[(row, live_cells(row)) for row in rows],
        programme_code=programme.code,
        report_url=reverse("finance:report_list", args=[programme.code]),
        disbursement_url=reverse("finance:disbursement_list", args=[programme.code]),
    )


def overview_section(*, programme, user, as_of) -> tuple[str, LiveTable]:
    """The budget overview's live-money section (registered in :class:`finance.apps.FinanceConfig`)."""
    return "finance/_live.html", live_table(programme, user, as_of)


@dataclass
class LineProgress:
    """A partner's budget lines against what approved reports spent on them, per period and currency."""

    labels: list[str]  # one per budget line: "593 Resultado 2: …"
    budgets: dict[str, list[Decimal | None]]  # currency → per line
    spent: dict[tuple[str, str], list[Decimal | None]]  # (period label, currency) → per line


def line_progress(programme, partner, user, currencies: set[str] | None = None) -> LineProgress:
    """Budget vs actual per line and period for ``partner`` in ``programme``; what ``user`` may see only.
    ``currencies``: those of the partner's reports there that ``user`` sees, when the caller has them."""
    from finance import services

    if not access.reads_whole(user, programme) and partner.pk not in access.partner_ids(user, programme):
        return LineProgress([], {}, {})
    rows = list(services.budget_rows(programme, partner))
    index = {row.pk: i for i, row in enumerate(rows)}
    budgets: dict[str, list[Decimal | None]] = {}
    if currencies is None:
        currencies = set(
            access.financial_reports(user)
            .filter(programme=programme, partner=partner)
            .values_list("currency", flat=True)
        )
    for currency in {programme.binding_currency} | currencies:
        amounts = services.line_budgets(rows, currency)
        budgets[currency] = [
            amounts[row.pk].amount.amount if amounts[row.pk].amount is not None else None for row in rows
        ]
    spent: dict[tuple[str, str], list[Decimal | None]] = {}
    lines = (
        FinancialReportLine.objects.filter(
            report__in=access.financial_reports(user).filter(
                programme=programme, partner=partner, status=FinancialStatus.APPROVED
            ),
            budget_row_id__in=index,
        )
        .order_by("report__period__start_date")
        .values_list("report__period__label", "report__currency", "budget_row_id", "spent")
    )
    for label, currency, row_id, amount in lines:
        values = spent.setdefault((label, currency), [None] * len(rows))
        values[index[row_id]] = (values[index[row_id]] or Decimal(0)) + amount
    return LineProgress(
        [f"{row.line} {Truncator(row.label).chars(40)}" for row in rows],
        {c: v for c, v in sorted(budgets.items()) if any(x is not None for x in v)},
        spent,
    )
