from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ChangeReasonAdmin
from imports.admin import KindAdminMixin
from results.models import (
    Activity,
    Footnote,
    Indicator,
    ProgressReport,
    ReportingPeriod,
    Result,
    ScheduleMonth,
    WorkPlan,
)


class ResultInline(admin.TabularInline):
    model = Result
    fields = ["code", "statement", "statement_en", "line"]
    extra = 0


class FootnoteInline(admin.TabularInline):
    model = Footnote
    fields = ["marker", "text", "line", "annotates"]
    extra = 0


@admin.register(WorkPlan)
class WorkPlanAdmin(SimpleHistoryAdmin):
    list_display = ["code", "organisation", "component", "period_label", "status"]
    list_filter = ["programme", "status"]
    search_fields = ["code", "title", "organisation__acronym"]
    # Statuses change only through the workflow (results.services.plan_*).
    readonly_fields = ["status", "submitted_by"]
    inlines = [ResultInline, FootnoteInline]


@admin.register(Result)
class ResultAdmin(ChangeReasonAdmin):
    list_display = ["code", "plan", "statement", "line"]
    list_filter = ["plan"]
    list_select_related = ["plan"]
    search_fields = ["code", "statement", "plan__code"]
    autocomplete_fields = ["plan"]


@admin.register(Indicator)
class IndicatorAdmin(ChangeReasonAdmin):
    list_display = ["code", "kind", "result", "target_text", "target_kind", "target_value"]
    list_filter = ["kind", "target_kind", "result__plan"]
    search_fields = ["code", "statement"]


class ScheduleMonthInline(admin.TabularInline):
    model = ScheduleMonth
    extra = 0


@admin.register(Activity)
class ActivityAdmin(KindAdminMixin, ChangeReasonAdmin):
    import_kind = "activities"
    list_display = ["key", "plan", "statement", "target_text", "target_kind", "months_as_printed"]
    list_filter = ["plan", "target_kind"]
    list_select_related = ["plan"]
    search_fields = ["key", "code", "statement", "plan__code"]
    # Thousands of activities and results: chosen by typing, not from a select of all of them.
    autocomplete_fields = ["plan", "result", "parent"]
    inlines = [ScheduleMonthInline]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ["label", "programme", "kind", "start_date", "end_date", "is_locked"]
    list_filter = ["programme", "kind", "is_locked"]


@admin.register(ProgressReport)
class ProgressReportAdmin(KindAdminMixin, ChangeReasonAdmin):
    import_kind = "progress"
    list_display = ["pk", "period", "activity", "indicator", "status", "achieved_value"]
    list_filter = ["status", "period"]
    raw_id_fields = ["activity", "indicator"]
    # Statuses change only through the workflow (results.services.progress_*).
    readonly_fields = ["status", "version", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at"]
