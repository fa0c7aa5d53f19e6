"""Checks derived from what each figure means, not written per pair of cells.

A budget figure carries its dimensions (:meth:`budgets.models.BudgetFact.placement`): the concept it is
(a SECO contribution, a counterpart, international technical assistance…), the partner, the kind of
figure, the period, the currency and, below a table's total, the result or cost category it is for. The
transcription says them once per table, column or row (``concept``, and ``compare_as`` for a column that
prints another word for the same kind of figure).

Wherever two tables state the figure of the same dimensions, they must state the same amount: one
derived rule per programme (``same_dimensions``) compares every such pair, for any programme, loaded or
imported, with no rule written by hand. Per table and dimensions the figure is the one printed at the
highest level (a total before its subtotals and items); where a table prints only items of those
dimensions (a block without a subtotal), their sum. A figure stated in one currency in one table and
only in the other currency in another is compared at the rate either table states; when its digits are
another table's figure in the other currency, the finding quantifies the conversion difference.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop
from djmoney.money import Money

from budgets.models import BudgetFact, Concept, FigureKind, RowRole
from budgets.rules import printed_places
from core import tolerance
from core.money import convert
from reconciliation.models import ReconciliationRule
from reconciliation.registry import Figure, Message, Outcome, Text, register_programme_rule

KIND = "same_dimensions"
RULE_CODE = "dimensions:same-figure"
LEVELS = {RowRole.ITEM: 0, RowRole.SUBTOTAL: 1, RowRole.TOTAL: 2}


@dataclass
class Stated:
    """One table's figure for one set of dimensions: a printed cell, or the sum of a block of items."""

    table: str
    title: Text
    order: int
    rate_id: int | None
    lines: list[int]
    amount: Decimal
    currency: str
    places: list[int] = field(default_factory=list)  # printed decimals of each cell it adds up
    # Its items per component (line/project/subproject code): amount, lines, printed decimals.
    components: dict[str, tuple[Decimal, list[int], list[int]]] = field(default_factory=dict)
    period_label: str = ""  # the period as this table prints it

    @property
    def is_block(self) -> bool:
        return len(self.lines) > 1


def _key(row) -> tuple:
    """The dimensions two tables must share to state the same figure (the currency apart)."""
    (concept, figure, compare_as, partner, start, end, result, category, role) = row
    below_total = role != RowRole.TOTAL  # a total row's label is no category or result
    return (
        concept,
        compare_as or figure,
        partner or "",
        start,
        end,
        result if below_total else "",
        category if below_total else "",
    )


