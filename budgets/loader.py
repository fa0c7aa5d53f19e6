"""Load ``budgets/*.yaml`` of a programme folder: tables as printed, one fact per cell, and the rules.

A table file holds ``code``, ``title``, lines, ``columns`` and ``rows`` whose ``cells`` are copied from the
source exactly as printed (totals included even where wrong). A file with a top-level ``rules`` list holds
checks across tables; the loader also derives one rule per total, subtotal, identity and conversion from
each table's structure (see :mod:`budgets.rules`). Loading twice changes nothing: every object is upserted on
its natural key and saved only when a value differs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from djmoney.money import Money
from simple_history.utils import bulk_update_with_history

from budgets.models import (
    BudgetColumn,
    BudgetFact,
    BudgetRow,
    BudgetTable,
    Concept,
    FigureKind,
    RowRole,
    TableLayout,
)
from budgets.rule_kinds import BUDGET_RULE_KINDS
from budgets.rules import StructuralRule, structural_rules
from core.loading import FixtureError, LoadContext, parse_date
from core.numbers import AmbiguousNumberError, NumberFormatError, parse_amount
from core.upsert import create_pending, upsert
from reconciliation.models import ReconciliationRule, RuleOrigin
from reconciliation.registry import rule_kinds

FOLDER = "budgets"


def delete_stale(queryset: models.QuerySet, reason: str) -> None:
    """Delete what the folder no longer holds, one object at a time so each history row has ``reason``.

    (Rows deleted with them by cascade get their history row without it.)
    """
    for obj in queryset:
        obj._change_reason = reason
        obj.delete()


@dataclass
class ParsedCell:
    text: str
    value: Decimal | None
    marker: str


@dataclass
class LoadedTable:
    table: BudgetTable
    spec: dict[str, Any]
    path: Path
    columns: list[BudgetColumn] = field(default_factory=list)
    rows: list[BudgetRow] = field(default_factory=list)
    cells: dict[tuple[int, str], ParsedCell] = field(default_factory=dict)
    facts: dict[tuple[int, str], BudgetFact] = field(default_factory=dict)


def parse_cell(text: str, decimal_separator: str, path: Path, where: str) -> ParsedCell:
    """Read a cell as printed; the table's (or row's) decimal separator settles only ambiguous amounts."""
    try:
        try:
            parsed = parse_amount(text)
        except AmbiguousNumberError:
            parsed = parse_amount(text, decimal_separator=decimal_separator)
    except NumberFormatError as exc:
        raise FixtureError(path, where, f"expected an amount or a marker (-, --, n.a.), got {exc}") from None
    return ParsedCell(text=text, value=parsed.value, marker=parsed.marker)


def _require(spec: dict, key: str, path: Path, where: str) -> Any:
    try:
        return spec[key]
    except (KeyError, TypeError):
        raise FixtureError(path, where, f"missing {key!r}") from None


def _component(ctx: LoadContext, code: str | None, path: Path, where: str):
    if code is None:
        return None
    try:
        return ctx.components[str(code)]
    except KeyError:
        raise FixtureError(
            path, where, f"unknown component {code!r}; expected one of {sorted(ctx.components)}"
        ) from None


def _rate(ctx: LoadContext, code: str | None, path: Path, where: str):
    if not code:
        return None
    try:
        return ctx.rates[code]
    except KeyError:
        raise FixtureError(path, where, f"unknown exchange rate {code!r}") from None


def _one_of(value: Any, allowed: list, path: Path, where: str) -> Any:
    if value not in allowed:
        raise FixtureError(path, where, f"expected one of {allowed}, got {value!r}")
    return value


def _currency(value: str, path: Path, where: str) -> str:
    return _one_of(value, list(settings.CURRENCIES), path, where)


def _choice(value: str, choices: type[models.TextChoices], path: Path, where: str) -> str:
    if value not in choices.values:
        raise FixtureError(path, where, f"expected one of {', '.join(choices.values)}, got {value!r}")
    return value


def load_table(ctx: LoadContext, path: Path, spec: dict[str, Any], order: int) -> LoadedTable:
    code = _require(spec, "code", path, "table")
    where = f"table {code}"
    table, changed = upsert(
        BudgetTable,
        {"programme": ctx.programme, "code": code},
        {
            "title": _require(spec, "title", path, where),
            "title_en": spec.get("title_en", ""),
            "component": _component(ctx, spec.get("component"), path, where),
            "document": ctx.document(_require(spec, "document", path, where), where),
            "title_line": int(_require(spec, "title_line", path, where)),
            "first_line": int(_require(spec, "first_line", path, where)),
            "last_line": int(_require(spec, "last_line", path, where)),
            "layout": _choice(spec.get("layout", TableLayout.GRID), TableLayout, path, where),
            "decimal_separator": _one_of(
                _require(spec, "decimal_separator", path, where), [".", ","], path, where
            ),
            "currency": _currency(_require(spec, "currency", path, where), path, where),
            "rate": _rate(ctx, spec.get("rate"), path, where),
            "notes": spec.get("notes") or [],
            "in_overview": bool(spec.get("overview", False)),
            "reporting_basis": bool(spec.get("reporting_basis", False)),
            "concept": spec.get("concept") or "",
            "order": int(spec.get("order", order)),
        },
        reason=ctx.change_reason,
    )
    ctx.count("budget table", changed)
    loaded = LoadedTable(table=table, spec=spec, path=path)
    table_partner = ctx.organisation(spec["partner"], where) if spec.get("partner") else None

    existing_columns = {c.key: c for c in table.columns.all()}
    for i, col in enumerate(_require(spec, "columns", path, where)):
        cwhere = f"{where}, column {i + 1}"
        key = _require(col, "key", path, cwhere)
        period = col.get("period") or {}
        column, changed = upsert(
            BudgetColumn,
            {"table": table, "key": key},
            {
                "header": _require(col, "header", path, cwhere),
                "order": i,
                "currency": _currency(col.get("currency", table.currency), path, cwhere),
                "figure": _choice(_require(col, "figure", path, cwhere), FigureKind, path, cwhere),
                "is_total": bool(col.get("total", False)),
                "detail_of": col.get("detail_of", ""),
                "concept": col.get("concept") or "",
                "compare_as": _choice(col["compare_as"], FigureKind, path, cwhere)
                if col.get("compare_as")
                else "",
                "partner": ctx.organisation(col["partner"], cwhere) if col.get("partner") else None,
                "period_label": period.get("label", ""),
                "period_start": parse_date(period.get("start"), cwhere, path),
                "period_end": parse_date(period.get("end"), cwhere, path),
            },
            existing_columns,
            key,
            reason=ctx.change_reason,
        )
        ctx.count("budget column", changed)
        loaded.columns.append(column)
    keys = {c.key for c in loaded.columns}
    for i, column in enumerate(loaded.columns):
        if column.detail_of and (column.detail_of not in keys or column.detail_of == column.key):
            raise FixtureError(
                path,
                f"{where}, column {i + 1}",
                f"detail_of names {column.detail_of!r}, expected another column of this table: {sorted(keys)}",
            )
    delete_stale(table.columns.exclude(pk__in=[c.pk for c in loaded.columns]), ctx.change_reason)

    rows_by_line: dict[int, BudgetRow] = {}
    row_specs = _require(spec, "rows", path, where)
    existing_rows = {r.line: r for r in table.rows.all()}
    categories = bool(spec.get("rows_are_cost_categories", False))
    # Parents and sections are named by line and may be printed after their members (a subtotal
    # below its items), so rows are created first and linked in a second pass.
    for i, rs in enumerate(row_specs):
        line = int(_require(rs, "line", path, f"{where}, row {i + 1}"))
        rwhere = f"{where}, row at line {line}"
        if not table.first_line <= line <= table.last_line:
            raise FixtureError(path, rwhere, f"line outside the table ({table.first_line}–{table.last_line})")
        label = _require(rs, "label", path, rwhere)
        role = _choice(rs.get("role", RowRole.ITEM), RowRole, path, rwhere)
        row, changed = upsert(
            BudgetRow,
            {"table": table, "line": line},
            {
                "label": label,
                "order": i,
                "role": role,
                "result": rs.get("result", ""),
                "concept": rs.get("concept") or "",
                "cost_category": rs.get("category", label if categories and role != RowRole.HEADING else ""),
            },
            existing_rows,
            line,
            reason=ctx.change_reason,
        )
        ctx.count("budget row", changed)
        rows_by_line[line] = row
        loaded.rows.append(row)
    delete_stale(table.rows.exclude(pk__in=[r.pk for r in loaded.rows]), ctx.change_reason)

    specs_by_line = {row.line: rs for rs, row in zip(row_specs, loaded.rows, strict=True)}
    resolved: dict[int, tuple] = {}

    def resolve(row: BudgetRow, seen: tuple[int, ...] = ()) -> tuple:
        """(parent, section, partner, component) of ``row``; partner and component inherit from the section
        heading, else from the subtotal, else from the table, whichever line they are printed on."""
        if row.line in resolved:
            return resolved[row.line]
        rs, rwhere = specs_by_line[row.line], f"{where}, row at line {row.line}"
        if row.line in seen:
            raise FixtureError(path, rwhere, "parent or section refers back to the row itself")
        links = {}
        for name in ("parent", "section"):
            target = rs.get(name)
            if target is not None and int(target) not in rows_by_line:
                raise FixtureError(path, rwhere, f"{name} {target} is not a row of this table")
            links[name] = rows_by_line[int(target)] if target is not None else None
        inherited = links["section"] or links["parent"]
        inherited_partner, inherited_component = (
            resolve(inherited, (*seen, row.line))[2:] if inherited else (table_partner, table.component)
        )
        if "partner" in rs:
            partner = ctx.organisation(rs["partner"], rwhere) if rs["partner"] else None
        else:
            partner = inherited_partner
        component = (
            _component(ctx, rs["component"], path, rwhere) if "component" in rs else inherited_component
        )
        resolved[row.line] = (links["parent"], links["section"], partner, component)
        return resolved[row.line]

    for row in loaded.rows:
        parent, section, partner, component = resolve(row)
        upsert(
            BudgetRow,
            {"table": table, "line": row.line},
            {"parent": parent, "section": section, "partner": partner, "component": component},
            rows_by_line,
            row.line,
            reason=ctx.change_reason,
        )

    new_facts: list[BudgetFact] = []
    existing_facts = {(f.row_id, f.column_id): f for f in table.facts.all()}
    for rs, row in zip(row_specs, loaded.rows, strict=True):
        cells = rs.get("cells") or []
        if cells and len(cells) != len(loaded.columns):
            raise FixtureError(
                path,
                f"{where}, row at line {row.line} ({row.label!r})",
                f"expected {len(loaded.columns)} cells (one per column, '' when blank), got {len(cells)}",
            )
        separator = _one_of(
            rs.get("decimal_separator", table.decimal_separator),
            [".", ","],
            path,
            f"{where}, row at line {row.line}",
        )
        for column, text in zip(loaded.columns, cells, strict=False):
            text = "" if text is None else str(text)
            if text.strip() == "":
                continue  # a blank cell states nothing; the table view shows it blank
            cwhere = f"{where}, row at line {row.line} ({row.label!r}), column {column.header!r}"
            cell = parse_cell(text, separator, path, cwhere)
            loaded.cells[(row.line, column.key)] = cell
            fact, changed = upsert(
                BudgetFact,
                {"row": row, "column": column},
                {
                    **BudgetFact.placement(table, row, column),
                    "amount": Money(cell.value, column.currency) if cell.value is not None else None,
                    "text": text,
                    "marker": cell.marker if cell.value is None else "",
                },
                existing_facts,
                (row.pk, column.pk),
                new_facts,
                reason=ctx.change_reason,
            )
            ctx.count("budget fact", changed)
            fact.budget_table, fact.row, fact.column = table, row, column  # cached for the rules, not saved
            loaded.facts[(row.line, column.key)] = fact
    create_pending(BudgetFact, new_facts, reason=ctx.change_reason)
    delete_stale(table.facts.exclude(pk__in=[f.pk for f in loaded.facts.values()]), ctx.change_reason)
    return loaded


def _link(fact: BudgetFact, other: BudgetFact, rate) -> bool:
    if fact.counterpart_id == other.pk and fact.rate_id == (rate.pk if rate else None):
        return False
    fact.counterpart, fact.rate = other, rate
    return True


def link_counterparts(
    tables: dict[str, LoadedTable], *, reason: str = ""
) -> list[tuple[BudgetFact, BudgetFact, Any]]:
    """Link each CHF figure to the same figure in US$ (``pairs`` of columns, or a ``counterpart_table``)."""
    pairs = []
    for loaded in tables.values():
        spec, table = loaded.spec, loaded.table
        for chf_key, usd_key in spec.get("pairs") or []:
            for row in loaded.rows:
                a, b = loaded.facts.get((row.line, chf_key)), loaded.facts.get((row.line, usd_key))
                if a and b:
                    pairs.append((a, b, table.rate))
        other_code = spec.get("counterpart_table")
        if other_code:
            other = tables.get(other_code)
            if other is None:
                raise FixtureError(
                    loaded.path, f"table {table.code}", f"unknown counterpart_table {other_code!r}"
                )
            if len(other.rows) != len(loaded.rows):
                raise FixtureError(
                    loaded.path,
                    f"table {table.code}",
                    f"expected as many rows as {other_code} ({len(other.rows)}), got {len(loaded.rows)}",
                )
            for row, other_row in zip(loaded.rows, other.rows, strict=True):
                for column in loaded.columns:
                    a = other.facts.get((other_row.line, column.key))
                    b = loaded.facts.get((row.line, column.key))
                    if a and b:
                        pairs.append((a, b, table.rate))
    changed = [fact for a, b, rate in pairs for fact, other in ((a, b), (b, a)) if _link(fact, other, rate)]
    if changed:
        # A fact may be the counterpart another fact leaves in this same update: unlink first, then link.
        links = {f.pk: (f.counterpart, f.rate) for f in changed}
        BudgetFact.objects.filter(pk__in=links).update(counterpart=None)
        for fact in changed:
            fact.counterpart, fact.rate = links[fact.pk]
        bulk_update_with_history(
            changed, BudgetFact, ["counterpart", "rate"], batch_size=500, default_change_reason=reason or None
        )
    return pairs


def _table_of(ctx: LoadContext, code: str | None, path: Path, where: str) -> BudgetTable | None:
    if not code:
        return None
    table = BudgetTable.objects.filter(programme=ctx.programme, code=code).first()
    if table is None:
        raise FixtureError(path, where, f"unknown table {code!r}")
    return table


def save_rules(ctx: LoadContext, rules: list[StructuralRule]) -> list[int]:
    saved, new = [], []
    existing = {r.code: r for r in ReconciliationRule.objects.filter(programme=ctx.programme)}
    for rule in rules:
        obj, created = upsert(
            ReconciliationRule,
            {"programme": ctx.programme, "code": rule.code},
            {
                "kind": rule.kind,
                "description": rule.description,
                "description_en": rule.description_en,
                "params": rule.params,
                **ReconciliationRule.about(rule.table),
                "origin": RuleOrigin.LOADER,
            },
            existing,
            rule.code,
            new,
            reason=ctx.change_reason,
        )
        ctx.count("reconciliation rule", created)
        saved.append(obj)
    create_pending(ReconciliationRule, new, reason=ctx.change_reason)
    return [obj.pk for obj in saved]


def load_concepts(ctx: LoadContext, files: list, tables: dict[str, LoadedTable]) -> None:
    """The programme's concepts (code, name in Spanish and English); every concept a table, column or row
    names must be one of them, so a misspelt concept is refused rather than compared with nothing."""
    kept = []
    for path, data in files:
        for i, spec in enumerate(data["concepts"] or []):
            where = f"concepts[{i}]"
            concept, changed = upsert(
                Concept,
                {"programme": ctx.programme, "code": _require(spec, "code", path, where)},
                {"label": _require(spec, "label", path, where), "label_en": spec.get("label_en", "")},
                reason=ctx.change_reason,
            )
            ctx.count("concept", changed)
            kept.append(concept.code)
    delete_stale(Concept.objects.filter(programme=ctx.programme).exclude(code__in=kept), ctx.change_reason)
    for loaded in tables.values():
        named = [
            (loaded.table.concept, "table"),
            *((c.concept, f"column {c.key}") for c in loaded.columns),
            *((r.concept, f"row at line {r.line}") for r in loaded.rows),
        ]
        for code, where in named:
            if code and code not in kept:
                raise FixtureError(
                    loaded.path,
                    f"table {loaded.table.code}, {where}",
                    f"unknown concept {code!r}; expected one of {sorted(kept)} (budgets/concepts.yaml)",
                )


def load(ctx: LoadContext) -> None:
    folder = ctx.folder / FOLDER
    if ctx.programme is None or not folder.is_dir():
        return
    tables: dict[str, LoadedTable] = {}
    rule_files, concept_files = [], []
    for order, path in enumerate(sorted(folder.glob("*.yaml")), start=1):
        data = ctx.read_yaml(f"{FOLDER}/{path.name}")
        if not isinstance(data, dict):
            raise FixtureError(path, "file", "expected a mapping (a table or a list of rules)")
        if "rules" in data:
            rule_files.append((path, data))
            continue
        if "concepts" in data:
            concept_files.append((path, data))
            continue
        loaded = load_table(ctx, path, data, order)
        if loaded.table.code in tables:
            raise FixtureError(path, f"table {loaded.table.code}", "code already used by another file")
        tables[loaded.table.code] = loaded
    delete_stale(
        BudgetTable.objects.filter(programme=ctx.programme).exclude(code__in=tables), ctx.change_reason
    )

    load_concepts(ctx, concept_files, tables)
    pairs = link_counterparts(tables, reason=ctx.change_reason)
    rules = structural_rules(tables.values(), pairs)
    known_kinds = rule_kinds()
    for path, data in rule_files:
        for i, spec in enumerate(data["rules"] or []):
            where = f"rules[{i}]"
            kind = _require(spec, "kind", path, where)
            if kind not in known_kinds:
                raise FixtureError(
                    path, where, f"unknown rule kind {kind!r}; expected one of {sorted(known_kinds)}"
                )
            rules.append(
                StructuralRule(
                    code=_require(spec, "code", path, where),
                    kind=kind,
                    description=_require(spec, "description", path, where),
                    description_en=spec.get("description_en", ""),
                    params=_require(spec, "params", path, where),
                    table=_table_of(ctx, spec.get("table"), path, where),
                )
            )
    duplicates = sorted(code for code, n in Counter(r.code for r in rules).items() if n > 1)
    if duplicates:
        raise FixtureError(folder, "rules", f"rule codes used twice: {', '.join(duplicates)}")
    kept = save_rules(ctx, rules)
    # Other apps' loaders create rules of their own kinds: only stale rules of budgets' kinds are removed.
    delete_stale(
        ReconciliationRule.objects.filter(
            programme=ctx.programme, origin=RuleOrigin.LOADER, kind__in=BUDGET_RULE_KINDS
        ).exclude(pk__in=kept),
        ctx.change_reason,
    )
