"""Who may see what: every results query starts from ``for_user(user)``.

Partner editors and viewers see the plans of their organisations (as partner or as one of the
plan's other partners); programme staff see every plan of the programmes their organisation takes
part in; administrators see everything.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Sum
from django.shortcuts import get_object_or_404

from core.models import Membership, Role

PARTNER_ROLES = (Role.PARTNER_EDITOR, Role.PARTNER_VIEWER)


def _partner_organisations(user, roles=PARTNER_ROLES):
    return Membership.objects.filter(user_id=user.pk, role__in=roles).values("organisation_id")


def _staff_programmes(user):
    return apps.get_model("agreements", "Programme").objects.staffed_by(user).values("pk")


def visible_plan_filter(user, prefix: str = "") -> Q | None:
    """A ``Q`` on the work plan reached through ``prefix``; ``None`` when the user sees every plan."""
    if user.is_administrator:
        return None
    organisations = _partner_organisations(user)
    plan_model = apps.get_model("results", "WorkPlan")
    shared = plan_model.partners.through.objects.filter(organisation_id__in=organisations).values(
        "workplan_id"
    )
    return (
        Q(**{f"{prefix}organisation_id__in": organisations})
        | Q(**{f"{prefix}id__in": shared})
        | Q(**{f"{prefix}programme_id__in": _staff_programmes(user)})
    )


def editable_plan_filter(user, prefix: str = "") -> Q:
    """Plans whose progress the user may write: those of the organisations it is an editor of."""
    organisations = _partner_organisations(user, roles=(Role.PARTNER_EDITOR,))
    plan_model = apps.get_model("results", "WorkPlan")
    shared = plan_model.partners.through.objects.filter(organisation_id__in=organisations).values(
        "workplan_id"
    )
    return Q(**{f"{prefix}organisation_id__in": organisations}) | Q(**{f"{prefix}id__in": shared})


class ScopedQuerySet(models.QuerySet):
    plan_prefix = ""

    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        condition = visible_plan_filter(user, self.plan_prefix)
        return self if condition is None else self.filter(condition)


class WorkPlanQuerySet(ScopedQuerySet):
    plan_prefix = ""


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
        programme = apps.get_model("agreements", "Programme")
        return self.filter(programme__in=programme.objects.for_user(user))


class ProgressReportQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        activity = visible_plan_filter(user, "activity__plan__")
        if activity is None:
            return self
        return self.filter(activity | visible_plan_filter(user, "indicator__result__plan__"))

    def awaiting_review(self):
        return self.filter(status="submitted")

    def with_targets(self):
        return self.select_related(
            "period",
            "activity__plan__organisation",
            "indicator__result__plan__organisation",
            "submitted_by",
            "created_by",
            "reviewed_by",
        )


def get_plan_for_user_or_404(user, code: str):
    plan_model = apps.get_model("results", "WorkPlan")
    return get_object_or_404(
        plan_model.objects.for_user(user)
        .select_related("programme", "organisation", "component", "document")
        .defer("document__text"),
        code=code,
    )


def get_activity_for_user_or_404(user, pk: int):
    activity_model = apps.get_model("results", "Activity")
    return get_object_or_404(
        activity_model.objects.for_user(user)
        .with_progress()
        .select_related("plan__programme", "plan__organisation", "plan__document", "result", "parent")
        .defer("plan__document__text"),
        pk=pk,
    )


def get_indicator_for_user_or_404(user, pk: int):
    indicator_model = apps.get_model("results", "Indicator")
    return get_object_or_404(
        indicator_model.objects.for_user(user)
        .with_progress()
        .select_related(
            "result__plan__programme",
            "result__plan__organisation",
            "result__plan__document",
            "phase_indicator",
        )
        .defer("result__plan__document__text"),
        pk=pk,
    )


def get_report_for_user_or_404(user, pk: int):
    report_model = apps.get_model("results", "ProgressReport")
    return get_object_or_404(
        report_model.objects.for_user(user)
        .with_targets()
        .select_related("activity__plan__programme", "indicator__result__plan__programme", "period"),
        pk=pk,
    )
