"""Spreadsheet import/export of budget figures, on their natural key (programme, table, row line, column).

Two doors on the same data: :class:`BudgetFactResource` (django-import-export, for the admin)
and the ``budget-facts`` kind of :mod:`core.imports` (staff pages, background jobs, templates).
A file changes what a cell states (amount and currency, or the marker printed instead, and the
text as printed); where the cell sits (its row, column, partner, period…) comes from the table.
After an import the reconciliation rules of the programmes touched are evaluated again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from djmoney.money import Money
from import_export import fields, resources, widgets

from agreements.models import Programme
from budgets.models import BudgetColumn, BudgetFact, BudgetRow, BudgetTable, Marker, RowRole
from core.imports import ImportContext, register_importer
from core.resources import MoneyAmountWidget
from core.spreadsheets import CellError, Column, ColumnType

MARKERS = [value for value in Marker.values if value]


# ---------------------------------------------------------------------------------------------
# django-import-export, for the admin


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


def _placement(row, column, table) -> dict[str, Any]:
    """The fields a budget figure copies from its table, row and column (as ``budgets.loader`` does)."""
    return {
        "programme_id": table.programme_id,
        "budget_table_id": table.id,
        "document_id": table.document_id,
        "line": row.line,
        "table": table.title[:255],
        "row_label": row.label[:500],
        "column_header": column.header[:255],
        "component_id": row.component_id,
        "partner_id": column.partner_id or row.partner_id,
        "result": row.result,
        "cost_category": row.cost_category,
        "period_label": column.period_label,
        "period_start": column.period_start,
        "period_end": column.period_end,
        "figure": column.figure,
        "is_total": row.role in (RowRole.SUBTOTAL, RowRole.TOTAL) or column.is_total,
    }


# ---------------------------------------------------------------------------------------------
# The budget-facts kind of core.imports

BUDGET_FACT_COLUMNS = [
    Column("programme", _("programme"), max_length=40, example="pcc"),
    Column("table", _("budget table"), max_length=80, example="programa-cuadro-1"),
    Column(
        "line",
        _("seed line"),
        ColumnType.INTEGER,
        example=218,
        help_text=_("The line of the row in the source, as the table shows it."),
    ),
    Column("column", _("column"), max_length=40, example="y2006"),
    Column("amount", _("amount"), ColumnType.MONEY, required=False, example=Money(Decimal("240000"), "CHF")),
    Column(
        "marker",
        _("marker"),
        ColumnType.CHOICE,
        required=False,
        choices=MARKERS,
        help_text=_("Printed instead of a number: dash, n.a., n.d. or blank."),
    ),
    Column("text", _("text as printed"), required=False, max_length=60, example="240'000"),
]


def _tables(context: ImportContext) -> dict[tuple[str, str], BudgetTable]:
    tables = BudgetTable.objects.select_related("programme").only(
        "id", "code", "programme__code", "document_id", "title"
    )
    return {(t.programme.code, t.code): t for t in tables}


def _rows(context: ImportContext) -> dict[tuple[int, int], BudgetRow]:
    rows = BudgetRow.objects.only(
        "id", "table_id", "line", "label", "component_id", "partner_id", "result", "cost_category", "role"
    )
    return {(r.table_id, r.line): r for r in rows}


def _columns(context: ImportContext) -> dict[tuple[int, str], BudgetColumn]:
    columns = BudgetColumn.objects.only(
        "id",
        "table_id",
        "key",
        "header",
        "currency",
        "figure",
        "is_total",
        "partner_id",
        "period_label",
        "period_start",
        "period_end",
    )
    return {(c.table_id, c.key): c for c in columns}


def _budget_fact_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    table = context.cache("tables").get((values["programme"], values["table"]))
    if table is None:
        raise CellError(
            gettext_noop("no budget table %(table)s in the programme %(programme)s"),
            {"table": values["table"], "programme": values["programme"]},
            column="table",
        )
    row = context.cache("rows").get((table.id, values["line"]))
    if row is None:
        raise CellError(
            gettext_noop("the table %(table)s has no row at line %(line)s"),
            {"table": values["table"], "line": values["line"]},
            column="line",
        )
    column = context.cache("columns").get((table.id, values["column"]))
    if column is None:
        raise CellError(
            gettext_noop("the table %(table)s has no column %(column)s"),
            {"table": values["table"], "column": values["column"]},
            column="column",
        )
    amount, marker, text = values["amount"], values["marker"] or "", values["text"]
    if amount is not None:
        if marker:
            raise CellError(gettext_noop("an amount and a marker: give one or the other"), column="marker")
        if str(amount.currency) != column.currency:
            raise CellError(
                gettext_noop("the column %(column)s is in %(currency)s"),
                {"column": values["column"], "currency": column.currency},
                column="amount_currency",
            )
        text = text or f"{amount.amount:f}"
    elif not marker:
        raise CellError(
            gettext_noop("an amount or a marker (dash, n.a., n.d., blank) is required"), column="amount"
        )
    context.cache("touched").add(table.programme_id)
    return {"row_id": row.id, "column_id": column.id, "amount": amount, "marker": marker, "text": text}


def _budget_fact_defaults(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    row = context.cache("rows_by_id")[values["row_id"]]
    column = context.cache("columns_by_id")[values["column_id"]]
    return _placement(row, column, context.cache("tables_by_id")[row.table_id])


def _reconcile_touched(context: ImportContext) -> None:
    from budgets.reconciliation import reconcile

    for programme in Programme.objects.filter(pk__in=context.cache("touched")):
        reconcile(programme)


def _budget_fact_export(fact: BudgetFact) -> dict[str, Any]:
    return {
        "programme": fact.programme.code,
        "table": fact.budget_table.code,
        "line": fact.row.line,
        "column": fact.column.key,
        "amount": fact.amount,
        "marker": fact.marker,
        "text": fact.text,
    }


register_importer(
    "budget-facts",
    label=_("Budget figures"),
    model=BudgetFact,
    columns=BUDGET_FACT_COLUMNS,
    natural_key=["row_id", "column_id"],
    build=_budget_fact_row,
    export=_budget_fact_export,
    queryset=lambda user: (
        BudgetFact.objects.for_user(user)
        .select_related("programme", "budget_table", "row", "column")
        .order_by("programme__code", "budget_table__order", "row__order", "column__order")
    ),
    can_import=lambda user: user.is_programme_staff,
    lookups={
        "tables": _tables,
        "rows": _rows,
        "columns": _columns,
        # Indexes of the caches above, by id: no further query.
        "tables_by_id": lambda context: {t.id: t for t in context.cache("tables").values()},
        "rows_by_id": lambda context: {r.id: r for r in context.cache("rows").values()},
        "columns_by_id": lambda context: {c.id: c for c in context.cache("columns").values()},
        "touched": lambda context: set(),
    },
    create_defaults=_budget_fact_defaults,
    after_commit=_reconcile_touched,
    field_columns={"row": "line", "column": "column", "marker": "marker", "text": "text", "amount": "amount"},
)
