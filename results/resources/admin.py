"""django-import-export resources of activities and progress, for the admin."""

from __future__ import annotations

from import_export import fields, resources, widgets

from imports.resources import InFileScope
from results.models import (
    Activity,
    ProgressReport,
    ReportingPeriod,
    Result,
    WorkPlan,
)
from results.targets import parse_target


class ActivityResource(resources.ModelResource):
    programme = fields.Field(attribute="plan__programme__code", column_name="programme", readonly=True)
    plan = fields.Field(
        attribute="plan",
        column_name="plan",
        widget=InFileScope(WorkPlan, "code", programme__code="programme"),
    )
    result = fields.Field(
        attribute="result",
        column_name="result",
        widget=InFileScope(Result, "code", plan__programme__code="programme", plan__code="plan"),
    )

    class Meta:
        model = Activity
        fields = [
            "programme",
            "plan",
            "key",
            "result",
            "code",
            "statement",
            "unit",
            "target_text",
            "months_as_printed",
            "start_month",
            "end_month",
            "responsible",
            "line",
        ]
        export_order = fields
        import_id_fields = ["plan", "key"]
        skip_diff = True
        clean_model_instances = True
        use_transactions = True

    def before_save_instance(self, instance, row, **kwargs):
        parsed = parse_target(instance.target_text)
        instance.target_kind, instance.target_value = parsed.kind, parsed.value
        instance.target_second_value, instance.target_unit = parsed.second_value, parsed.unit
        instance.target_currency = parsed.currency


class _Period(widgets.ForeignKeyWidget):
    def get_queryset(self, value, row, *args, **kwargs):
        return ReportingPeriod.objects.filter(programme__code=row["programme"], end_date=row["period_end"])


class ProgressReportResource(resources.ModelResource):
    """Progress of activities for administrators; partners import theirs from the import pages."""

    programme = fields.Field(attribute="period__programme__code", column_name="programme", readonly=True)
    plan = fields.Field(attribute="activity__plan__code", column_name="plan", readonly=True)
    activity = fields.Field(
        attribute="activity",
        column_name="activity",
        widget=InFileScope(Activity, "key", plan__programme__code="programme", plan__code="plan"),
    )
    period_start = fields.Field(
        attribute="period", column_name="period_start", widget=_Period(ReportingPeriod, field="start_date")
    )
    period_end = fields.Field(attribute="period__end_date", column_name="period_end", readonly=True)
    # Exported for reading; a status changes only through the workflow (core.workflow.transition).
    status = fields.Field(attribute="status", column_name="status", readonly=True)

    class Meta:
        model = ProgressReport
        fields = [
            "programme",
            "plan",
            "activity",
            "period_start",
            "period_end",
            "reported_on",
            "achieved_value",
            "achieved_text",
            "narrative",
            "status",
        ]
        export_order = fields
        import_id_fields = ["activity", "period_start"]
        skip_diff = True
        clean_model_instances = True
        use_transactions = True

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(activity__isnull=False)
            .select_related("activity__plan", "period__programme")
        )
