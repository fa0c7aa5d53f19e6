from __future__ import annotations

from django.db import models


class FindingQuerySet(models.QuerySet):
    def for_user(self, user) -> FindingQuerySet:
        """Findings the user may read: all of a programme for its staff, those about its organisation for a partner."""
        from agreements import access

        return access.scope(self, user, programme="rule__programme", partner="partner")

    def current(self) -> FindingQuerySet:
        return self.exclude(status="resolved")
