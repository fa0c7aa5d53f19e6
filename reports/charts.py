"""A chart as data: rendered by ``static/pcc/charts.js`` from JSON and, with the same figures, as an HTML
table; and the dashboards' chart builders, from totals already grouped per currency (never added across)."""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from budgets.models import FigureKind
from budgets.querysets import totals_by_currency
from core import formatting
from reports.headline import HEADLINE_FIGURES
from results.models import Indicator, ProgressStatus


@dataclass
class Series:
    label: str
    values: list[Decimal | int | None]
    stack: str = ""
    currency: str = ""  # "" for counts and percentages
    kind: str = ""  # "line" to draw one series of a bar chart as a line


@dataclass
class Chart:
    """``unit`` is ``money`` (each series names its currency), ``count`` or ``percent``."""

    key: str
    title: str
    labels: list[str]
    series: list[Series] = field(default_factory=list)
    unit: str = "money"
    stacked: bool = False
    horizontal: bool = False
    label_header: str = ""

    @property
    def element_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def is_empty(self) -> bool:
        return not self.labels or all(v in (None, 0) for s in self.series for v in s.values)

    def rows(self) -> list[tuple[str, list[tuple[Decimal | int | None, str]]]]:
        """One row per label with each series' value and currency, for the table beside the chart."""
        return [
            (label, [(s.values[i], s.currency) for s in self.series]) for i, label in enumerate(self.labels)
        ]

    def per_currency(self, first: str = "CHF") -> list[Chart]:
        """One chart per currency of a money chart, so no axis holds two currencies: the ``first``
        currency's keeps the key, the others' add theirs (``partner-figures-usd``)."""
        currencies = sorted({s.currency for s in self.series if s.currency}, key=lambda c: (c != first, c))
        if self.unit != "money" or len(currencies) < 2:
            return [self]
        return [
            dataclasses.replace(
                self,
                key=self.key if index == 0 else f"{self.key}-{currency.lower()}",
                title=f"{self.title} · {currency_label(currency)}",
                series=[s for s in self.series if s.currency == currency],
            )
            for index, currency in enumerate(currencies)
        ]

    def as_json(self) -> dict:
        """Exact figures as strings (Decimal); charts.js turns them into numbers only to draw them."""
        return {
            "unit": self.unit,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "title": str(self.title),
            "labels": [str(label) for label in self.labels],
            "datasets": [
                {
                    "label": str(s.label),
                    "data": [None if v is None else str(v) for v in s.values],
                    "stack": s.stack or None,
                    "currency": s.currency,
                    "type": s.kind or None,
                }
                for s in self.series
            ],
        }


def currency_label(currency: str) -> str:
    """``USD`` → ``US$``, as the pages print it."""
    return formatting.currency_label(currency)


PARTNER_FIGURES = [FigureKind.PLANNED, FigureKind.EXECUTED, FigureKind.AVAILABLE]


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
    return formatting.month(month)


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


def budget_vs_actual_chart(progress, key: str) -> list[Chart]:
    """A partner's budget per line beside what approved reports spent on it, stacked by period; one chart
    per currency (``progress``: :class:`finance.live.LineProgress`)."""
    series = [
        Series(
            f"{_('Budget')} · {currency_label(currency)}",
            values,
            stack=f"budget-{currency}",
            currency=currency,
        )
        for currency, values in progress.budgets.items()
    ] + [
        Series(f"{period} · {currency_label(currency)}", values, stack=f"spent-{currency}", currency=currency)
        for (period, currency), values in progress.spent.items()
    ]
    chart = Chart(
        key,
        _("Budget and approved expenditure per line"),
        progress.labels,
        series,
        stacked=True,
        horizontal=True,
        label_header=_("Budget line"),
    )
    return chart.per_currency()
