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


    def staffed_by(self, user) -> ProgrammeQuerySet:
        """Programmes in which an organisation the user is programme staff of takes part."""
        from agreements.models import ProgrammeParticipant
        from core.models import Membership, Role

        staff_organisations = Membership.objects.filter(user_id=user.pk, role=Role.PROGRAMME_STAFF)
        return self.filter(
            pk__in=ProgrammeParticipant.objects.filter(
                organisation_id__in=staff_organisations.values("organisation_id")
            ).values("programme_id")
        )


class AgreementQuerySet(models.QuerySet):
    def for_user(self, user) -> AgreementQuerySet:
        from agreements.models import Programme

        return self.filter(programme__in=Programme.objects.for_user(user))
