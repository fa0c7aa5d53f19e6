"""The importable kinds of a budget table's structure: ``budget-tables``, ``budget-columns``, ``budget-rows``."""

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
    FigureKind,
    RowRole,
    TableLayout,
)
from budgets.resources.common import (
    LOOKUPS,
    NO_ORGANISATION,
    NO_RATE,
    PROGRAMME_COLUMN,
    TABLE_COLUMN,
    _currency,
    _follow_structure,
    _json,
    _located,
    _note_row,
    _noting,
    _period,
    _refused,
    _structure_queryset,
    _table,
)
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError, Problem
from imports.lookups import component_id, document_id, named, programme_id
from imports.registry import ImportContext, register_importer
from imports.writes import bulk_write

BUDGET_TABLE_COLUMNS = [
    PROGRAMME_COLUMN,
    Column("code", _("code"), max_length=80, example="sp12-cuadro-2-prosur"),
    Column(
        "title",
        _("title as printed"),
        max_length=500,
        example="Cuadro 2: Presupuesto por resultados (si posible) de PROSUR y AMPEX",
    ),
    Column(
        "title_en",
        _("title in English"),
        required=False,
        max_length=500,
        example="Cuadro 2: Budget by results (where possible) of PROSUR and AMPEX",
        help_text=_("Empty: English readers see the Spanish, marked as untranslated."),
    ),
    Column("component", _("component"), required=False, max_length=20, example="1.2"),
    Column("document", _("document"), max_length=80, example="pcc-enmienda-2009"),
    Column("title_line", _("seed line of the title"), ColumnType.INTEGER, example=588),
    Column("first_line", _("first line"), ColumnType.INTEGER, example=588),
    Column("last_line", _("last line"), ColumnType.INTEGER, example=598),
    Column(
        "layout",
        _("layout"),
        ColumnType.CHOICE,
        required=False,
        choices=TableLayout.values,
        example=TableLayout.CURRENCY_PAIRS.value,
        help_text=_("Empty: rows × columns (grid)."),
    ),
    Column("decimal_separator", _("decimal separator"), ColumnType.CHOICE, choices=[".", ","], example="."),
    Column("currency", _("default currency"), ColumnType.CURRENCY, example="CHF"),
    Column("rate", _("stated exchange rate"), required=False, max_length=80, example="pcc-chf-usd-1-123"),
    Column(
        "notes",
        _("notes and footnotes"),
        required=False,
        max_length=10_000,
        example="",
        help_text=_('As printed, a JSON list: [{"line": 916, "text": "…"}].'),
    ),
    Column("in_overview", _("counted in the overview"), ColumnType.BOOLEAN, required=False, example=False),
    Column("order", _("order"), ColumnType.INTEGER, example=3),
]


def _budget_table_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    programme = programme_id(values, context)
    if values["first_line"] > values["last_line"]:
        raise CellError(
            gettext_noop("the last line comes before the first line %(first)s"),
            {"first": values["first_line"]},
            column="last_line",
        )
    return {
        "programme_id": programme,
        "component_id": component_id(values, programme, context),
        "document_id": document_id(values, context),
        "layout": values["layout"] or TableLayout.GRID,
        "currency": _currency(values),
        "rate_id": named(values, "rate", "rates", NO_RATE, context),
        "notes": _json(
            values, "notes", list, gettext_noop('expected a JSON list, such as [{"line": 916, "text": "…"}]')
        ),
        "in_overview": bool(values["in_overview"]),
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
    stored=(
        "code",
        "title",
        "title_en",
        "title_line",
        "first_line",
        "last_line",
        "decimal_separator",
        "order",
    ),
    exported={
        "programme": "programme.code",
        "component": "component.code",
        "document": "document.code",
        "rate": "rate.code",
        "layout": "layout",
        "currency": "currency",
        "in_overview": "in_overview",
    },
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
    PROGRAMME_COLUMN,
    TABLE_COLUMN,
    Column("key", _("key"), max_length=40, example="usd"),
    Column("header", _("header as printed"), max_length=255, example="Presupuesto Sep - Dic 2008 / En US$"),
    Column("order", _("order"), ColumnType.INTEGER, example=1),
    Column("currency", _("currency"), ColumnType.CURRENCY, example="USD"),
    Column("figure", _("kind of figure"), ColumnType.CHOICE, choices=FigureKind.values, example="planned"),
    Column("is_total", _("row total"), ColumnType.BOOLEAN, required=False, example=False),
    Column(
        "detail_of",
        _("detail of"),
        required=False,
        max_length=40,
        example="",
        help_text=_("The key of the column of the same table that this one breaks down."),
    ),
    Column("partner", _("partner"), required=False, max_length=40, example=""),
    Column("period_label", _("period as printed"), required=False, max_length=80, example="Sep - Dic 2008"),
    Column("period_start", _("period start"), ColumnType.DATE, required=False, example="2008-09-01"),
    Column("period_end", _("period end"), ColumnType.DATE, required=False, example="2008-12-31"),
]


