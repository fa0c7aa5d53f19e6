from __future__ import annotations

from django.db import models


class ProgrammeQuerySet(models.QuerySet):
    def for_user(self, user) -> ProgrammeQuerySet:
        """Programmes the user may open: all for administrators, else those its organisations take part in."""
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self
        return self.filter(participants__organisation_id__in=user.organisation_ids).distinct()


class AgreementQuerySet(models.QuerySet):
    def for_user(self, user) -> AgreementQuerySet:
        from agreements.models import Programme

        return self.filter(programme__in=Programme.objects.for_user(user))
