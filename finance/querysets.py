"""Reusable filters of the finance app. Who may see what is :mod:`agreements.access`'s: a partner sees
its own reports and disbursements, staff, auditors and administrators every partner's of their programme."""

from __future__ import annotations

from django.db import models

from agreements import access


class PartnerScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        return access.scope(self, user, programme="programme", partner="partner")


class FinancialReportQuerySet(PartnerScopedQuerySet):
    pass


class DisbursementQuerySet(PartnerScopedQuerySet):
    pass
