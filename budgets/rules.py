"""The rules a table's structure implies: totals and subtotals, row totals, declared identities, conversions.

A cell is referred to as ``"<table code>/<line>/<column key>"`` (:mod:`reconciliation.cells`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from budgets.models import BudgetRow, BudgetTable, RowRole
from reconciliation.cells import ref

if TYPE_CHECKING:
    from budgets.loader import LoadedTable


@dataclass
class StructuralRule:
    code: str
    kind: str
    description: str
    params: dict[str, Any]
    table: BudgetTable | None
    description_en: str = ""


def _label(label: str) -> str:
    return label or "(sin etiqueta)"


def _label_en(label: str) -> str:
    """A row label quoted as printed, in an English sentence."""
    return f"«{label}»" if label else "(no label)"


def _lines(lines: Iterable[int]) -> str:
    lines = sorted(set(lines))
    if len(lines) > 2 and lines[-1] - lines[0] == len(lines) - 1:
        return f"{lines[0]}–{lines[-1]}"
    return ", ".join(map(str, lines))


def row_members(row: BudgetRow, rows: list[BudgetRow]) -> list[BudgetRow]:
    """What a subtotal or total adds up: its children, else the items and subtotals at its level (and section)."""
    children = [r for r in rows if r.parent_id == row.pk]
    if children:
        return children
    return [
        r
        for r in rows
        if r.pk != row.pk
        and r.parent_id == row.parent_id
        and r.role in (RowRole.ITEM, RowRole.SUBTOTAL)
        and (row.section_id is None or r.section_id == row.section_id)
    ]


def _has_figures(loaded: LoadedTable, lines: Iterable[int], key: str) -> bool:
    return any(loaded.cells.get((line, key)) is not None for line in lines)


def _is_number(loaded: LoadedTable, line: int, key: str) -> bool:
    cell = loaded.cells.get((line, key))
    return cell is not None and cell.value is not None


def _states_a_value(loaded: LoadedTable, line: int, key: str) -> bool:
    """A number, or a dash (nothing, i.e. zero); not n.a. and not a blank cell."""
    cell = loaded.cells.get((line, key))
    return cell is not None and (cell.value is not None or cell.marker == "dash")


def _mixed_members(loaded: LoadedTable, row: BudgetRow, keys: list[str]) -> bool:
    """Whether a member of the total ``row`` states some of ``keys`` and not others (n.a., blank): the
    row's formula then holds for its members, not for the totals, which add up different members."""
    for member in row_members(row, loaded.rows):
        stated = [_states_a_value(loaded, member.line, key) for key in keys]
        if any(stated) and not all(stated):
            return True
    return False


