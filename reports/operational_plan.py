"""The operational plan of a programme and period, regenerated from the data, and a partner's progress
report for one reporting period: what the PDF and XLSX exports (:mod:`reports.exports`) print.

Budget tables are printed as stated, and every total a ``sum`` rule checks carries what pcc recomputes
(:func:`budgets.reconciliation.evaluate`, run now, in memory) so a mismatch is marked beside it.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Prefetch, Q
from django.utils import timezone

from agreements.models import Programme
from budgets.models import BudgetFact, BudgetTable, RowRole
from finance.live import LiveTable, live_table
from reconciliation.cells import parse_ref
from reconciliation.engine import evaluate
from reconciliation.models import DIFFERING, ReconciliationRule
from reports.dashboard import plans_for
from reports.filters import Filters
from results.models import Activity, Indicator, ProgressReport, ReportingPeriod, Result, WorkPlan


@dataclass
class Recomputed:
    value: Decimal
    severity: str | None  # None: the total holds
    rule: str


@dataclass
class BudgetCell:
    fact: BudgetFact | None
    recomputed: list[Recomputed] = field(default_factory=list)

    @property
    def mismatches(self) -> list[Recomputed]:
        return [r for r in self.recomputed if r.severity in DIFFERING]

    @property
    def severity(self) -> str:
        severities = {r.severity for r in self.mismatches}
        return "material" if "material" in severities else ("rounding" if severities else "")


# The PDF's one rule for wide budget tables, by their number of amount columns: from SMALL_TYPE_COLUMNS
# on they are set in smaller type, and past PRINTED_COLUMNS they are printed in parts of at most that
# many columns, each part with every row's line and label (an A4 landscape page holds eight amounts of
# seven digits beside a readable label, and their headers wrapped).
SMALL_TYPE_COLUMNS = 6
PRINTED_COLUMNS = 8


@dataclass
class BudgetPart:
    """The columns of a budget table that one printed table holds, beside every row's line and label."""

    columns: list
    rows: list[tuple[object, list[BudgetCell]]]
    first: int  # the position of its first column in the table, from 1
    of: int  # the table's number of columns

    @property
    def last(self) -> int:
        return self.first + len(self.columns) - 1


@dataclass
class BudgetSection:
    table: BudgetTable
    columns: list
    rows: list[tuple[object, list[BudgetCell]]]

    @property
    def mismatch_count(self) -> int:
        return sum(1 for _row, cells in self.rows for cell in cells if cell.mismatches)

    @property
    def small_type(self) -> bool:
        return len(self.columns) >= SMALL_TYPE_COLUMNS

    @property
    def parts(self) -> list[BudgetPart]:
        """The table as printed: one part, or parts of about equal width when it has too many columns."""
        count = len(self.columns)
        size = math.ceil(count / math.ceil(count / PRINTED_COLUMNS)) if count else 1
        return [
            BudgetPart(
                self.columns[start : start + size],
                [(row, cells[start : start + size]) for row, cells in self.rows],
                start + 1,
                count,
            )
            for start in range(0, max(count, 1), size)
        ]


@dataclass
class PlanSection:
    plan: WorkPlan
    results: list[Result]
    months: list[datetime.date]
    schedule: list[tuple[Activity, list[bool]]]


@dataclass
class OperationalPlan:
    programme: Programme
    filters: Filters
    generated: datetime.datetime
    plans: list[PlanSection]
    budgets: list[BudgetSection]
    money: LiveTable | None = None


def _plan_sections(plans: list[WorkPlan]) -> list[PlanSection]:
    activities = Activity.objects.with_progress().prefetch_related("schedule_months").order_by("order")
    indicators = Indicator.objects.with_progress().order_by("order")
    results = (
        Result.objects.filter(plan__in=plans)
        .prefetch_related(
            Prefetch("indicators", queryset=indicators), Prefetch("activities", queryset=activities)
        )
        .order_by("plan_id", "order")
    )
    by_plan: dict[int, list[Result]] = {}
    for result in results:
        by_plan.setdefault(result.plan_id, []).append(result)
    sections = []
    for plan in plans:
        plan_results = by_plan.get(plan.pk, [])
        months = plan.months()
        schedule = []
        for result in plan_results:
            for activity in result.activities.all():
                planned = {m.month for m in activity.schedule_months.all() if m.planned}
                if planned or activity.start_month:
                    marks = [m in planned or (not planned and m in activity.range_months()) for m in months]
                    schedule.append((activity, marks))
        sections.append(PlanSection(plan, plan_results, months, schedule))
    return sections


