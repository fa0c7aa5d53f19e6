"""What the budget pages show, computed for one reader: a table as printed with its flagged cells, and
the overview per component and partner. Scoped by the reader; the queries do not grow with the rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from djmoney.money import Money

from agreements import access
from budgets.models import BudgetColumn, BudgetFact, BudgetTable, FigureKind, RowRole
from budgets.querysets import totals_by_currency
from reconciliation.cells import parse_ref
from reconciliation.models import DIFFERING, Finding

OVERVIEW_FIGURES = [
    FigureKind.PLANNED,
    FigureKind.TOTAL_PHASE,
    FigureKind.EXECUTED,
    FigureKind.ESTIMATED,
    FigureKind.AVAILABLE,
    FigureKind.REQUESTED,
    FigureKind.ADDITIONAL_REQUIRED,
]
OVERVIEW_CURRENCIES = ["CHF", "USD"]


@dataclass
class TableGrid:
    columns: list[BudgetColumn]
    rows: list[dict[str, Any]]
    findings: list[Finding]


def flagged_cells(finding: Finding) -> list[str]:
    """The cell a finding flags as differing: the stated total, the converted figure, or the cell named by
    its key. A check that could not be made (an unstated term) or an observation flags none: it has no
    recomputed figure to put beside the cell."""
    if finding.severity not in DIFFERING:
        return []
    params = finding.rule.params or {}
    if finding.key.count("/") == 2:
        return [finding.key]
    for name in ("total", "to", "cell"):
        if isinstance(params.get(name), str):
            return [params[name]]
    return []


def table_grid(*, table: BudgetTable, user) -> TableGrid | None:
    """Rows × columns of ``table`` with the facts ``user`` may read; ``None`` if a partner may read none."""
    facts = list(
        BudgetFact.objects.for_user(user)
        .filter(budget_table=table)
        .only("row_id", "column_id", "amount", "amount_currency", "text", "marker", "line")
    )
    whole = access.reads_whole(user, table.programme_id)
    if not facts and not whole:
        return None
    columns = list(table.columns.all())
    findings = (
        Finding.objects.for_user(user)
        .current()
        .filter(rule__budget_table=table)
        .select_related("rule")
        .only(
            "severity",
            "recomputed",
            "stated",
            "currency",
            "message",
            "message_data",
            "key",
            "rule__params",
            "rule__code",
            "rule__description",
            "rule__description_en",
        )
    )
    flags: dict[tuple[int, str], Finding] = {}
    for finding in findings:
        for reference in flagged_cells(finding):
            _sign, code, line, column = parse_ref(reference)
            if code == table.code:
                flags.setdefault((line, column), finding)
    by_cell = {(f.row_id, f.column_id): f for f in facts}
    visible_rows = {f.row_id for f in facts}
    rows = []
    for row in table.rows.all():
        if not whole and row.pk not in visible_rows and row.role != RowRole.HEADING:
            continue
        rows.append(
            {
                "row": row,
                "cells": [
                    {"fact": by_cell.get((row.pk, c.pk)), "finding": flags.get((row.line, c.key))}
                    for c in columns
                ],
            }
        )
    # Every current finding of the table's rules is listed, also those whose cell shares another's flag
    # (a total checked across its row and down its column) or that name no cell.
    return TableGrid(columns, rows, sorted(findings, key=lambda f: (f.rule.code, f.key)))


def figures_of_record(facts: QuerySet, *group: str) -> list[dict]:
    """The figures as printed that stand for a whole table: per ``group`` fields, figure and currency,
    the grand totals of the tables of ``facts`` (their TOTAL rows that no other row contains), from the
    row-total column where the table has one for that figure and currency, else from every column of
    that figure; with the cells (``table/line/column``) they come from. One query; added as Decimal.

    The one meaning of a headline amount (dashboards, portfolio, overview): what the table of record
    prints, not a sum pcc makes of its rows (the reconciliation recomputes those, and says where they
    differ).
    """
    cells = list(
        facts.filter(
            row__role=RowRole.TOTAL, row__parent__isnull=True, column__detail_of="", amount__isnull=False
        )
        .order_by()
        .values_list(
            *group,
            "budget_table_id",
            "budget_table__code",
            "line",
            "column__key",
            "column__is_total",
            "figure",
            "amount_currency",
            "amount",
        )
    )
    n = len(group)
    has_total_column = {(c[n], c[n + 5], c[n + 6]) for c in cells if c[n + 4]}
    totals: dict[tuple, dict] = {}
    for cell in cells:
        keys = cell[:n]
        table_id, code, line, column, is_total, figure, currency, amount = cell[n:]
        if (table_id, figure, currency) in has_total_column and not is_total:
            continue
        entry = totals.setdefault(
            (*keys, figure, currency),
            {
                **dict(zip(group, keys, strict=True)),
                "figure": figure,
                "amount_currency": currency,
                "total": Decimal(0),
                "cells": [],
            },
        )
        entry["total"] += amount
        entry["cells"].append(f"{code}/{line}/{column}")
    return [totals[key] for key in sorted(totals, key=lambda k: tuple(str(v) for v in k))]


def findings_on(findings, cells: list[str]) -> list[Finding]:
    """The findings among ``findings`` that flag one of ``cells`` (see :func:`flagged_cells`)."""
    wanted = set(cells)
    return [f for f in findings if wanted.intersection(flagged_cells(f))]


@dataclass
class Overview:
    figures: list[tuple[str, Any]] = field(default_factory=list)  # (kind, label)
    rows: list[dict[str, Any]] = field(default_factory=list)
    component_rows: list[dict[str, Any]] = field(default_factory=list)
    programme_row: list[list[Money | None]] = field(default_factory=list)
    printed_row: list[list[Money | None]] = field(default_factory=list)  # the tables' TOTAL rows


def _cells(values: dict[tuple[str, str], Decimal], figures: list[str]) -> list[list[Money | None]]:
    return [
        [Money(values[(f, c)], c) if (f, c) in values else None for c in OVERVIEW_CURRENCIES] for f in figures
    ]


def budget_overview(*, programme, user) -> Overview:
    """Per component and partner, each kind of figure per currency as printed (CHF with US$ beside),
    from the tables marked ``in_overview`` only, so that no figure counts twice; their sum, and the
    tables' own printed totals (the headline figures) below. Two queries."""
    of_programme = (
        BudgetFact.objects.for_user(user).of_programme(programme).filter(figure__in=OVERVIEW_FIGURES)
    )
    facts = of_programme.counted()
    printed = {
        (t["figure"], t["amount_currency"]): t["total"]
        for t in figures_of_record(of_programme.filter(budget_table__in_overview=True))
    }
    totals = totals_by_currency(facts, "component__code", "partner__acronym", "figure")
    figures = [f for f in OVERVIEW_FIGURES if any(t["figure"] == f for t in totals)]
    groups: dict[tuple[str, str], dict[tuple[str, str], Decimal]] = defaultdict(dict)
    by_component: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    programme_totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for t in totals:
        component, partner = t["component__code"] or "", t["partner__acronym"] or ""
        key = (t["figure"], t["amount_currency"])
        groups[(component, partner)][key] = t["total"]
        by_component[component][key] += t["total"]
        programme_totals[key] += t["total"]
    return Overview(
        figures=[(f, FigureKind(f).label) for f in figures],
        rows=[
            {
                "component": component,
                "partner": partner,
                "cells": _cells(values, figures),
                "values": {k: Money(v, k[1]) for k, v in values.items()},
            }
            for (component, partner), values in sorted(groups.items())
        ],
        component_rows=[
            {"component": component, "cells": _cells(values, figures)}
            for component, values in sorted(by_component.items())
        ],
        programme_row=_cells(programme_totals, figures),
        printed_row=_cells(printed, figures),
    )


# Sections other apps add below the overview (an app above budgets, e.g. the money partners report):
# each a callable ``(programme=, user=, as_of=) -> (template name, value)`` registered in its
# ``AppConfig.ready()``; the overview includes the template with ``section`` set to the value.
_OVERVIEW_SECTIONS: list = []


def register_overview_section(section) -> None:
    if section not in _OVERVIEW_SECTIONS:
        _OVERVIEW_SECTIONS.append(section)


def overview_sections(*, programme, user, as_of) -> list[tuple[str, Any]]:
    return [section(programme=programme, user=user, as_of=as_of) for section in _OVERVIEW_SECTIONS]
