from __future__ import annotations

from django.db import models


class ProgrammeQuerySet(models.QuerySet):
    def for_user(self, user) -> ProgrammeQuerySet:
        """Programmes the user takes part in (see :mod:`agreements.access`)."""
        from agreements import access

        ids = (
            access.programme_ids(user)
            if user.is_authenticated and user.is_active
            else self.none().values("pk")
        )
        return self if ids is None else self.filter(pk__in=ids)


class AgreementQuerySet(models.QuerySet):
    def for_user(self, user) -> AgreementQuerySet:
        from agreements import access

        return access.scope(self, user, programme="programme")