def _recomputed_totals(programme: Programme, tables: list[BudgetTable]) -> dict[tuple[str, int, str], list]:
    rules = list(
        ReconciliationRule.objects.filter(
            programme=programme, active=True, kind="sum", budget_table__in=tables
        ).prefetch_related("subject")
    )
    recomputed: dict[tuple[str, int, str], list[Recomputed]] = {}
    for verdict in evaluate(rules, programme):
        value = verdict.outcome.recomputed
        total = (verdict.rule.params or {}).get("total")
        if not isinstance(value, Decimal) or not isinstance(total, str):
            continue
        _sign, code, line, column = parse_ref(total)
        recomputed.setdefault((code, line, column), []).append(
            Recomputed(value, verdict.severity, verdict.rule.code)
        )
    # The sum down the rows is "the" total of a column; a sum across the columns comes second.
    for checks in recomputed.values():
        checks.sort(key=lambda r: (not r.rule.endswith(":sum-rows"), r.rule))
    return recomputed


def budget_sections(user, programme: Programme, filters: Filters) -> list[BudgetSection]:
    """Every budget table of the programme as printed, the cells the user may read, totals recomputed."""
    tables = list(
        BudgetTable.objects.filter(programme=programme)
        .select_related("rate")
        .prefetch_related("columns", "rows")
        .order_by("order", "first_line")
    )
    facts = (
        BudgetFact.objects.for_user(user)
        .filter(programme=programme)
        .only("row_id", "column_id", "amount", "amount_currency", "text", "marker", "line", "budget_table_id")
    )
    if filters.partner:
        facts = facts.filter(partner__acronym=filters.partner)
    by_cell = {(f.row_id, f.column_id): f for f in facts}
    visible_rows = {row_id for row_id, _c in by_cell}
    recomputed = _recomputed_totals(programme, tables)
    sections = []
    for table in tables:
        columns = list(table.columns.all())
        rows = []
        for row in table.rows.all():
            if row.pk not in visible_rows and row.role != RowRole.HEADING:
                continue
            cells = [
                BudgetCell(by_cell.get((row.pk, c.pk)), recomputed.get((table.code, row.line, c.key), []))
                for c in columns
            ]
            rows.append((row, cells))
        if any(cells for _row, cells in rows if any(c.fact for c in cells)):
            sections.append(BudgetSection(table, columns, rows))
    return sections


def operational_plan(user, programme: Programme, filters: Filters) -> OperationalPlan:
    plans = list(
        plans_for(user, [programme], filters)
        .select_related("organisation", "component", "document")
        .defer("document__text")
        .order_by("order", "code")
    )
    return OperationalPlan(
        programme=programme,
        filters=filters,
        generated=timezone.localtime(),
        plans=_plan_sections(plans),
        budgets=budget_sections(user, programme, filters),
        money=live_table(programme, user, filters.date_to),
    )


@dataclass
class ProgressReportDocument:
    organisation: object
    period: ReportingPeriod
    generated: datetime.datetime
    reports: list[ProgressReport]

    @property
    def by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for report in self.reports:
            counts[report.get_status_display()] = counts.get(report.get_status_display(), 0) + 1
        return counts


def partner_progress(user, organisation, period: ReportingPeriod) -> ProgressReportDocument:
    """Every report of the partner's plans in ``period`` the user may read, activities then indicators."""
    plans = (
        WorkPlan.objects.for_user(user)
        .filter(Q(organisation=organisation) | Q(partners=organisation), programme=period.programme_id)
        .values("pk")
    )
    reports = list(
        ProgressReport.objects.for_user(user)
        .filter(Q(activity__plan__in=plans) | Q(indicator__result__plan__in=plans), period=period)
        .with_targets()
        .select_related("activity__result", "indicator__result")
        .order_by(
            F("indicator_id").asc(nulls_first=True),
            "activity__plan__code",
            "activity__order",
            "indicator__result__order",
            "indicator__order",
        )
    )
    return ProgressReportDocument(organisation, period, timezone.localtime(), reports)
