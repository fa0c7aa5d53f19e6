"""What the dashboards show: headline figures, chart data, the review queue, per programme or partner.

Every function reads through the access querysets (``for_user``) and runs a fixed number of queries,
whatever the number of programmes, facts or reports. Money is totalled per currency
(:func:`budgets.querysets.totals_by_currency`, exact on SQLite too) and never across currencies; the
one conversion shown (the US$ reference) goes through :func:`core.money.convert` with its rate beside it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from agreements import access
from agreements.models import Agreement, Amendment, Programme
from agreements.terms import consolidated_terms
from budgets.models import BudgetFact, FigureKind
from budgets.querysets import totals_by_currency
from core.models import ExchangeRate
from core.money import convert
from core.templatetags.pcc import CURRENCY_LABELS
from reconciliation.models import Finding
from reports.charts import Chart, Series
from reports.filters import Filters
from results.models import (
    Activity,
    Indicator,
    ProgressReport,
    ProgressStatus,
    ReportingPeriod,
    ScheduleMonth,
    WorkPlan,
)

HEADLINE_FIGURES = [FigureKind.PLANNED, FigureKind.EXECUTED, FigureKind.AVAILABLE, FigureKind.REQUESTED]
PARTNER_FIGURES = [FigureKind.PLANNED, FigureKind.EXECUTED, FigureKind.AVAILABLE]
REFERENCE_CURRENCY = "USD"
NO_LINE = "—"


def currency_label(currency: str) -> str:
    """``USD`` → ``US$``, as the pages print it."""
    return CURRENCY_LABELS.get(currency, currency)


# --- money -------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One headline figure in one currency, with its US$ reference when it is in another currency."""

    kind: str
    label: str
    amount: Money
    reference: Money | None = None


@dataclass
class Headline:
    ceilings: list[Money]
    figures: list[Figure]
    rate: ExchangeRate | None
    as_of: datetime.date
    end_date: datetime.date | None = None

    @property
    def rate_text(self) -> str:
        """The rate as the source prints it (``1.25``), not localised: it is a quotation, not an amount."""
        return f"{self.rate.rate.normalize():f}" if self.rate else ""

    def by_kind(self) -> list[tuple[str, list[Figure]]]:
        grouped: dict[str, list[Figure]] = defaultdict(list)
        for figure in self.figures:
            grouped[figure.label].append(figure)
        return list(grouped.items())


def facts_for(user, programmes, filters: Filters) -> QuerySet:
    """Counted facts (no printed totals, tables counted in the overview) the user may read, filtered."""
    facts = BudgetFact.objects.for_user(user).filter(
        programme__in=programmes, is_total=False, budget_table__in_overview=True
    )
    if filters.partner:
        facts = facts.filter(partner__acronym=filters.partner)
    if filters.date_from:
        facts = facts.filter(period_end__gte=filters.date_from)
    if filters.date_to:
        facts = facts.filter(period_start__lte=filters.date_to)
    return facts


def agreements_with_terms(programmes) -> list[Agreement]:
    """Agreements with what :func:`consolidated_terms` reads, prefetched (four queries for any number)."""
    return list(
        Agreement.objects.filter(programme__in=programmes)
        .select_related("exchange_rate")
        .prefetch_related(
            "ceilings",
            Prefetch(
                "amendments",
                queryset=Amendment.objects.order_by("sequence").prefetch_related("ceiling_changes"),
            ),
        )
        .order_by("programme_id", "start_date")
    )


def ceilings_by_programme(agreements: list[Agreement], as_of: datetime.date) -> dict[int, dict]:
    """Per programme: consolidated ceilings per currency (summed over its agreements), the rate and end date."""
    result: dict[int, dict] = {}
    for agreement in agreements:
        terms = consolidated_terms(agreement, as_of)
        entry = result.setdefault(agreement.programme_id, {"ceilings": {}, "rate": None, "end_date": None})
        for currency, ceiling in terms.ceilings.items():
            previous = entry["ceilings"].get(currency)
            entry["ceilings"][currency] = ceiling.amount if previous is None else previous + ceiling.amount
        entry["rate"] = entry["rate"] or agreement.exchange_rate
        entry["end_date"] = max(filter(None, [entry["end_date"], terms.end_date]))
    return result


