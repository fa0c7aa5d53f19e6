"""What the budgets' importable kinds share: programmes, look-ups, scoping, writing."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements import access
from budgets.models import BudgetColumn, BudgetFact, BudgetTable
from core.models import User
from core.spreadsheets.errors import CellError, Problem
from imports.lookups import programme_id
from imports.registry import ImportContext, ModelColumn, Writer
from imports.writes import bulk_write

# In an optional link cell of a figure: no link. An empty cell keeps the stored link.
NO_LINK = "-"


def _staffed(queryset: models.QuerySet, user: User, path: str = "programme") -> models.QuerySet:
    """Everything of the programmes ``user`` is staff (or administrator) of."""
    return access.scope(queryset, user, programme=path, whole=access.STAFF_ROLES, roles=frozenset())


def _tables(context: ImportContext) -> dict[tuple[str, str], BudgetTable]:
    tables = BudgetTable.objects.select_related("programme").only(
        "id", "code", "programme__code", "document_id", "title", "first_line", "last_line"
    )
    return {(t.programme.code, t.code): t for t in tables}


def _table(values: dict[str, Any], context: ImportContext, column: str = "table") -> BudgetTable:
    """The budget table a row names, in a programme the user is staff of."""
    programme_id(values, context)
    return context.find(
        "tables",
        (values["programme"], values[column]),
        gettext_noop("no budget table %(table)s in the programme %(programme)s"),
        {"table": values[column], "programme": values["programme"]},
        column=column,
    )


def _currency(values: dict[str, Any], column: str = "currency") -> str:
    if values[column] not in settings.CURRENCIES:
        raise CellError(
            gettext_noop("expected one of the currencies %(currencies)s"),
            {"currencies": ", ".join(settings.CURRENCIES)},
            column=column,
        )
    return values[column]


def _json(values: dict[str, Any], column: str, expected: type, message: str) -> Any:
    """A JSON cell as the model stores it; an empty cell is an empty list or object."""
    text = values[column]
    if not text:
        return expected()
    try:
        value = json.loads(text)
    except ValueError as error:
        raise CellError(
            gettext_noop("not valid JSON: %(error)s"), {"error": str(error)}, column=column
        ) from None
    if not isinstance(value, expected):
        raise CellError(message, column=column)
    return value


LOOKUPS: dict[str, Callable[[ImportContext], Any]] = {
    "tables": _tables,
    # What a commit changed, noted by the writers for ``after_commit`` (``build`` does not run then).
    "changed_tables": lambda context: set(),
    "row_numbers": lambda context: {},
    "column_details": lambda context: [],
    # Every (table, key) of a column, like "tables" for every table: one query, on the first row.
    "column_keys": lambda context: set(BudgetColumn.objects.values_list("table_id", "key")),
    "file_columns": lambda context: set(),
}


def _noting(cache: str, of: Callable[[models.Model], Any], *, updates_only: bool = False) -> Writer:
    """The default bulk writer, noting ``of(obj)`` of what it writes in the look-up ``cache``."""

    def write(creates, updates, fields, context: ImportContext) -> None:
        bulk_write(creates, updates, fields, context)
        context.cache(cache).update(of(obj) for obj in (updates if updates_only else [*creates, *updates]))

    return write


def _follow_structure(context: ImportContext) -> None:
    """Copy a changed table, column or row to its figures again (as the loader does)."""
    table_ids = context.cache("changed_tables")
    if not table_ids:
        return
    changed, names = [], set()
    facts = BudgetFact.objects.filter(budget_table_id__in=table_ids).select_related(
        "budget_table", "row", "column"
    )
    for fact in facts:
        placement = BudgetFact.placement(fact.budget_table, fact.row, fact.column)
        differences = [name for name, value in placement.items() if getattr(fact, name) != value]
        if differences:
            for name in differences:
                setattr(fact, name, placement[name])
            names.update(differences)
            changed.append(fact)
    if changed:
        bulk_write([], changed, sorted(names), context, BudgetFact)


def _note_row(context: ImportContext, key: tuple) -> None:
    """Remember the file row of ``key``, for the problems ``check_file`` finds after the last row."""
    context.cache("row_numbers")[key] = context.row


def _located(context: ImportContext, problems: list[tuple[tuple, str, str, dict, Any]]) -> list[Problem]:
    """``(row key, column, message, params, value)`` as problems at the rows of the file."""
    numbers = context.cache("row_numbers")
    return [
        Problem(message, params, row=numbers.get(key), column=column, value=str(value))
        for key, column, message, params, value in problems
    ]


def programme_column(path: str = "programme", **given: Any) -> ModelColumn:
    """The ``programme`` column, by code, of a model reaching its programme through ``path``."""
    return ModelColumn("programme", f"{path}.code", label=_("programme"), example="pcc", **given)


TABLE_COLUMN = ModelColumn("table", "table.code", label=_("budget table"), example="sp12-cuadro-2-prosur")


def _structure_queryset(model: type[models.Model], path: str, *related: str, order: Sequence[str]):
    def queryset(user: User) -> models.QuerySet:
        return _staffed(model.objects.select_related(*related).order_by(*order), user, path)

    return queryset
