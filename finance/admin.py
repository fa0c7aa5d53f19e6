from django.contrib import admin

from core.admin import ChangeReasonAdmin
from finance.models import (
    BudgetVersion,
    BudgetVersionLine,
    Disbursement,
    FinancialReport,
    FinancialReportLine,
)


class FinancialReportLineInline(admin.TabularInline):
    model = FinancialReportLine
    fields = ["budget_row", "spent", "variance_explanation"]
    raw_id_fields = ["budget_row"]
    extra = 0


@admin.register(FinancialReport)
class FinancialReportAdmin(ChangeReasonAdmin):
    list_display = ["pk", "programme", "partner", "period", "currency", "status", "stated_total"]
    list_filter = ["programme", "status", "period", "is_demonstration"]
    list_select_related = ["programme", "partner", "period"]
    search_fields = ["partner__acronym", "period__label"]
    # Statuses change only through the workflow (finance.services.report_*).
    readonly_fields = ["status", "version", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at"]
    inlines = [FinancialReportLineInline]


@admin.register(Disbursement)
class DisbursementAdmin(ChangeReasonAdmin):
    list_display = ["date", "programme", "partner", "amount", "reference", "is_demonstration"]
    list_filter = ["programme", "partner", "is_demonstration"]
    list_select_related = ["programme", "partner"]
    search_fields = ["reference", "partner__acronym"]
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class BudgetVersionLineInline(admin.TabularInline):
    model = BudgetVersionLine
    fields = ["budget_row", "delta", "source_fact"]
    raw_id_fields = ["budget_row", "source_fact"]
    extra = 0


@admin.register(BudgetVersion)
class BudgetVersionAdmin(ChangeReasonAdmin):
    list_display = ["number", "programme", "kind", "title", "effective_date", "status", "derived"]
    list_filter = ["programme", "kind", "status", "derived"]
    list_select_related = ["programme"]
    search_fields = ["title", "reason"]
    raw_id_fields = ["amendment", "document", "partner"]
    # Statuses change only through finance.versions (version_approve, version_reject); derived versions
    # are rewritten by derive_budget_versions.
    readonly_fields = ["status", "derived", "needs_approval", "created_by", "decided_by", "decided_at"]
    inlines = [BudgetVersionLineInline]
