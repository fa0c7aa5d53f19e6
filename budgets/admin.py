from django.contrib import admin

from budgets.models import BudgetColumn, BudgetFact, BudgetRow, BudgetTable, Concept
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


@admin.register(Concept)
class ConceptAdmin(ChangeReasonAdmin):
    list_display = ["code", "label", "label_en", "programme"]
    list_filter = ["programme"]
    search_fields = ["code", "label", "label_en"]
    list_select_related = ["programme"]


@admin.register(BudgetTable)
class BudgetTableAdmin(ChangeReasonAdmin):
    list_display = ["code", "title", "programme", "component", "first_line", "last_line", "currency", "rate"]
    list_filter = ["programme", "layout", "currency"]
    search_fields = ["code", "title", "title_en"]
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
    # What a reader checks first: the source line and the amount, then where it sits.
    list_display = [
        "line",
        "amount",
        "text",
        "budget_table",
        "row_label",
        "column_header",
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
