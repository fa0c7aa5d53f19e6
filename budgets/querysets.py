from __future__ import annotations

from django.db import models


class BudgetFactQuerySet(models.QuerySet):
    def for_user(self, user) -> BudgetFactQuerySet:
        """Facts the user may read: all of a programme for its staff, its own organisation's for a partner."""
        from agreements import access

        return access.scope(self, user, programme="programme", partner="partner")

    def of_programme(self, programme) -> BudgetFactQuerySet:
        """Figures of ``programme``, the tables and columns they join narrowed to it too: a query that
        filters or sorts on them then reads the programme's rows by index instead of hashing every table
        and column of the portfolio."""
        return self.filter(
            programme=programme, budget_table__programme=programme, column__table__programme=programme
        )

    def items(self) -> BudgetFactQuerySet:
        """Figures that may be added up: no printed totals or subtotals, and no column that breaks down
        another column of its row (``BudgetColumn.detail_of``), else a figure counts twice."""
        return self.filter(is_total=False, column__detail_of="")

    def counted(self) -> BudgetFactQuerySet:
        """Figures that count towards a programme's money: :meth:`items` of the tables counted in the
        overview (a table that repeats or details another is left out, else a figure counts twice)."""
        return self.items().filter(budget_table__in_overview=True)

    def matching(self, *, partner: str = "", date_from=None, date_to=None) -> BudgetFactQuerySet:
        """Figures of ``partner`` (an acronym) whose period overlaps ``date_from``–``date_to``; empty: all."""
        facts = self
        if partner:
            facts = facts.filter(partner__acronym=partner)
        if date_from:
            facts = facts.filter(period_end__gte=date_from)
        if date_to:
            facts = facts.filter(period_start__lte=date_to)
        return facts


def totals_by_currency(queryset: models.QuerySet, *fields: str) -> list[dict]:
    """``Sum("amount")`` grouped by ``fields`` and the currency, never adding two currencies.

    PostgreSQL sums NUMERIC exactly; SQLite's SUM goes through floating point, so there the amounts are
    fetched (one query) and added as :class:`~decimal.Decimal` in Python.
    """
    from decimal import Decimal

    from django.db import connections
    from django.db.models import Sum

    group = [*fields, "amount_currency"]
    queryset = queryset.filter(amount__isnull=False)
    if connections[queryset.db].vendor == "postgresql":
        return list(queryset.values(*group).annotate(total=Sum("amount")).order_by(*group))
    totals: dict[tuple, Decimal] = {}
    for row in queryset.values_list(*group, "amount"):
        totals[row[:-1]] = totals.get(row[:-1], Decimal(0)) + row[-1]
    return [
        dict(zip([*group, "total"], (*key, total), strict=True))
        for key, total in sorted(
            totals.items(), key=lambda item: tuple("" if v is None else str(v) for v in item[0])
        )
    ]
