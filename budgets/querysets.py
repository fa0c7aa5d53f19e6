from __future__ import annotations

from django.db import models
from django.db.models import Q


def _scoped(queryset: models.QuerySet, user, programme_path: str) -> models.QuerySet:
    """Everything of the programmes the user is staff of; elsewhere only rows about its own organisations."""
    from agreements.models import Programme

    if not user.is_authenticated:
        return queryset.none()
    if user.is_administrator:
        return queryset
    return queryset.filter(
        Q(**{f"{programme_path}__in": Programme.objects.staffed_by(user)})
        | Q(**{f"{programme_path}__in": Programme.objects.for_user(user), "partner_id__in": user.organisation_ids})
    )


class BudgetFactQuerySet(models.QuerySet):
    def for_user(self, user) -> BudgetFactQuerySet:
        """Facts the user may read: all of its programmes for staff, its own organisation's for a partner."""
        return _scoped(self, user, "programme")


class FindingQuerySet(models.QuerySet):
    def for_user(self, user) -> FindingQuerySet:
        """Findings the user may read: all of its programmes for staff, those about its organisation for a partner."""
        return _scoped(self, user, "rule__programme")

    def current(self) -> FindingQuerySet:
        return self.exclude(status="resolved")


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
