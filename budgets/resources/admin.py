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
from budgets.resources.common import (
    _placement,
)
from core.resources import MoneyAmountWidget


class _InFileTable(widgets.ForeignKeyWidget):
    """A budget table, row or column named as printed, within the programme (and table) of its file row."""

    def __init__(self, model, field: str, *, scope: str):
        super().__init__(model, field=field)
        self.scope = scope

    def get_queryset(self, value, row, *args, **kwargs):
        if self.scope == "programme":
            return self.model.objects.filter(programme__code=row["programme"])
        return self.model.objects.filter(table__programme__code=row["programme"], table__code=row["table"])


class BudgetFactResource(resources.ModelResource):
    programme = fields.Field(
        attribute="programme",
        column_name="programme",
        widget=widgets.ForeignKeyWidget(Programme, field="code"),
    )
    table = fields.Field(
        attribute="budget_table",
        column_name="table",
        widget=_InFileTable(BudgetTable, "code", scope="programme"),
    )
    line = fields.Field(
        attribute="row", column_name="line", widget=_InFileTable(BudgetRow, "line", scope="table")
    )
    column = fields.Field(
        attribute="column", column_name="column", widget=_InFileTable(BudgetColumn, "key", scope="table")
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
            for name, value in _placement(instance.row, instance.column, instance.budget_table).items():
                setattr(instance, name, value)
