"""The ``budget-facts`` importable kind: what each cell of a table states, and its counterpart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from djmoney.money import Money

from agreements.access import Level
from budgets.models import BudgetColumn, BudgetFact, BudgetRow, BudgetTable
from budgets.resources.common import (
    LOOKUPS,
    NO_LINK,
    _located,
    _note_row,
    _table,
    programme_column,
)
from core.spreadsheets.columns import Column
from core.spreadsheets.errors import CellError, Problem
from imports.lookups import NO_RATE, named
from imports.registry import ImportContext, ModelColumn, RowRefused, register_importer
from imports.writes import bulk_write
from reconciliation.cells import parse_ref, ref

BUDGET_FACT_COLUMNS = [
    programme_column(resolve=False),  # the table's, with the rest of where the figure sits
    ModelColumn("table", "budget_table.code", label=_("budget table"), example="programa-cuadro-1"),
    ModelColumn(
        "line",
        "row.line",
        label=_("seed line"),
        example=218,
        help_text=_("The line of the row in the source, as the table shows it."),
    ),
    ModelColumn("column", "column.key", label=_("column"), example="y2006"),
    ModelColumn("amount", example=Money(Decimal("240000"), "CHF")),
    ModelColumn("marker", help_text=_("Printed instead of a number: dash, n.a., n.d. or blank.")),
    ModelColumn("text", example="240'000"),
    Column(
        "counterpart",
        _("same figure in the other currency"),
        required=False,
        max_length=200,
        example="",
        help_text=_(
            "Another figure of the programme, as table/line/column; empty keeps the stored one, - removes it."
        ),
    ),
    # Not resolved as a link: an empty cell keeps the stored rate, - removes it.
    ModelColumn(
        "rate",
        "rate.code",
        resolve=False,
        label=_("rate linking the two currencies"),
        example="",
        help_text=_("The code of an exchange rate; empty keeps the stored one, - removes it."),
    ),
]
FACT_KEY = ("programme", "table", "line", "column")


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


def _fact_refs(context: ImportContext) -> dict[tuple[int, str], tuple[int, int | None]]:
    """Every figure as (programme, ``table/line/column``) → (id, id of its counterpart), in one query."""
    facts = BudgetFact.objects.values_list(
        "id", "programme_id", "budget_table__code", "line", "column__key", "counterpart_id"
    )
    return {
        (programme_id, ref(code, line, key)): (pk, counterpart_id)
        for pk, programme_id, code, line, key, counterpart_id in facts
    }


def _budget_fact_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    table = _table(values, context)
    row = context.find(
        "rows",
        (table.id, values["line"]),
        gettext_noop("the table %(table)s has no row at line %(line)s"),
        {"table": values["table"], "line": values["line"]},
        column="line",
    )
    column = context.find(
        "columns",
        (table.id, values["column"]),
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
    result = {"row_id": row.id, "column_id": column.id, "amount": amount, "marker": marker, "text": text}
    if values["rate"] == NO_LINK:
        result["rate_id"] = None
    elif values["rate"]:
        result["rate_id"] = named(values, "rate", "rates", NO_RATE, context)
    result.update(_stated_counterpart(values, table, context))
    return result


def _stated_counterpart(values: dict[str, Any], table: BudgetTable, context: ImportContext) -> dict[str, Any]:
    """The counterpart a row states, noted for the checks of the whole file.

    A one-to-one link may name a figure further down the file and may take a figure from another,
    so it is always written after the last batch (``@counterpart``); ``counterpart_id`` is there
    for the comparison with the database when the figure exists.
    """
    own = ref(values["table"], values["line"], values["column"])
    stated = values["counterpart"]
    if not stated:
        context.cache("file_cells")[(table.programme_id, own)] = None
        return {}
    if stated == NO_LINK:
        context.cache("file_cells")[(table.programme_id, own)] = ""
        return {"counterpart_id": None, "@counterpart": ""}
    try:
        sign, code, line, key = parse_ref(stated)
    except ValueError:
        sign = -1
    if sign < 0:
        raise CellError(
            gettext_noop("expected a figure as table/line/column, such as %(example)s"),
            {"example": "sp12-cuadro-2-prosur/598/usd"},
            column="counterpart",
        )
    target = ref(code, line, key)
    if target == own:
        raise CellError(gettext_noop("a figure cannot be its own counterpart"), column="counterpart")
    claimed = context.cache("claimed")
    if (table.programme_id, target) in claimed:
        raise CellError(
            gettext_noop("%(ref)s is already the counterpart of %(other)s in this file"),
            {"ref": target, "other": claimed[(table.programme_id, target)][0]},
            column="counterpart",
        )
    row_key = tuple(values[c] for c in FACT_KEY)
    _note_row(context, row_key)
    claimed[(table.programme_id, target)] = (own, row_key)
    context.cache("file_cells")[(table.programme_id, own)] = target
    result: dict[str, Any] = {"@counterpart": target}
    found = context.cache("fact_refs").get((table.programme_id, target))
    if found is not None:
        result["counterpart_id"] = found[0]
    return result


def _budget_facts_check_file(context: ImportContext) -> list[Problem]:
    """Counterparts neither in the file nor in the database, or still held by a figure the file leaves."""
    claimed = context.cache("claimed")
    if not claimed:
        return []
    cells, refs = context.cache("file_cells"), context.cache("fact_refs")
    holders = {counterpart_id: key for key, (_pk, counterpart_id) in refs.items() if counterpart_id}
    problems = []
    for (programme_id, target), (own, row_key) in claimed.items():
        found = refs.get((programme_id, target))
        if found is None:
            if (programme_id, target) not in cells:
                problems.append(
                    (
                        row_key,
                        "counterpart",
                        gettext_noop(
                            "no figure %(ref)s in the programme, neither in this file nor imported before"
                        ),
                        {"ref": target},
                        target,
                    )
                )
            continue
        holder = holders.get(found[0])
        if holder is not None and holder != (programme_id, own) and cells.get(holder) is None:
            problems.append(
                (
                    row_key,
                    "counterpart",
                    gettext_noop("%(ref)s is the counterpart of %(other)s, which this file leaves as it is"),
                    {"ref": target, "other": holder[1]},
                    target,
                )
            )
    return _located(context, problems)


def _write_facts(creates, updates, fields, context: ImportContext) -> None:
    for fact in creates:
        fact.counterpart_id = None  # linked by _link_counterparts
    bulk_write(creates, updates, [name for name in fields if name != "counterpart_id"], context)


def _ref_of(fact: BudgetFact) -> str:
    return ref(fact.budget_table.code, fact.line, fact.column.key)


def _link_counterparts(context: ImportContext) -> None:
    """Link the counterparts the file states, in bulk, as ``budgets.loader.link_counterparts`` does."""
    stated = [(number, obj, links["counterpart"]) for number, obj, links in context.deferred]
    if not stated:
        return
    programme_ids = {obj.programme_id for _number, obj, _target in stated}
    facts = list(
        BudgetFact.objects.filter(programme_id__in=programme_ids).select_related("budget_table", "column")
    )
    by_cell = {(f.row_id, f.column_id): f for f in facts}
    by_ref = {(f.programme_id, _ref_of(f)): f for f in facts}
    holders = {f.counterpart_id: f for f in facts if f.counterpart_id}
    changed: list[tuple[int, BudgetFact, BudgetFact | None]] = []
    for number, obj, target_ref in stated:
        fact = by_cell[(obj.row_id, obj.column_id)]
        target = None
        if target_ref:
            target = by_ref.get((fact.programme_id, target_ref))
            if target is None:
                raise RowRefused.at(
                    context,
                    number,
                    gettext_noop("no figure %(ref)s in the programme"),
                    {"ref": target_ref},
                    column="counterpart",
                    value=target_ref,
                )
        if fact.counterpart_id != (target.pk if target else None):
            changed.append((number, fact, target))
    moving = {fact.pk for _number, fact, _target in changed}
    for number, _fact, target in changed:
        holder = holders.get(target.pk) if target else None
        if holder is not None and holder.pk not in moving:
            raise RowRefused.at(
                context,
                number,
                gettext_noop("%(ref)s is the counterpart of %(other)s, which this file leaves as it is"),
                {"ref": _ref_of(target), "other": _ref_of(holder)},
                column="counterpart",
                value=_ref_of(target),
            )
    if not changed:
        return
    # One-to-one: a figure may be the counterpart another one leaves in this same update, so unlink first.
    BudgetFact.objects.filter(pk__in=moving).update(counterpart=None)
    for _number, fact, target in changed:
        fact.counterpart = target
    # Through the import's writer, so each linked figure has its history row (who, ``import #<id>``).
    bulk_write([], [fact for _n, fact, _t in changed], ["counterpart"], context)


def _budget_facts_after_commit(context: ImportContext) -> None:
    _link_counterparts(context)


def _budget_fact_defaults(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    row = context.cache("rows_by_id")[values["row_id"]]
    column = context.cache("columns_by_id")[values["column_id"]]
    return BudgetFact.placement(context.cache("tables_by_id")[row.table_id], row, column)


def _budget_fact_export(fact: BudgetFact) -> dict[str, Any]:
    return {
        "counterpart": _ref_of(fact.counterpart) if fact.counterpart_id else "",
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
        .select_related(
            "programme",
            "budget_table",
            "row",
            "column",
            "rate",
            "counterpart__budget_table",
            "counterpart__column",
        )
        .order_by("programme__code", "budget_table__order", "row__order", "column__order")
    ),
    level=Level.STAFF,
    lookups={
        **LOOKUPS,
        "rows": _rows,
        "columns": _columns,
        # Indexes of the caches above, by id: no further query.
        "tables_by_id": lambda context: {t.id: t for t in context.cache("tables").values()},
        "rows_by_id": lambda context: {r.id: r for r in context.cache("rows").values()},
        "columns_by_id": lambda context: {c.id: c for c in context.cache("columns").values()},
        "fact_refs": _fact_refs,
        "file_cells": lambda context: {},
        "claimed": lambda context: {},
    },
    write=_write_facts,
    create_defaults=_budget_fact_defaults,
    check_file=_budget_facts_check_file,
    after_commit=_budget_facts_after_commit,
    field_columns={"counterpart": "counterpart"},
    key_columns=["table", "line", "column"],
    order=23,
    programme_lookup="programme",
)
