"""The headline money of a programme: the agreement's ceilings as of a date, and the planned, executed,
available and requested totals per currency, each with its US$ reference at the agreement's stated rate.

Money is totalled per currency (:func:`budgets.querysets.totals_by_currency`, exact on SQLite too) and
never across currencies; the one conversion shown (the US$ reference) goes through
:func:`core.money.convert` with its rate beside it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch
from djmoney.money import Money

from agreements.models import Agreement, Amendment
from agreements.terms import consolidated_terms
from budgets.models import FigureKind
from budgets.reports import findings_on
from core.models import ExchangeRate
from core.money import convert

HEADLINE_FIGURES = [FigureKind.PLANNED, FigureKind.EXECUTED, FigureKind.AVAILABLE, FigureKind.REQUESTED]
REFERENCE_CURRENCY = "USD"


@dataclass
class Figure:
    """One headline figure in one currency, with its US$ reference when it is in another currency, the
    cells it was read from and the findings that recompute those cells differently."""

    kind: str
    label: str
    amount: Money
    reference: Money | None = None
    cells: list[str] = field(default_factory=list)
    findings: list = field(default_factory=list)


@dataclass
class CeilingWarning:
    """A planned total above the agreement's ceiling in the same currency."""

    figure: Figure
    ceiling: Money

    @property
    def excess(self) -> Money:
        return self.figure.amount - self.ceiling


@dataclass
class Headline:
    ceilings: list[Money]
    figures: list[Figure]
    rate: ExchangeRate | None
    as_of: datetime.date
    end_date: datetime.date | None = None
    as_printed: bool = True  # False: sums of the rows the filters select
    warnings: list[CeilingWarning] = field(default_factory=list)

    @property
    def rate_text(self) -> str:
        """The rate as the source prints it (``1.25``), not localised: it is a quotation, not an amount."""
        return f"{self.rate.rate.normalize():f}" if self.rate else ""

    def by_kind(self) -> list[tuple[str, list[Figure]]]:
        grouped: dict[str, list[Figure]] = defaultdict(list)
        for figure in self.figures:
            grouped[figure.label].append(figure)
        return list(grouped.items())


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


def headline(
    totals: list[dict],
    terms: dict | None,
    as_of: datetime.date,
    *,
    findings=(),
    as_printed: bool = True,
) -> Headline:
    """Ceilings and the planned/executed/available/requested totals per currency: ``totals`` are
    :func:`budgets.reports.figures_of_record` (``as_printed``) or sums of the selected rows; ``findings``
    the current findings of the counted tables, put beside the figure whose cells they flag."""
    rate = terms["rate"] if terms else None
    figures = []
    for kind in HEADLINE_FIGURES:
        for row in totals:
            if row["figure"] == kind:
                money = Money(row["total"], row["amount_currency"])
                cells = row.get("cells", [])
                figures.append(
                    Figure(
                        kind,
                        FigureKind(kind).label,
                        money,
                        reference(money, rate),
                        cells,
                        findings_on(findings, cells) if cells else [],
                    )
                )
    ceilings = [terms["ceilings"][c] for c in sorted(terms["ceilings"])] if terms else []
    by_currency = {str(c.currency): c for c in ceilings}
    warnings = [
        CeilingWarning(f, by_currency[str(f.amount.currency)])
        for f in figures
        if f.kind == FigureKind.PLANNED
        and str(f.amount.currency) in by_currency
        and f.amount > by_currency[str(f.amount.currency)]
    ]
    return Headline(
        ceilings=ceilings,
        figures=figures,
        rate=rate,
        as_of=as_of,
        end_date=terms["end_date"] if terms else None,
        as_printed=as_printed,
        warnings=warnings,
    )
