from __future__ import annotations

from django.db import models


class FindingQuerySet(models.QuerySet):
    def for_user(self, user) -> FindingQuerySet:
        """Findings the user may read: all of a programme for its staff, those about its organisation for a partner."""
        from agreements import access

        return access.scope(self, user, programme="rule__programme", partner="partner")

    def current(self) -> FindingQuerySet:
        return self.exclude(status="resolved")

    def matching(
        self, *, partner: str = "", kind: str = "", severity: str = "", status: str = ""
    ) -> FindingQuerySet:
        """The findings a reader's filters select; empty values mean all, and no status the current ones."""
        findings = self
        if partner:
            findings = findings.filter(partner__acronym=partner)
        if kind:
            findings = findings.filter(rule__kind=kind)
        if severity:
            findings = findings.filter(severity=severity)
        return findings.filter(status=status) if status else findings.current()