def _budget_column_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    table = _table(values, context)
    _period(values)
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
        "partner_id": named(values, "partner", "organisations", NO_ORGANISATION, context),
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
    stored=("key", "header", "order", "figure", "period_label", "period_start", "period_end"),
    exported={
        "programme": "table.programme.code",
        "table": "table.code",
        "partner": "partner.acronym",
        "currency": "currency",
        "is_total": "is_total",
        "detail_of": "detail_of",
    },
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
    PROGRAMME_COLUMN,
    TABLE_COLUMN,
    Column("line", _("seed line"), ColumnType.INTEGER, example=598),
    Column("label", _("label as printed"), required=False, max_length=500, example="TOTAL"),
    Column("order", _("order"), ColumnType.INTEGER, example=6),
    Column(
        "role",
        _("role"),
        ColumnType.CHOICE,
        required=False,
        choices=RowRole.values,
        example=RowRole.TOTAL.value,
        help_text=_("Empty: an item."),
    ),
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
    Column("partner", _("partner"), required=False, max_length=40, example="PROSUR"),
    Column("component", _("component"), required=False, max_length=20, example="1.2"),
    Column("result", _("result as printed"), required=False, max_length=40, example=""),
    Column("cost_category", _("cost category as printed"), required=False, max_length=255, example=""),
]
ROW_KEY = ("programme", "table", "line")


def _budget_row_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    table = _table(values, context)
    line = values["line"]
    if not table.first_line <= line <= table.last_line:
        raise CellError(
            gettext_noop("line %(line)s is outside the table (lines %(first)s–%(last)s)"),
            {"line": line, "first": table.first_line, "last": table.last_line},
            column="line",
        )
    context.cache("file_lines").add((table.id, line))
    result = {
        "table_id": table.id,
        "line": line,
        "role": values["role"] or RowRole.ITEM,
        "partner_id": named(values, "partner", "organisations", NO_ORGANISATION, context),
        "component_id": component_id(values, table.programme_id, context),
    }
    for name in ("parent", "section"):
        target = values[name]
        if target is None:
            result[f"{name}_id"] = None
            continue
        if target == line:
            raise CellError(gettext_noop("a row cannot name itself"), column=name)
        target_id = context.cache("row_ids").get((table.id, target))
        if target_id is not None:
            result[f"{name}_id"] = target_id
        else:
            # A row further down the file (a subtotal below its items): linked after the last batch.
            result[f"@{name}"] = target
            _note_row(context, tuple(values[c] for c in ROW_KEY))
            context.cache("pending_rows").append(
                (tuple(values[c] for c in ROW_KEY), table.id, values["table"], name, target)
            )
    return result


def _budget_rows_check_file(context: ImportContext) -> list[Problem]:
    lines = context.cache("file_lines")
    return _located(
        context,
        [
            (
                key,
                name,
                gettext_noop(
                    "the table %(table)s has no row at line %(line)s, neither in this file nor imported before"
                ),
                {"table": table_code, "line": target},
                target,
            )
            for key, table_id, table_code, name, target in context.cache("pending_rows")
            if (table_id, target) not in lines
        ],
    )


def _budget_rows_after_commit(context: ImportContext) -> None:
    if context.deferred:
        table_ids = {obj.table_id for _number, obj, _links in context.deferred}
        rows = {(r.table_id, r.line): r for r in BudgetRow.objects.filter(table_id__in=table_ids)}
        linked: dict[int, BudgetRow] = {}
        for number, obj, links in context.deferred:
            row = rows[(obj.table_id, obj.line)]
            for name, target in links.items():
                target_row = rows.get((obj.table_id, target))
                if target_row is None:
                    raise _refused(
                        context,
                        number,
                        name,
                        gettext_noop("the table has no row at line %(line)s"),
                        {"line": target},
                        target,
                    )
                if getattr(row, f"{name}_id") != target_row.pk:
                    setattr(row, f"{name}_id", target_row.pk)
                    linked[row.pk] = row
        # Through the import's writer, so each linked row has its history row (who, ``import #<id>``).
        bulk_write([], list(linked.values()), ["parent", "section"], context)
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
    stored=("label", "order", "result", "cost_category"),
    exported={
        "programme": "table.programme.code",
        "table": "table.code",
        "partner": "partner.acronym",
        "component": "component.code",
        "line": "line",
        "role": "role",
    },
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
        "file_lines": lambda context: set(),
        "pending_rows": lambda context: [],
    },
    write=_noting("changed_tables", lambda row: row.table_id, updates_only=True),
    check_file=_budget_rows_check_file,
    after_commit=_budget_rows_after_commit,
    field_columns={"parent": "parent", "section": "section"},
    order=22,
    programme_lookup="table__programme",
)
