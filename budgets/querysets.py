from __future__ import annotations

from django.db import models


def _sees_everything(user) -> bool:
    return user.is_programme_staff


class BudgetFactQuerySet(models.QuerySet):
    def for_user(self, user) -> BudgetFactQuerySet:
        """Facts the user may read: all of its programmes for staff, its own organisation's for a partner."""
        from agreements.models import Programme

        qs = self.filter(programme__in=Programme.objects.for_user(user))
        if not user.is_authenticated:
            return qs.none()
        if _sees_everything(user):
            return qs
        return qs.filter(partner_id__in=user.organisation_ids)


class FindingQuerySet(models.QuerySet):
    def for_user(self, user) -> FindingQuerySet:
        """Findings the user may read: all of its programmes for staff, those about its organisation for a partner."""
        from agreements.models import Programme

        qs = self.filter(rule__programme__in=Programme.objects.for_user(user))
        if not user.is_authenticated:
            return qs.none()
        if _sees_everything(user):
            return qs
        return qs.filter(partner_id__in=user.organisation_ids)

    def current(self) -> FindingQuerySet:
        return self.exclude(status="resolved")