def reference(amount: Money, rate: ExchangeRate | None) -> Money | None:
    """The US$ equivalent at ``rate`` when ``amount`` is in the rate's other currency, else ``None``."""
    currency = str(amount.currency)
    if rate is None or currency == REFERENCE_CURRENCY:
        return None
    if REFERENCE_CURRENCY not in (rate.base_currency, rate.quote_currency):
        return None
    if currency not in (rate.base_currency, rate.quote_currency):
        return None
    return convert(amount, rate=rate, places=2)


def headline(totals: list[dict], terms: dict | None, as_of: datetime.date) -> Headline:
    """Ceilings and the planned/executed/available/requested totals per currency, from grouped totals."""
    rate = terms["rate"] if terms else None
    figures = []
    for kind in HEADLINE_FIGURES:
        for row in totals:
            if row["figure"] == kind:
                money = Money(row["total"], row["amount_currency"])
                figures.append(Figure(kind, FigureKind(kind).label, money, reference(money, rate)))
    ceilings = [terms["ceilings"][c] for c in sorted(terms["ceilings"])] if terms else []
    return Headline(
        ceilings=ceilings,
        figures=figures,
        rate=rate,
        as_of=as_of,
        end_date=terms["end_date"] if terms else None,
    )


# --- charts ------------------------------------------------------------------------------------------


def budget_by_year_chart(facts: QuerySet) -> Chart:
    """Planned amounts per budget year (period as printed) and programme line, one stack per currency."""
    rows = totals_by_currency(
        facts.filter(figure=FigureKind.PLANNED),
        "period_start",
        "period_label",
        "component__code",
        "component__parent__code",
        "component__parent__parent__code",
    )
    periods: dict[str, datetime.date | None] = {}
    values: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        label = row["period_label"] or _("No period")
        start = row["period_start"]
        if label not in periods or (start and (periods[label] is None or start < periods[label])):
            periods[label] = start
        line = (
            row["component__parent__parent__code"]
            or row["component__parent__code"]
            or row["component__code"]
            or _("Not assigned")
        )
        values[(line, row["amount_currency"])][label] += row["total"]
    labels = sorted(periods, key=lambda label: (periods[label] or datetime.date.max, label))
    series = [
        Series(
            f"{line} · {currency_label(currency)}",
            [values[(line, currency)].get(label) for label in labels],
            stack=currency,
            currency=currency,
        )
        for line, currency in sorted(values)
    ]
    return Chart(
        "budget-by-year",
        _("Planned budget by year and line"),
        labels,
        series,
        stacked=True,
        label_header=_("Year"),
    )


def partner_chart(totals: list[dict], key: str = "partner-figures") -> Chart:
    """Planned, executed and available per partner, each figure in its own currency (never added)."""
    no_partner = _("No partner")
    partners = sorted({row["partner__acronym"] or no_partner for row in totals})
    cells: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for row in totals:
        if row["figure"] in PARTNER_FIGURES:
            cells[(row["figure"], row["amount_currency"])][row["partner__acronym"] or no_partner] = row[
                "total"
            ]
    series = [
        Series(
            f"{FigureKind(kind).label} · {currency_label(currency)}",
            [cells[(kind, currency)].get(p) for p in partners],
            stack=f"{kind}-{currency}",
            currency=currency,
        )
        for kind in PARTNER_FIGURES
        for currency in sorted(c for k, c in cells if k == kind)
    ]
    return Chart(
        key, _("Planned, executed and available per partner"), partners, series, label_header=_("Partner")
    )


ACHIEVEMENT_BUCKETS = ["none", "low", "mid", "done", "text"]


def _bucket(indicator: Indicator) -> str:
    if not indicator.is_numeric:
        return "text"
    percent = indicator.achieved_percent
    if percent is None:
        return "none"
    if percent >= 100:
        return "done"
    return "mid" if percent >= 50 else "low"


