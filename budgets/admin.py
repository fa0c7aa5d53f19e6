from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from budgets.models import (
    BudgetColumn,
    BudgetFact,
    BudgetRow,
    BudgetTable,
    Finding,
    FindingStatus,
    ReconciliationRule,
    RuleOrigin,
)
from budgets.reconciliation import rule_kinds
from budgets.services import finding_reopen
from core.admin import ChangeReasonAdmin
from imports.admin import KindAdminMixin


class ColumnInline(admin.TabularInline):
    model = BudgetColumn
    extra = 0
    autocomplete_fields = ["partner"]
    fields = [
        "order",
        "key",
        "header",
        "currency",
        "figure",
        "is_total",
        "partner",
        "period_label",
        "period_start",
        "period_end",
    ]


@admin.register(BudgetTable)
class BudgetTableAdmin(ChangeReasonAdmin):
    list_display = ["code", "title", "programme", "component", "first_line", "last_line", "currency", "rate"]
    list_filter = ["programme", "layout", "currency"]
    search_fields = ["code", "title"]
    list_select_related = ["programme", "component", "rate"]
    autocomplete_fields = ["programme", "document", "rate"]
    raw_id_fields = ["component"]
    inlines = [ColumnInline]


@admin.register(BudgetRow)
class BudgetRowAdmin(ChangeReasonAdmin):
    list_display = ["line", "label", "table", "role", "partner", "component", "result"]
    list_filter = ["table__programme", "role", "table"]
    search_fields = ["label", "table__code", "result", "cost_category"]
    list_select_related = ["table", "partner", "component"]
    autocomplete_fields = ["table", "partner", "parent", "section"]
    raw_id_fields = ["component"]


@admin.register(BudgetColumn)
class BudgetColumnAdmin(ChangeReasonAdmin):
    # A new currency while figures are stated in the old one is refused by BudgetColumn.clean().
    list_display = ["key", "header", "table", "currency", "figure", "period_label"]
    list_filter = ["table__programme", "figure", "currency"]
    search_fields = ["key", "header", "table__code"]
    list_select_related = ["table"]
    autocomplete_fields = ["table", "partner"]


@admin.register(BudgetFact)
class BudgetFactAdmin(KindAdminMixin, ChangeReasonAdmin):
    import_kind = "budget-facts"
    list_display = [
        "budget_table",
        "line",
        "row_label",
        "column_header",
        "text",
        "amount",
        "marker",
        "partner",
        "figure",
    ]
    list_filter = ["programme", "figure", "marker", "is_total", "budget_table", "partner"]
    search_fields = ["row_label", "column_header", "text", "result", "cost_category", "budget_table__code"]
    list_select_related = ["budget_table", "partner"]
    autocomplete_fields = [
        "programme",
        "budget_table",
        "row",
        "column",
        "partner",
        "document",
        "rate",
        "counterpart",
    ]
    raw_id_fields = ["component"]


class ReconciliationRuleForm(forms.ModelForm):
    """The kind is one of the registered evaluators (budgets' and other apps')."""

    class Meta:
        model = ReconciliationRule
        fields = [
            "programme",
            "code",
            "kind",
            "description",
            "params",
            "table",
            "absolute_tolerance",
            "relative_tolerance",
            "origin",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = rule_kinds()
        choices = sorted((kind, f"{kind} — {spec.label}") for kind, spec in kinds.items())
        current = self.instance.kind if self.instance.pk else ""
        if current and current not in kinds:
            choices.append((current, current))
        self.fields["kind"] = forms.ChoiceField(label=_("kind"), choices=choices)


@admin.register(ReconciliationRule)
class ReconciliationRuleAdmin(SimpleHistoryAdmin):
    form = ReconciliationRuleForm
    list_display = ["code", "kind", "programme", "table", "origin", "active"]
    list_filter = ["programme", "kind", "origin", "active", "table"]
    search_fields = ["code", "description", "kind"]
    list_select_related = ["programme", "table"]
    autocomplete_fields = ["programme", "table"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.origin = RuleOrigin.STAFF
        super().save_model(request, obj, form, change)


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = [
        "rule",
        "key",
        "severity",
        "status",
        "stated",
        "recomputed",
        "difference",
        "currency",
        "table",
    ]
    list_filter = ["rule__programme", "severity", "status", "rule__kind", "partner"]
    search_fields = ["rule__code", "key", "message", "table", "explanation"]
    list_select_related = ["rule", "partner"]
    autocomplete_fields = ["rule", "partner", "explained_by"]
    readonly_fields = [
        "rule",
        "key",
        "severity",
        "stated",
        "recomputed",
        "difference",
        "currency",
        "table",
        "partner",
        "lines",
        "message",
        "status",
        "explanation",
        "explained_by",
        "explained_at",
        "first_seen",
    ]
    actions = ["reopen"]

    def has_add_permission(self, request):
        return False  # findings come from reconciliation only

    @admin.action(description=_("Reopen the selected findings"))
    def reopen(self, request, queryset):
        for finding in queryset.filter(status=FindingStatus.EXPLAINED):
            try:
                finding_reopen(finding=finding, user=request.user, reason=str(_("Reopened in the admin.")))
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
