"""django-import-export resources of budget figures, for the admin."""

from __future__ import annotations

from import_export import fields, resources, widgets

from agreements.models import Programme
from budgets.models import (
    BudgetColumn,
    BudgetFact,
    BudgetRow,
    BudgetTable,
)
from imports.resources import InFileScope, MoneyAmountWidget


class BudgetFactResource(resources.ModelResource):
    programme = fields.Field(
        attribute="programme",
        column_name="programme",
        widget=widgets.ForeignKeyWidget(Programme, field="code"),
    )
    table = fields.Field(
        attribute="budget_table",
        column_name="table",
        widget=InFileScope(BudgetTable, "code", programme__code="programme"),
    )
    line = fields.Field(
        attribute="row",
        column_name="line",
        widget=InFileScope(BudgetRow, "line", table__programme__code="programme", table__code="table"),
    )
    column = fields.Field(
        attribute="column",
        column_name="column",
        widget=InFileScope(BudgetColumn, "key", table__programme__code="programme", table__code="table"),
    )
    amount = fields.Field(attribute="amount", column_name="amount", widget=MoneyAmountWidget())
    amount_currency = fields.Field(attribute="amount_currency", column_name="amount_currency")

    class Meta:
        model = BudgetFact
        fields = ["programme", "table", "line", "column", "amount", "amount_currency", "marker", "text"]
        export_order = fields
        import_id_fields = ["line", "column"]
        skip_diff = True
        clean_model_instances = True
        use_transactions = True

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            # Where a new cell sits comes from its row, column and table, as the loader copies it.
            for name, value in BudgetFact.placement(
                instance.budget_table, instance.row, instance.column
            ).items():
                setattr(instance, name, value)
