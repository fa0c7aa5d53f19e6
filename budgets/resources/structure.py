"""The importable kinds of a budget table's structure: ``concepts``, ``budget-tables``, ``budget-columns``,
``budget-rows``."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements.access import Level
from budgets.models import (
    CURRENCY_WITH_FIGURES,
    BudgetColumn,
    BudgetRow,
    BudgetTable,
    Concept,
    RowRole,
    TableLayout,
)
from budgets.resources.common import (
    LOOKUPS,
    TABLE_COLUMN,
    _currency,
    _follow_structure,
    _json,
    _located,
    _note_row,
    _noting,
    _structure_queryset,
    _table,
    programme_column,
)
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError, Problem
from imports.links import SameFileLinks
from imports.lookups import component_id
from imports.registry import ImportContext, ModelColumn, check_period, register_importer

# ---------------------------------------------------------------------------------------------
# concepts: what the figures are, named once per programme (tables, columns and rows give the code)

register_importer(
    "concepts",
    label=_("Concepts"),
    model=Concept,
    columns=[
        programme_column(),
        ModelColumn("code", example="seco-contribution"),
        ModelColumn("label", example="aporte SECO"),
        ModelColumn("label_en", required=False, example="SECO contribution"),
    ],
    natural_key=["programme_id", "code"],
    queryset=_structure_queryset(Concept, "programme", "programme", order=["programme__code", "code"]),
    level=Level.ADMIN,
    lookups=LOOKUPS,
    order=15,
    programme_lookup="programme",
)


BUDGET_TABLE_COLUMNS = [
    programme_column(),
    ModelColumn("code", example="sp12-cuadro-2-prosur"),
    ModelColumn("title", example="Cuadro 2: Presupuesto por resultados (si posible) de PROSUR y AMPEX"),
    ModelColumn(
        "title_en",
        example="Cuadro 2: Budget by results (where possible) of PROSUR and AMPEX",
        help_text=_("Empty: English readers see the Spanish, marked as untranslated."),
    ),
    ModelColumn("component", "component.code", resolve=False, example="1.2"),
    ModelColumn("document", "document.code", example="pcc-enmienda-2009"),
    ModelColumn("title_line", example=588),
    ModelColumn("first_line", example=588),
    ModelColumn("last_line", example=598),
    ModelColumn(
        "layout",
        required=False,
        example=TableLayout.CURRENCY_PAIRS.value,
        help_text=_("Empty: rows × columns (grid)."),
    ),
    ModelColumn("decimal_separator", example="."),
    ModelColumn("currency", type=ColumnType.CURRENCY, example="CHF"),
    ModelColumn("rate", "rate.code", example="pcc-chf-usd-1-123"),
    Column(
        "notes",
        _("notes and footnotes"),
        required=False,
        max_length=10_000,
        example="",
        help_text=_('As printed, a JSON list: [{"line": 916, "text": "…"}].'),
    ),
    ModelColumn("in_overview", required=False, example=False),
    ModelColumn("reporting_basis", required=False, example=False),
    ModelColumn("concept", required=False, example="seco-contribution"),
    ModelColumn("order", example=3),
]


def _budget_table_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    if values["first_line"] > values["last_line"]:
        raise CellError(
            gettext_noop("the last line comes before the first line %(first)s"),
            {"first": values["first_line"]},
            column="last_line",
        )
    return {
        "component_id": component_id(values, values["programme_id"], context),
        "layout": values["layout"] or TableLayout.GRID,
        "currency": _currency(values),
        "notes": _json(
            values, "notes", list, gettext_noop('expected a JSON list, such as [{"line": 916, "text": "…"}]')
        ),
        "in_overview": bool(values["in_overview"]),
        "reporting_basis": bool(values["reporting_basis"]),
    }


def _budget_table_export(table: BudgetTable) -> dict[str, Any]:
    return {
        "notes": json.dumps(table.notes, ensure_ascii=False, sort_keys=True) if table.notes else "",
    }


register_importer(
    "budget-tables",
    label=_("Budget tables"),
    model=BudgetTable,
    columns=BUDGET_TABLE_COLUMNS,
    natural_key=["programme_id", "code"],
    build=_budget_table_row,
    export=_budget_table_export,
    queryset=_structure_queryset(
        BudgetTable,
        "programme",
        "programme",
        "component",
        "document",
        "rate",
        order=["programme__code", "order", "first_line", "code"],
    ),
    level=Level.ADMIN,
    lookups=LOOKUPS,
    write=_noting("changed_tables", lambda table: table.pk, updates_only=True),
    after_commit=_follow_structure,
    order=20,
    programme_lookup="programme",
)


# ---------------------------------------------------------------------------------------------
# budget-columns

BUDGET_COLUMN_COLUMNS = [
    programme_column("table.programme"),
    TABLE_COLUMN,
    ModelColumn("key", example="usd"),
    ModelColumn("header", example="Presupuesto Sep - Dic 2008 / En US$"),
    ModelColumn("order", example=1),
    ModelColumn("currency", type=ColumnType.CURRENCY, example="USD"),
    ModelColumn("figure", example="planned"),
    ModelColumn("is_total", required=False, example=False),
    ModelColumn(
        "detail_of",
        example="",
        help_text=_("The key of the column of the same table that this one breaks down."),
    ),
    ModelColumn("partner", "partner.acronym", example=""),
    ModelColumn("period_label", example="Sep - Dic 2008"),
    ModelColumn("period_start", example="2008-09-01"),
    ModelColumn("period_end", example="2008-12-31"),
    ModelColumn("concept", required=False, example=""),
    ModelColumn("compare_as", required=False, keep=True, example=""),
]


def _budget_column_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    table = _table(values, context)
    check_period(values)
    detail_of = values["detail_of"] or ""
    if detail_of == values["key"]:
        raise CellError(gettext_noop("a column cannot break itself down"), column="detail_of")
    if detail_of:
        context.cache("column_details").append((table.id, values["table"], values["key"], detail_of))
        _note_row(context, (table.id, values["key"]))
    context.cache("file_columns").add((table.id, values["key"]))
    context.cache("column_keys")  # read on the first row: the dry run's queries do not depend on the rows
    return {
        "table_id": table.id,
        "currency": _currency(values),
        "is_total": bool(values["is_total"]),
        "detail_of": detail_of,
    }


def _budget_columns_check_file(context: ImportContext) -> list[Problem]:
    """A column broken down by another must exist in the same table, in this file or already."""
    details = context.cache("column_details")
    if not details:
        return []
    known = context.cache("column_keys") | context.cache("file_columns")
    return _located(
        context,
        [
            (
                (table_id, key),
                "detail_of",
                gettext_noop("no column %(column)s in the table %(table)s"),
                {"column": target, "table": table_code},
                target,
            )
            for table_id, table_code, key, target in details
            if (table_id, target) not in known
        ],
    )


def _budget_column_check_existing(
    column: BudgetColumn, values: dict[str, Any], context: ImportContext
) -> None:
    params = column.currency_change_refused(values["currency"])
    if params:
        raise CellError(CURRENCY_WITH_FIGURES, params, column="currency")


STRUCTURE_ORDER = ["table__programme__code", "table__order", "table__first_line", "table__code"]

register_importer(
    "budget-columns",
    label=_("Columns of budget tables"),
    model=BudgetColumn,
    columns=BUDGET_COLUMN_COLUMNS,
    natural_key=["table_id", "key"],
    build=_budget_column_row,
    check_file=_budget_columns_check_file,
    queryset=_structure_queryset(
        BudgetColumn,
        "table__programme",
        "table__programme",
        "partner",
        order=[*STRUCTURE_ORDER, "order", "key"],
    ),
    level=Level.ADMIN,
    lookups=LOOKUPS,
    write=_noting("changed_tables", lambda column: column.table_id, updates_only=True),
    check_existing=_budget_column_check_existing,
    after_commit=_follow_structure,
    order=21,
    programme_lookup="table__programme",
)


# ---------------------------------------------------------------------------------------------
# budget-rows

BUDGET_ROW_COLUMNS = [
    programme_column("table.programme"),
    TABLE_COLUMN,
    ModelColumn("line", example=598),
    ModelColumn("label", example="TOTAL"),
    ModelColumn("order", example=6),
    ModelColumn("role", required=False, example=RowRole.TOTAL.value, help_text=_("Empty: an item.")),
    Column(
        "parent",
        _("subtotal it belongs to"),
        ColumnType.INTEGER,
        required=False,
        example=None,
        help_text=_("The line of the subtotal or total row, which may come further down the file."),
    ),
    Column(
        "section",
        _("section heading"),
        ColumnType.INTEGER,
        required=False,
        example=None,
        help_text=_("The line of the heading row of the section."),
    ),
    ModelColumn("partner", "partner.acronym", example="PROSUR"),
    ModelColumn("component", "component.code", resolve=False, example="1.2"),
    ModelColumn("result", example=""),
    ModelColumn("cost_category", example=""),
    ModelColumn("concept", required=False, example=""),
]


def _budget_row_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    table = _table(values, context)
    line = values["line"]
    if not table.first_line <= line <= table.last_line:
        raise CellError(
            gettext_noop("line %(line)s is outside the table (lines %(first)s–%(last)s)"),
            {"line": line, "first": table.first_line, "last": table.last_line},
            column="line",
        )
    return {
        "table_id": table.id,
        "line": line,
        "role": values["role"] or RowRole.ITEM,
        "component_id": component_id(values, table.programme_id, context),
        **ROW_LINKS.resolve(values, (table.id, line), context),
    }


# A row names its subtotal and section heading by line, possibly a row further down the file.
ROW_LINKS = SameFileLinks(
    fields=("parent", "section"),
    key=("table_id", "line"),
    target=lambda own, line: (own[0], line),
    known="row_ids",
    itself=gettext_noop("a row cannot name itself"),
    missing=gettext_noop(
        "the table %(table)s has no row at line %(line)s, neither in this file nor imported before"
    ),
    params=lambda cells, line: {"table": cells["table"], "line": line},
)


def _budget_rows_after_commit(context: ImportContext) -> None:
    ROW_LINKS.link(context)
    _follow_structure(context)


def _budget_row_export(row: BudgetRow) -> dict[str, Any]:
    return {
        "parent": row.parent.line if row.parent_id else None,
        "section": row.section.line if row.section_id else None,
    }


register_importer(
    "budget-rows",
    label=_("Rows of budget tables"),
    model=BudgetRow,
    columns=BUDGET_ROW_COLUMNS,
    natural_key=["table_id", "line"],
    build=_budget_row_row,
    export=_budget_row_export,
    queryset=_structure_queryset(
        BudgetRow,
        "table__programme",
        "table__programme",
        "parent",
        "section",
        "partner",
        "component",
        order=[*STRUCTURE_ORDER, "order", "line"],
    ),
    level=Level.ADMIN,
    lookups={
        **LOOKUPS,
        "row_ids": lambda context: {
            (table_id, line): pk
            for pk, table_id, line in BudgetRow.objects.values_list("id", "table_id", "line")
        },
    },
    write=_noting("changed_tables", lambda row: row.table_id, updates_only=True),
    check_file=ROW_LINKS.check_file,
    after_commit=_budget_rows_after_commit,
    field_columns={"parent": "parent", "section": "section"},
    order=22,
    programme_lookup="table__programme",
)