def structural_rules(tables: Iterable[LoadedTable], pairs: list) -> list[StructuralRule]:
    tables = list(tables)
    rules: list[StructuralRule] = []
    for loaded in tables:
        table = loaded.table
        columns = {c.key: c for c in loaded.columns}
        for row in loaded.rows:
            if row.role not in (RowRole.SUBTOTAL, RowRole.TOTAL):
                continue
            members = row_members(row, loaded.rows)
            for column in loaded.columns:
                # A total printed blank or as a marker states nothing to check; nor do members all blank.
                if not _is_number(loaded, row.line, column.key) or not _has_figures(
                    loaded, [m.line for m in members], column.key
                ):
                    continue
                rules.append(
                    StructuralRule(
                        code=f"{table.code}/{row.line}/{column.key}:sum-rows",
                        kind="sum",
                        table=table,
                        description=f"{_label(row.label)} (línea {row.line}), columna «{column.header}»: "
                        f"suma de las líneas {_lines(m.line for m in members)}.",
                        description_en=f"{_label_en(row.label)} (line {row.line}), column «{column.header}»: "
                        f"sum of lines {_lines(m.line for m in members)}.",
                        params={
                            "total": ref(table, row.line, column.key),
                            "terms": [ref(table, m.line, column.key) for m in members],
                        },
                    )
                )
        for total_column in (c for c in loaded.columns if c.is_total):
            parts = [c for c in loaded.columns if not c.is_total and c.currency == total_column.currency]
            for row in loaded.rows:
                if not _is_number(loaded, row.line, total_column.key):
                    continue
                rules.append(
                    StructuralRule(
                        code=f"{table.code}/{row.line}/{total_column.key}:sum-columns",
                        kind="sum",
                        table=table,
                        description=f"{_label(row.label)} (línea {row.line}): «{total_column.header}» "
                        f"es la suma de {', '.join(f'«{c.header}»' for c in parts)}.",
                        description_en=f"{_label_en(row.label)} (line {row.line}): «{total_column.header}» "
                        f"is the sum of {', '.join(f'«{c.header}»' for c in parts)}.",
                        params={
                            "total": ref(table, row.line, total_column.key),
                            "terms": [ref(table, row.line, c.key) for c in parts],
                        },
                    )
                )
        for identity in loaded.spec.get("identities") or []:
            target = columns[identity["column"]]
            terms = [(parse_sign(t), t.lstrip("-")) for t in identity["terms"]]
            words = " ".join(
                f"{'−' if sign < 0 else ('+' if i else '')} «{columns[key].header}»".strip()
                for i, (sign, key) in enumerate(terms)
            )
            used = [target.key, *(key for _sign, key in terms)]
            for row in loaded.rows:
                if not _is_number(loaded, row.line, target.key):
                    continue
                if row.role in (RowRole.SUBTOTAL, RowRole.TOTAL) and _mixed_members(loaded, row, used):
                    continue
                rules.append(
                    StructuralRule(
                        code=f"{table.code}/{row.line}/{target.key}:identity",
                        kind="sum",
                        table=table,
                        description=f"{_label(row.label)} (línea {row.line}): «{target.header}» = {words}.",
                        description_en=f"{_label_en(row.label)} (line {row.line}): «{target.header}» = {words}.",
                        params={
                            "total": ref(table, row.line, target.key),
                            "terms": [ref(table, row.line, key, sign) for sign, key in terms],
                        },
                    )
                )
        if any(row.role == RowRole.ITEM for row in loaded.rows):
            rules.append(
                StructuralRule(
                    code=f"{table.code}:row-labels",
                    kind="row_labels",
                    table=table,
                    description="Cada fila con montos tiene su etiqueta: ninguna etiqueta sin montos junto a "
                    "montos sin etiqueta en la misma sección (una fila desplazada).",
                    description_en="Every row with amounts has its label: no label without amounts beside "
                    "amounts without a label in the same section (a shifted row).",
                    params={"table": table.code},
                )
            )
    for loaded in tables:
        if loaded.table.rate_id:
            continue
        # A table stating no rate, with one kind of figure in two currencies: the rate its figures imply.
        for a in loaded.columns:
            for b in loaded.columns:
                if a.figure == b.figure and a.currency < b.currency and not a.is_total and not b.is_total:
                    rules.append(
                        StructuralRule(
                            code=f"{loaded.table.code}/{a.key}>{b.key}:implied-rate",
                            kind="implied_rate",
                            table=loaded.table,
                            description=f"El cuadro no indica tipo de cambio: «{a.header}» y «{b.header}» "
                            "implican uno solo en todas sus filas.",
                            description_en=f"The table states no exchange rate: «{a.header}» and «{b.header}» "
                            "imply one rate on every row.",
                            params={"table": loaded.table.code, "columns": [a.key, b.key]},
                        )
                    )
    if any(loaded.table.rate_id for loaded in tables):
        rules.append(
            StructuralRule(
                code="rates:one-per-period",
                kind="stated_rates",
                table=None,
                description="Los cuadros convierten cada par de monedas a un solo tipo de cambio por período.",
                description_en="The tables convert each currency pair at one exchange rate per period.",
                params={},
            )
        )
    for chf, usd, rate in pairs:
        if rate is None or chf.amount is None or usd.amount is None:
            continue
        if str(chf.amount.currency) == str(usd.amount.currency):
            continue
        if str(chf.amount.currency) != "CHF":
            chf, usd = usd, chf
        places = printed_places(usd.text)
        rules.append(
            StructuralRule(
                code=f"{chf.budget_table.code}/{chf.line}/{chf.column.key}>{usd.budget_table.code}/{usd.line}/"
                f"{usd.column.key}:conversion",
                kind="conversion",
                table=usd.budget_table,
                description=f"{_label(usd.row_label)} (línea {usd.line}): «{usd.column_header}» es "
                f"«{chf.column_header}» (línea {chf.line}) al tipo de cambio {rate.rate.normalize():f} "
                f"{rate.quote_currency}/{rate.base_currency} (línea {rate.line}).",
                description_en=f"{_label_en(usd.row_label)} (line {usd.line}): «{usd.column_header}» is "
                f"«{chf.column_header}» (line {chf.line}) at the exchange rate {rate.rate.normalize():f} "
                f"{rate.quote_currency}/{rate.base_currency} (line {rate.line}).",
                params={
                    "from": ref(chf.budget_table.code, chf.line, chf.column.key),
                    "to": ref(usd.budget_table.code, usd.line, usd.column.key),
                    "rate": rate.code,
                    "places": places,
                },
            )
        )
    return rules


def parse_sign(term: str) -> int:
    return -1 if term.startswith("-") else 1


def printed_places(text: str) -> int:
    """Decimals as printed: ``2,690`` → 0, ``0,00`` → 2 (a trailing group of three digits is thousands)."""
    digits = text.strip("()")
    for i in range(len(digits) - 1, -1, -1):
        if digits[i] in ".,":
            after = len(digits) - i - 1
            return after if after != 3 else 0
    return 0