def stated_figures(programme) -> dict[tuple, dict[str, dict[str, Stated]]]:
    """Per dimensions, per currency, per table: the figure the table states (one query)."""
    rows = (
        BudgetFact.objects.filter(programme=programme, amount__isnull=False, column__detail_of="")
        .exclude(concept="")
        .values_list(
            "concept",
            "figure",
            "column__compare_as",
            "partner__acronym",
            "period_start",
            "period_end",
            "result",
            "cost_category",
            "row__role",
            "budget_table__code",
            "budget_table__title",
            "budget_table__title_en",
            "budget_table__order",
            "budget_table__rate_id",
            "line",
            "amount",
            "amount_currency",
            "text",
            "component__code",
            "period_label",
        )
    )
    cells: dict[tuple, dict[str, dict[str, list]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    tables: dict[str, tuple] = {}
    labels: dict[tuple, str] = {}
    for row in rows:
        *dims, code, title, title_en, order, rate_id, line, amount, currency, text, component, label = row
        level = LEVELS.get(dims[-1], 0)
        if not dims[3] and level == LEVELS[RowRole.ITEM]:
            continue  # an item naming no partner is nobody's in particular, not the table's total
        tables[code] = (Text(title, title_en), order, rate_id)
        labels.setdefault((_key(dims), code), label)
        cells[_key(dims)][currency][code].append((level, line, amount, text, component or ""))
    stated: dict[tuple, dict[str, dict[str, Stated]]] = defaultdict(lambda: defaultdict(dict))
    for key, by_currency in cells.items():
        for currency, by_table in by_currency.items():
            for code, found in by_table.items():
                top = max(level for level, *_rest in found)
                printed = [f for f in found if f[0] == top]
                if len(printed) > 1 and top > LEVELS[RowRole.ITEM]:
                    continue  # two totals of the same dimensions in one table: which one is meant is unclear
                components: dict[str, tuple[Decimal, list[int], list[int]]] = {}
                for level, line, amount, text, component in found:
                    if level == LEVELS[RowRole.ITEM] and component:
                        total, lines, places = components.get(component, (Decimal(0), [], []))
                        components[component] = (
                            total + amount,
                            [*lines, line],
                            [*places, printed_places(text)],
                        )
                title, order, rate_id = tables[code]
                stated[key][currency][code] = Stated(
                    code,
                    title,
                    order,
                    rate_id,
                    sorted(line for _l, line, *_rest in printed),
                    sum((amount for _l, _line, amount, *_rest in printed), Decimal(0)),
                    currency,
                    [printed_places(text) for _l, _line, _a, text, _c in printed],
                    components,
                    labels.get((key, code), ""),
                )
    return stated


def _bilingual(label) -> Text:
    with translation.override("es"):
        spanish = str(label).lower()
    with translation.override("en"):
        return Text(spanish, str(label).lower())


def _describe(key: tuple, names: dict[str, Text], stated: Stated) -> dict:
    """The dimensions in words; the period as the reference table prints it (its dates where it prints none)."""
    concept, figure, partner, start, end, result, category = key
    return {
        "concept": names.get(concept, concept),
        "figure": _bilingual(FigureKind(figure).label) if figure in FigureKind.values else figure,
        "partner": partner or "—",
        "period": f"«{stated.period_label}»" if stated.period_label else f"{start or '…'} – {end or '…'}",
        "detail": f" ({result or category})" if result or category else "",
    }


def _where(stated: Stated) -> Message:
    if stated.is_block:
        return Message(
            gettext_noop("the sum of lines %(lines)s (no subtotal printed)"),
            {"lines": ", ".join(map(str, stated.lines))},
        )
    return Message(gettext_noop("line %(line)s"), {"line": stated.lines[0]})


def _same_currency(key, names, first: Stated, other: Stated, partner: str) -> Outcome:
    return Outcome(
        other.amount,
        first.amount,
        other.currency,
        sorted({*first.lines, *other.lines}),
        other.title.source,
        Message(
            gettext_noop(
                "Both tables state %(concept)s, %(figure)s, of %(partner)s for %(period)s%(detail)s: "
                "%(other)s (%(ow)s, %(ot)s) against %(first)s (%(fw)s, %(ft)s)."
            ),
            {
                **_describe(key, names, first),
                "other": Figure(other.amount, other.currency),
                "ow": _where(other),
                "ot": other.title,
                "first": Figure(first.amount, first.currency),
                "fw": _where(first),
                "ft": first.title,
            },
        ),
        key=f"{other.table}|{first.table}|{'/'.join(map(str, key))}|{other.currency}",
        partner=partner,
        tolerance=tolerance.rounded_sum([*first.places, *other.places])
        if first.is_block or other.is_block
        else tolerance.copy(*first.places, *other.places),
    )


def _other_currency(key, names, first: Stated, other: Stated, rate, partner: str) -> Outcome:
    """``other`` (one currency) against ``first`` (the other) converted at ``rate``."""
    converted = convert(Money(first.amount, first.currency), rate=rate, places=2).amount
    same_digits = first.amount == other.amount
    message = (
        gettext_noop(
            "%(first)s (%(fw)s, %(ft)s) is printed as %(other)s (%(ow)s, %(ot)s); at the rate %(rate)s "
            "%(first)s is %(converted)s: %(concept)s, %(figure)s, of %(partner)s for %(period)s."
        )
        if same_digits
        else gettext_noop(
            "%(concept)s, %(figure)s, of %(partner)s for %(period)s%(detail)s: %(other)s (%(ow)s, "
            "%(ot)s) against %(first)s (%(fw)s, %(ft)s), which is %(converted)s at the rate %(rate)s."
        )
    )
    return Outcome(
        other.amount,
        converted,
        other.currency,
        sorted({*first.lines, *other.lines, *([rate.line] if rate.line else [])}),
        other.title.source,
        Message(
            message,
            {
                **_describe(key, names, first),
                "first": Figure(first.amount, first.currency),
                "fw": _where(first),
                "ft": first.title,
                "other": Figure(other.amount, other.currency),
                "ow": _where(other),
                "ot": other.title,
                "rate": rate,
                "converted": Figure(converted, other.currency),
            },
        ),
        key=f"{other.table}|{first.table}|{'/'.join(map(str, key))}|{first.currency}>{other.currency}",
        partner=partner,
        tolerance=tolerance.conversion(
            first.amount,
            first.currency,
            rate=rate,
            amount_places=max(first.places, default=0),
            printed_places=max(other.places, default=0),
            recomputed_places=2,
        ),
    )


def _shares(stated: Stated) -> dict[str, Decimal]:
    return {component: amount for component, (amount, _l, _p) in stated.components.items() if amount}


def _split_words(stated: Stated) -> list[Message]:
    return [
        Message(
            gettext_noop("%(component)s: %(amount)s (line %(lines)s)")
            if len(lines) == 1
            else gettext_noop("%(component)s: %(amount)s (lines %(lines)s)"),
            {
                "component": component,
                "amount": Figure(amount, stated.currency),
                "lines": ", ".join(map(str, lines)),
            },
        )
        for component, (amount, lines, _places) in sorted(stated.components.items())
    ]


def _split(key, names, first: Stated, other: Stated, partner: str) -> Outcome:
    """``other`` puts the amount of ``first`` under other components: compared in the first component
    where the two differ (the other components differ by the same amount, the other way)."""
    ours, theirs = _shares(other), _shares(first)
    differing = [c for c in sorted({*ours, *theirs}) if ours.get(c, 0) != theirs.get(c, 0)]
    component = next((c for c in differing if c in ours), differing[0])
    lines = [
        line
        for s in (first, other)
        for _a, component_lines, _p in s.components.values()
        for line in component_lines
    ]
    return Outcome(
        ours.get(component, Decimal(0)),
        theirs.get(component, Decimal(0)),
        other.currency,
        sorted(set(lines)),
        other.title.source,
        Message(
            gettext_noop(
                "%(concept)s, %(figure)s, of %(partner)s for %(period)s: the same %(amount)s, split differently "
                "between components. «%(ot)s»: %(other)s. «%(ft)s»: %(first)s. The tables' subtotals per "
                "component differ by as much."
            ),
            {
                **_describe(key, names, first),
                "amount": Figure(first.amount, first.currency),
                "ot": other.title,
                "ft": first.title,
                "other": _split_words(other),
                "first": _split_words(first),
            },
        ),
        key=f"{other.table}|{first.table}|{'/'.join(map(str, key))}|{other.currency}|split",
        partner=partner,
        tolerance=tolerance.copy(*first.places, *other.places),
    )


def _rate_between(ctx, a: Stated, b: Stated, currencies: set[str]):
    for stated in (b, a):
        rate = ctx.rates_by_id.get(stated.rate_id)
        if rate is not None and {rate.base_currency, rate.quote_currency} == currencies:
            return rate
    return None


def evaluate_same_dimensions(rule: ReconciliationRule, ctx) -> list[Outcome]:
    outcomes: list[Outcome] = []
    names = {
        code: Text(label, label_en)
        for code, label, label_en in Concept.objects.filter(programme=ctx.programme).values_list(
            "code", "label", "label_en"
        )
    }
    for key, by_currency in sorted(stated_figures(ctx.programme).items(), key=lambda item: str(item[0])):
        partner = key[2]
        # The same figure in the same currency, table against table (the first printed is the reference).
        for by_table in by_currency.values():
            ordered = sorted(by_table.values(), key=lambda s: (s.order, s.table))
            outcomes += [_same_currency(key, names, ordered[0], other, partner) for other in ordered[1:]]
            # The same amount, split between components (subprojects) differently: the components'
            # subtotals of the two tables then differ by what one puts under another component.
            split = [s for s in ordered if s.components]
            outcomes += [
                _split(key, names, split[0], other, partner)
                for other in split[1:]
                if other.amount == split[0].amount and _shares(other) != _shares(split[0])
            ]
        # A table stating it only in another currency, against the reference in the currency of the first
        # table that states it, converted at the rate either of the two tables states.
        references = {c: min(t.values(), key=lambda s: (s.order, s.table)) for c, t in by_currency.items()}
        primary = min(references.values(), key=lambda s: (s.order, s.table))
        stating = set(by_currency[primary.currency])
        for currency, by_table in by_currency.items():
            if currency == primary.currency:
                continue
            for other in sorted(by_table.values(), key=lambda s: (s.order, s.table)):
                if other.table in stating:
                    continue  # checked against the reference in the shared currency
                rate = _rate_between(ctx, primary, other, {primary.currency, currency})
                if rate is not None:  # else no stated rate: the implied-rate checks read these tables
                    outcomes.append(_other_currency(key, names, primary, other, rate, partner))
    return outcomes


def register(budget_kind) -> None:
    budget_kind(KIND, gettext_lazy("The same figure, by its dimensions, in every table that states it"))(
        evaluate_same_dimensions
    )
    register_programme_rule(
        RULE_CODE,
        KIND,
        description="Dos cuadros que indican la cifra de las mismas dimensiones (concepto, socio, tipo de cifra, "
        "período, moneda, resultado o rubro) indican el mismo monto, en la otra moneda al tipo de cambio que uno "
        "de ellos indica, y la reparten igual entre componentes.",
        description_en="Two tables stating the figure of the same dimensions (concept, partner, kind of figure, "
        "period, currency, result or cost category) state the same amount, in the other currency at the "
        "exchange rate one of them states, and split it alike between components.",
    )