def indicator_chart(indicators: list[Indicator]) -> Chart:
    """How many indicators of each plan reached their target, by achievement band (approved progress only)."""
    labels_by_bucket = {
        "none": _("No approved progress"),
        "low": _("Below 50 %"),
        "mid": _("50 % to 99 %"),
        "done": _("100 % or more"),
        "text": _("Text target"),
    }
    plans: list[str] = []
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for indicator in indicators:
        plan = indicator.result.plan.organisation.acronym
        if plan not in plans:
            plans.append(plan)
        counts[_bucket(indicator)][plan] += 1
    series = [
        Series(labels_by_bucket[b], [counts[b].get(p, 0) for p in plans], stack="n")
        for b in ACHIEVEMENT_BUCKETS
    ]
    return Chart(
        "indicators",
        _("Indicator achievement per partner"),
        plans,
        series,
        unit="count",
        stacked=True,
        horizontal=True,
        label_header=_("Partner"),
    )


def month_label(month: datetime.date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def activity_chart(reports: list[dict], scheduled: list[dict]) -> Chart:
    """Activity progress reports per reporting month and status, against the activities scheduled then."""
    months = sorted(
        {r["period__start_date"].replace(day=1) for r in reports} | {s["month"] for s in scheduled}
    )
    by_status: dict[str, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for r in reports:
        by_status[r["status"]][r["period__start_date"].replace(day=1)] += r["n"]
    planned = {s["month"]: s["n"] for s in scheduled}
    series = [
        Series(ProgressStatus(status).label, [by_status[status].get(m, 0) for m in months], stack="reports")
        for status in ProgressStatus.values
        if status in by_status
    ]
    series.append(Series(_("Activities scheduled"), [planned.get(m, 0) for m in months], kind="line"))
    return Chart(
        "activities",
        _("Activity reports by status per month"),
        [month_label(m) for m in months],
        series,
        unit="count",
        stacked=True,
        label_header=_("Month"),
    )


# --- results -----------------------------------------------------------------------------------------


def plans_for(user, programmes, filters: Filters) -> QuerySet:
    plans = WorkPlan.objects.for_user(user).filter(programme__in=programmes)
    if filters.partner:
        plans = plans.filter(Q(organisation__acronym=filters.partner) | Q(partners__acronym=filters.partner))
    if filters.date_from:
        plans = plans.filter(period_end__gte=filters.date_from)
    if filters.date_to:
        plans = plans.filter(period_start__lte=filters.date_to)
    return plans.distinct()


def reports_for(user, plans: QuerySet) -> QuerySet:
    plan_ids = plans.values("pk")
    return ProgressReport.objects.for_user(user).filter(
        Q(activity__plan__in=plan_ids) | Q(indicator__result__plan__in=plan_ids)
    )


def review_queue(user, plans: QuerySet, limit: int = 10) -> tuple[list[ProgressReport], int]:
    """The oldest submitted reports waiting for the reviewer, and how many there are."""
    waiting = reports_for(user, plans).awaiting_review()
    return list(waiting.with_targets().order_by("submitted_at", "pk")[:limit]), waiting.count()


@dataclass
class ProgrammeDashboard:
    programme: Programme
    headline: Headline
    charts: list[Chart]
    partner_rows: list[dict]
    summary: object
    queue: list[ProgressReport] | None = None  # None: the user reviews nothing here
    queue_count: int = 0
    findings_by_severity: dict[str, int] = field(default_factory=dict)


def partner_rows(totals: list[dict]) -> list[dict]:
    """One row per partner: for each headline figure the totals per currency."""
    rows: dict[str, dict] = {}
    for row in totals:
        partner = row["partner__acronym"] or NO_LINE
        entry = rows.setdefault(partner, {"partner": partner, "figures": defaultdict(list)})
        entry["figures"][row["figure"]].append(Money(row["total"], row["amount_currency"]))
    return [
        {"partner": r["partner"], "cells": [r["figures"].get(kind, []) for kind in HEADLINE_FIGURES]}
        for _p, r in sorted(rows.items())
    ]


def programme_dashboard(user, programme: Programme, filters: Filters) -> ProgrammeDashboard:
    from reconciliation.engine import summarise

    as_of = filters.date_to or timezone.localdate()
    facts = facts_for(user, [programme], filters)
    figure_totals = totals_by_currency(facts, "figure")
    per_partner = totals_by_currency(facts.filter(figure__in=HEADLINE_FIGURES), "partner__acronym", "figure")
    terms = ceilings_by_programme(agreements_with_terms([programme]), as_of).get(programme.pk)
    plans = plans_for(user, [programme], filters)
    indicators = list(
        Indicator.objects.filter(result__plan__in=plans.values("pk"))
        .with_progress()
        .select_related("result__plan__organisation")
        .order_by("result__plan__order", "result__plan__code", "result__order", "order")
    )
    activity_reports = list(
        reports_for(user, plans)
        .filter(activity__isnull=False)
        .values("period__start_date", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    scheduled = list(
        ScheduleMonth.objects.filter(activity__plan__in=plans.values("pk"), planned=True)
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    charts = [
        budget_by_year_chart(facts),
        partner_chart(per_partner),
        indicator_chart(indicators),
        activity_chart(activity_reports, scheduled),
    ]
    dashboard = ProgrammeDashboard(
        programme=programme,
        headline=headline(figure_totals, terms, as_of),
        charts=charts,
        partner_rows=partner_rows(per_partner),
        summary=summarise(programme),
    )
    if access.has_role(user, programme, access.STAFF_ROLES):
        dashboard.queue, dashboard.queue_count = review_queue(user, plans)
    dashboard.findings_by_severity = dict(
        Finding.objects.for_user(user)
        .current()
        .filter(rule__programme=programme)
        .values_list("severity")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dashboard


# --- portfolio ---------------------------------------------------------------------------------------


def portfolio_rows(user, programmes: list[Programme], filters: Filters) -> list[dict]:
    """One row per programme of the page: ceilings, headline totals, current findings, reports to review."""
    as_of = filters.date_to or timezone.localdate()
    ids = [p.pk for p in programmes]
    terms = ceilings_by_programme(agreements_with_terms(ids), as_of)
    totals = totals_by_currency(
        facts_for(user, ids, filters).filter(figure__in=HEADLINE_FIGURES), "programme_id", "figure"
    )
    figures: dict[int, dict[str, list[Money]]] = defaultdict(lambda: defaultdict(list))
    for row in totals:
        figures[row["programme_id"]][row["figure"]].append(Money(row["total"], row["amount_currency"]))
    findings: dict[int, dict[str, int]] = defaultdict(dict)
    for programme_id, severity, n in (
        Finding.objects.for_user(user)
        .current()
        .filter(rule__programme__in=ids)
        .values_list("rule__programme_id", "severity")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        findings[programme_id][severity] = n
    waiting: dict[int, int] = defaultdict(int)
    if access.is_staff_anywhere(user):
        reviewed = access.programmes(user, access.STAFF_ROLES)
        submitted = ProgressReport.objects.for_user(user).awaiting_review().filter(period__programme__in=reviewed)
        for path in ("activity__plan__programme_id", "indicator__result__plan__programme_id"):
            for programme_id, n in (
                submitted.filter(**{f"{path}__in": ids}).values_list(path).annotate(n=Count("pk")).order_by()
            ):
                waiting[programme_id] += n
    rows = []
    for programme in programmes:
        entry = terms.get(programme.pk)
        rows.append(
            {
                "programme": programme,
                "ceilings": [entry["ceilings"][c] for c in sorted(entry["ceilings"])] if entry else [],
                "end_date": entry["end_date"] if entry else None,
                "cells": [figures[programme.pk].get(kind, []) for kind in HEADLINE_FIGURES],
                "material": findings[programme.pk].get("material", 0),
                "rounding": findings[programme.pk].get("rounding", 0),
                "waiting": waiting[programme.pk],
            }
        )
    return rows


def portfolio_chart(rows: list[dict]) -> Chart:
    """Planned and executed per programme of the page, one series per figure and currency."""
    labels = [row["programme"].code.upper() for row in rows]
    series = []
    for index, kind in enumerate(HEADLINE_FIGURES[:2]):
        currencies = sorted({str(m.currency) for row in rows for m in row["cells"][index]})
        for currency in currencies:
            values = []
            for row in rows:
                amounts = [m.amount for m in row["cells"][index] if str(m.currency) == currency]
                values.append(amounts[0] if amounts else None)
            series.append(
                Series(
                    f"{FigureKind(kind).label} · {currency_label(currency)}",
                    values,
                    stack=f"{kind}-{currency}",
                    currency=currency,
                )
            )
    return Chart(
        "portfolio", _("Planned and executed per programme"), labels, series, label_header=_("Programme")
    )


# --- partner -----------------------------------------------------------------------------------------


@dataclass
class PartnerDashboard:
    organisation: object
    plans: list[WorkPlan]
    period: ReportingPeriod | None
    periods: list[ReportingPeriod]
    due: list[dict]
    returned: list[ProgressReport]
    budget_lines: list[dict]
    totals: list[dict]
    chart: Chart


def current_period(periods: list[ReportingPeriod], today: datetime.date) -> ReportingPeriod | None:
    """The period containing ``today``, else the first one still open, else the last one."""
    for period in periods:
        if period.start_date <= today <= period.end_date:
            return period
    open_periods = [p for p in periods if not p.is_locked]
    if open_periods:
        return open_periods[0]
    return periods[-1] if periods else None


def partner_dashboard(user, organisation, filters: Filters, period_id: str = "") -> PartnerDashboard:
    """A partner's plans, progress due in the period, returned reports, its budget lines and execution."""
    visible = Programme.objects.for_user(user)
    plans_qs = (
        WorkPlan.objects.for_user(user)
        .filter(Q(organisation=organisation) | Q(partners=organisation), programme__in=visible)
        .distinct()
    )
    plans = list(
        plans_qs.select_related("programme", "component")
        .annotate(activity_count=Count("activities", distinct=True))
        .order_by("programme__code", "order", "code")
    )
    periods = list(
        ReportingPeriod.objects.for_user(user)
        .filter(programme__in={p.programme_id for p in plans}, kind="month")
        .order_by("start_date", "programme_id")
    )
    period = next((p for p in periods if str(p.pk) == period_id), None) or current_period(
        periods, timezone.localdate()
    )
    due: list[dict] = []
    if period is not None:
        first_month = period.start_date.replace(day=1)
        activities = list(
            Activity.objects.filter(plan__in=plans_qs.values("pk"), plan__programme=period.programme_id)
            .filter(
                Q(start_month__lte=period.end_date, end_month__gte=first_month)
                | Q(
                    schedule_months__planned=True,
                    schedule_months__month__gte=first_month,
                    schedule_months__month__lte=period.end_date,
                )
            )
            .select_related("plan")
            .distinct()
            .order_by("plan__code", "order")
        )
        reports = {
            r.activity_id: r
            for r in ProgressReport.objects.for_user(user).filter(period=period, activity__in=activities)
        }
        due = [{"activity": a, "report": reports.get(a.pk)} for a in activities]
    returned = list(
        reports_for(user, plans_qs)
        .filter(status=ProgressStatus.RETURNED)
        .with_targets()
        .order_by("-reviewed_at")
    )
    facts = BudgetFact.objects.for_user(user).filter(programme__in=visible, partner=organisation)
    if filters.date_from:
        facts = facts.filter(period_end__gte=filters.date_from)
    if filters.date_to:
        facts = facts.filter(period_start__lte=filters.date_to)
    lines = totals_by_currency(
        facts.filter(is_total=False),
        "budget_table__order",
        "budget_table__code",
        "budget_table__title",
        "programme__code",
        "row__line",
        "row__label",
        "figure",
    )
    budget_lines: dict[tuple, dict] = {}
    for row in lines:
        key = (
            row["programme__code"],
            row["budget_table__order"],
            row["budget_table__code"],
            row["row__line"],
        )
        entry = budget_lines.setdefault(
            key,
            {
                "programme": row["programme__code"],
                "table_code": row["budget_table__code"],
                "table": row["budget_table__title"],
                "line": row["row__line"],
                "label": row["row__label"],
                "figures": [],
            },
        )
        entry["figures"].append(
            (FigureKind(row["figure"]).label, Money(row["total"], row["amount_currency"]))
        )
    counted = facts.filter(is_total=False, budget_table__in_overview=True)
    per_figure = totals_by_currency(counted.filter(figure__in=HEADLINE_FIGURES), "partner__acronym", "figure")
    chart = partner_chart(per_figure, key="partner-own")
    return PartnerDashboard(
        organisation=organisation,
        plans=plans,
        period=period,
        periods=periods,
        due=due,
        returned=returned,
        budget_lines=[budget_lines[k] for k in sorted(budget_lines)],
        totals=partner_rows(per_figure),
        chart=chart,
    )
