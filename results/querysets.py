"""Reusable filters of the results app. Who may see what is :mod:`agreements.access`'s; every results
query starts from ``for_user(user)``, which asks it.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Sum

from agreements import access


class ScopedQuerySet(models.QuerySet):
    plan_prefix = ""

    def for_user(self, user):
        return access.plan_scope(self, user, self.plan_prefix)


def _plans_of_partner(organisations: Q):
    """The ids of the work plans whose organisation or one of whose other partners matches
    ``organisations``: a ``UNION ALL`` of the two paths (an OR across them scans every plan)."""
    plan = apps.get_model("results", "WorkPlan")
    organisation = apps.get_model("core", "Organisation").objects.filter(organisations).values("pk")
    own = plan.objects.filter(organisation__in=organisation).order_by().values("pk")
    partnered = plan.objects.filter(partners__in=organisation).order_by().values("pk")
    return own.union(partnered, all=True)


class WorkPlanQuerySet(ScopedQuerySet):
    plan_prefix = ""

    def of_partner(self, organisation):
        """Plans of ``organisation``: its own and those it is another partner of."""
        return self.filter(pk__in=_plans_of_partner(Q(pk=organisation.pk)))

    def matching(self, *, partner: str = "", date_from=None, date_to=None):
        """Plans of ``partner`` (an acronym: the plan's organisation or one of its partners) whose period
        overlaps ``date_from``–``date_to``; empty values: all."""
        plans = self
        if partner:
            plans = plans.filter(pk__in=_plans_of_partner(Q(acronym=partner)))
        if date_from:
            plans = plans.filter(period_end__gte=date_from)
        if date_to:
            plans = plans.filter(period_start__lte=date_to)
        return plans


class ResultQuerySet(ScopedQuerySet):
    plan_prefix = "plan__"


class _WithProgress(ScopedQuerySet):
    progress_field = ""

    def with_progress(self):
        """Annotate approved totals (``approved_sum``, ``approved_latest``) and the latest report's status."""
        report = apps.get_model("results", "ProgressReport")
        approved = Q(progress_reports__status="approved")
        reports = report.objects.filter(**{self.progress_field: OuterRef("pk")}).order_by(
            "-period__start_date"
        )
        return self.annotate(
            approved_sum=Sum("progress_reports__achieved_value", filter=approved),
            approved_latest=Subquery(reports.filter(status="approved").values("achieved_value")[:1]),
            latest_status=Subquery(reports.values("status")[:1]),
            latest_period=Subquery(reports.values("period__label")[:1]),
            latest_report_id=Subquery(reports.values("pk")[:1]),
        )


class IndicatorQuerySet(_WithProgress):
    plan_prefix = "result__plan__"
    progress_field = "indicator"


class ActivityQuerySet(_WithProgress):
    plan_prefix = "plan__"
    progress_field = "activity"


class ReportingPeriodQuerySet(models.QuerySet):
    def for_user(self, user):
        return access.scope(self, user, programme="programme")


class ProgressReportQuerySet(models.QuerySet):
    def for_user(self, user):
        return access.progress_report_scope(self, user)

    def of_plans(self, plans):
        """Reports on an activity or an indicator of ``plans`` (a queryset of work plans, or their ids).

        One ``id IN (… UNION ALL …)``, each branch along one join path, so each can use its indexes
        (an OR across the two paths makes PostgreSQL scan every report); a report is on an activity or
        on an indicator, never both, so no row is in both branches."""
        return self.filter(pk__in=access.progress_reports_of(plans))

    def awaiting_review(self):
        return self.filter(status="submitted")

    def listed_with_targets(self) -> list:
        """This (ordered, sliced) queryset's reports with their targets, in two queries: the ids first,
        then those rows with ``with_targets``' joins. In one query PostgreSQL spends longer planning the
        dozen joins against the access subqueries than running it (a quarter of a second at 100
        programmes)."""
        ids = list(self.values_list("pk", flat=True))
        rows = {r.pk: r for r in self.model.objects.filter(pk__in=ids).with_targets()}
        return [rows[pk] for pk in ids]

    def with_targets(self):
        return self.select_related(
            "period",
            "activity__plan__organisation",
            "indicator__result__plan__organisation",
            "submitted_by",
            "created_by",
            "reviewed_by",
            "on_behalf_of",
        )
