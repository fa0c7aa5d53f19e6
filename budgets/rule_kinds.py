"""The rule kinds of budgets: sums, conversions, the same figure in several tables, amounts quoted in the
text, the agreement's ceilings and result statements against the work plan (see :mod:`reconciliation`),
and the models whose changes make the findings be computed again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy, gettext_noop
from djmoney.money import Money

from agreements.models import Agreement, AgreementCeiling, Amendment, CeilingChange
from budgets.models import BudgetColumn, BudgetFact, BudgetRow, BudgetTable, Marker, RowRole
from budgets.rules import printed_places
from core import formatting, tolerance
from core.models import ExchangeRate
from core.money import convert, round_amount
from core.numbers import UNSTATED_MARKERS
from reconciliation.cells import parse_ref
from reconciliation.models import ReconciliationRule, Severity
from reconciliation.registry import (
    Figure,
    Message,
    Outcome,
    RuleError,
    RunContext,
    Text,
    register_rule_kind,
    register_subject,
)
from reconciliation.services import every_programme, through, watch

# The budgets loader owns (and may delete) loader rules of these kinds only; other apps load their own.
BUDGET_RULE_KINDS = frozenset(
    {
        "sum",
        "conversion",
        "same_figure",
        "same_table",
        "quoted_amount",
        "agreement_ceiling",
        "statement_vs_text",
        "row_labels",
        "stated_rates",
        "implied_rate",
    }
)


def _figure(cell) -> Figure | str:
    """A cell in a message: its amount in the reader's style, else its text as printed (``—`` if none)."""
    if cell is None:
        return "—"
    if cell.amount is None:
        return cell.text or "—"
    return Figure(cell.amount, cell.currency)


@dataclass
class Cell:
    """A fact as the engine reads it (no model instance per cell)."""

    ref: str
    table_title: Text  # the table's title in Spanish and English, shown in the reader's language
    line: int
    amount: Decimal | None
    currency: str
    text: str
    partner: str
    marker: str = ""  # budgets.models.Marker: what is printed instead of a number

    @property
    def states_something(self) -> bool:
        """A number or a printed marker (a dash, n.a.): not a blank cell."""
        return self.amount is not None or self.marker not in (Marker.NONE, Marker.BLANK)

    @property
    def value_or_zero(self) -> Decimal:
        return self.amount if self.amount is not None else Decimal(0)

    @property
    def places(self) -> int:
        """The decimals the amount is printed with (``2,690`` → 0, ``152.849,31`` → 2): its rounding."""
        return printed_places(self.text)


class BudgetFigures(RunContext):
    """What the budget kinds read, fetched once per reconciliation (the facts in one query)."""

    @cached_property
    def cells(self) -> dict[str, Cell]:
        rows = BudgetFact.objects.filter(programme=self.programme).values_list(
            "budget_table__code",
            "budget_table__title",
            "budget_table__title_en",
            "line",
            "column__key",
            "amount",
            "amount_currency",
            "text",
            "partner__acronym",
            "marker",
        )
        return {
            f"{code}/{line}/{key}": Cell(
                f"{code}/{line}/{key}",
                Text(title, title_en),
                line,
                amount,
                currency or "",
                text,
                partner or "",
                marker,
            )
            for code, title, title_en, line, key, amount, currency, text, partner, marker in rows
        }

    @cached_property
    def tables(self) -> dict[str, BudgetTable]:
        return {
            t.code: t
            for t in BudgetTable.objects.filter(programme=self.programme).prefetch_related("columns")
        }

    @cached_property
    def rates(self) -> dict:
        return {r.code: r for r in ExchangeRate.objects.all()}

    @cached_property
    def rows(self) -> dict[str, list[tuple[int, str, str, int | None]]]:
        """Per table, its rows in order: (line, label, role, section line)."""
        by_table: dict[str, list] = {}
        for code, line, label, role, section in (
            BudgetRow.objects.filter(table__programme=self.programme)
            .order_by("table__code", "order", "line")
            .values_list("table__code", "line", "label", "role", "section__line")
        ):
            by_table.setdefault(code, []).append((line, label, role, section))
        return by_table

    @cached_property
    def total_rows(self) -> set[tuple[str, int]]:
        """(table, line) of every subtotal and total row: a blank cell there is unstated, not nothing."""
        return {
            (code, line)
            for code, rows in self.rows.items()
            for line, _label, role, _section in rows
            if role in (RowRole.SUBTOTAL, RowRole.TOTAL)
        }

    @cached_property
    def lines_with_amounts(self) -> set[tuple[str, int]]:
        """(table, line) of every row that states at least one value (a number or a marker)."""
        return {(c.ref.split("/", 1)[0], c.line) for c in self.cells.values() if c.states_something}

    def where(self, reference: str) -> Message:
        """A cell's place for a message: its line and its column's header as printed."""
        _, code, line, key = parse_ref(reference)
        header = next((c.header for c in self.tables[code].columns.all() if c.key == key), key)
        return Message(gettext_noop("line %(line)s, “%(column)s”"), {"line": line, "column": header})

    def unstated(self, reference: str, cell: Cell | None) -> bool:
        """Whether the term at ``reference`` states no value: n.a./n.d., or a blank cell of a total row."""
        if cell is not None and cell.states_something:
            return cell.amount is None and cell.marker in UNSTATED_MARKERS
        _, code, line, _column = parse_ref(reference)
        return (code, line) in self.total_rows

    def cell(self, reference: str) -> Cell | None:
        """The cell at ``table/line/column``; ``None`` when the cell exists but is blank."""
        _, code, line, column = parse_ref(reference)
        if code not in self.tables:
            raise RuleError(
                Message(gettext_noop("Unknown table %(code)s in %(ref)s."), {"code": code, "ref": reference})
            )
        table = self.tables[code]
        if not table.first_line <= line <= table.last_line or column not in {
            c.key for c in table.columns.all()
        }:
            raise RuleError(Message(gettext_noop("No cell %(ref)s."), {"ref": reference}))
        return self.cells.get(f"{code}/{line}/{column}")

    def table_title(self, reference: str) -> str:
        return self.tables[parse_ref(reference)[1]].title

    @staticmethod
    def sum_tolerance(terms: list[Cell | None]) -> Decimal:
        """What a total may miss the sum of its printed terms by, each rounded on its own
        (:func:`core.tolerance.rounded_sum`): half a unit of each term, at least one unit of the
        currency; sixteen whole-dollar items (Línea 2's operating costs in US$, lines 1068–1084) may miss by 8."""
        return tolerance.rounded_sum(c.places for c in terms if c is not None and c.amount is not None)

    def rate_for(self, reference: str, *currencies: str):
        """The exchange rate the table of ``reference`` states, if it converts between ``currencies``."""
        rate = self.rates_by_id.get(self.tables[parse_ref(reference)[1]].rate_id)
        if rate is None or set(currencies) != {rate.base_currency, rate.quote_currency}:
            return None
        return rate

    @cached_property
    def agreements(self) -> dict[str, Agreement]:
        """The programme's agreements by code, with their ceilings and amendments (read once per run)."""
        return {
            a.code: a
            for a in Agreement.objects.filter(programme=self.programme).prefetch_related(
                "ceilings", "amendments__ceiling_changes"
            )
        }

    @cached_property
    def rates_by_id(self) -> dict:
        return {r.pk: r for r in self.rates.values()}


# The budgets kinds read the programme's cells, tables and rates once per run.
budget_kind = partial(register_rule_kind, context=BudgetFigures)


def _common_partner(cells: list[Cell | None]) -> str:
    partners = {c.partner for c in cells if c is not None}
    return partners.pop() if len(partners) == 1 else ""


@budget_kind("sum", gettext_lazy("Total equals the sum of its terms"), tolerance=tolerance.SUM)
def evaluate_sum(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    total_ref = rule.params["total"]
    total = ctx.cell(total_ref)
    terms = [(parse_ref(t)[0], t, ctx.cell(t)) for t in rule.params["terms"]]
    currency = total.currency if total and total.amount is not None else ""
    currencies = {c.currency for _s, _r, c in terms if c is not None and c.amount is not None}
    if currency:
        currencies.add(currency)
    lines = sorted({parse_ref(total_ref)[2], *(parse_ref(t)[2] for _s, t, _c in terms)})
    title = ctx.table_title(total_ref)
    partner = _common_partner([total, *(c for _s, _r, c in terms)])
    if len(currencies) > 1:
        return [
            Outcome(
                None,
                None,
                "",
                lines,
                title,
                Message(
                    gettext_noop("The terms are in different currencies (%(c)s); they are not added."),
                    {"c": ", ".join(sorted(currencies))},
                ),
                holds=False,
                partner=partner,
            )
        ]
    recomputed = sum((sign * c.value_or_zero for sign, _r, c in terms if c is not None), Decimal(0))
    stated = total.amount if total is not None else None
    currency = currencies.pop() if currencies else ""
    unknown = [ctx.where(ref) for _s, ref, c in terms if ctx.unstated(ref, c)]
    return [
        Outcome(
            stated,
            recomputed,
            currency,
            lines,
            title,
            Message(
                gettext_noop("Stated %(stated)s; the sum of its terms is %(recomputed)s."),
                {"stated": _figure(total), "recomputed": Figure(recomputed, currency)},
            ),
            partner=partner,
            tolerance=ctx.sum_tolerance([c for _s, _r, c in terms]),
            unknown=unknown,
        )
    ]


@budget_kind(
    "conversion",
    gettext_lazy("Figure in US$ is the CHF figure at the table's rate"),
    tolerance=tolerance.CONVERSION,
)
def evaluate_conversion(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    source, target = ctx.cell(rule.params["from"]), ctx.cell(rule.params["to"])
    rate = ctx.rates.get(rule.params["rate"])
    if rate is None:
        raise RuleError(
            Message(gettext_noop("Unknown exchange rate %(code)s."), {"code": rule.params["rate"]})
        )
    lines = sorted(
        {
            parse_ref(rule.params["from"])[2],
            parse_ref(rule.params["to"])[2],
            *([rate.line] if rate.line else []),
        }
    )
    title = ctx.table_title(rule.params["to"])
    if source is None or target is None or source.amount is None or target.amount is None:
        return []
    places = int(rule.params.get("places", 0))
    converted = convert(Money(source.amount, source.currency), rate=rate, places=places)
    if str(converted.currency) != target.currency:
        raise RuleError(
            Message(
                gettext_noop("Rate %(rate)s does not convert %(a)s into %(b)s."),
                {"rate": rate, "a": source.currency, "b": target.currency},
            )
        )
    return [
        Outcome(
            target.amount,
            converted.amount,
            target.currency,
            lines,
            title,
            Message(
                gettext_noop("%(source)s at %(rate)s is %(converted)s; printed %(target)s."),
                {
                    "source": _figure(source),
                    "rate": rate,
                    "converted": Figure(converted.amount, str(converted.currency)),
                    "target": _figure(target),
                },
            ),
            partner=_common_partner([source, target]),
            tolerance=tolerance.conversion(
                source.amount,
                source.currency,
                rate=rate,
                amount_places=source.places,
                printed_places=target.places,
                recomputed_places=places,
            ),
        )
    ]


@budget_kind("same_figure", gettext_lazy("The same figure in several tables"))
def evaluate_same_figure(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    refs = rule.params["cells"]
    first_ref, others = refs[0], refs[1:]
    first = ctx.cell(first_ref)
    outcomes = []
    for other_ref in others:
        other = ctx.cell(other_ref)
        lines = sorted({parse_ref(first_ref)[2], parse_ref(other_ref)[2]})
        title = ctx.table_title(other_ref)
        partner = _common_partner([first, other])
        if first is None or other is None or first.amount is None or other.amount is None:
            outcomes.append(
                Outcome(
                    other.text if other else None,
                    first.text if first else None,
                    "",
                    lines,
                    title,
                    Message(
                        gettext_noop("%(a)s is not printed as an amount in both places."), {"a": other_ref}
                    ),
                    key=other_ref,
                    holds=False,
                    partner=partner,
                )
            )
            continue
        rate = (
            ctx.rate_for(other_ref, first.currency, other.currency)
            if first.currency != other.currency
            else None
        )
        if rate is not None:
            # The same digits in another currency: quantified at the rate the other figure's table states.
            converted = convert(Money(first.amount, first.currency), rate=rate, places=2).amount
            outcomes.append(
                Outcome(
                    other.amount,
                    converted,
                    other.currency,
                    sorted({*lines, *([rate.line] if rate.line else [])}),
                    title,
                    Message(
                        gettext_noop(
                            "%(first)s (line %(fl)s) is printed as %(other)s (line %(ol)s); at that table's rate "
                            "(%(rate)s) %(first)s is %(converted)s."
                        ),
                        {
                            "first": _figure(first),
                            "fl": first.line,
                            "other": _figure(other),
                            "ol": other.line,
                            "rate": rate,
                            "converted": Figure(converted, other.currency),
                        },
                    ),
                    key=other_ref,
                    partner=partner,
                    tolerance=tolerance.conversion(
                        first.amount,
                        first.currency,
                        rate=rate,
                        amount_places=first.places,
                        printed_places=other.places,
                        recomputed_places=2,
                    ),
                )
            )
            continue
        if first.currency != other.currency:
            outcomes.append(
                Outcome(
                    other.text,
                    first.text,
                    "",
                    lines,
                    title,
                    Message(
                        gettext_noop("%(first)s (line %(fl)s) is printed as %(other)s (line %(ol)s)."),
                        {
                            "first": _figure(first),
                            "fl": first.line,
                            "other": _figure(other),
                            "ol": other.line,
                        },
                    ),
                    key=other_ref,
                    holds=False,
                    partner=partner,
                )
            )
            continue
        outcomes.append(
            Outcome(
                other.amount,
                first.amount,
                other.currency,
                lines,
                title,
                Message(
                    gettext_noop("%(other)s (line %(ol)s, %(ot)s) against %(first)s (line %(fl)s, %(ft)s)."),
                    {
                        "other": _figure(other),
                        "ol": other.line,
                        "ot": other.table_title,
                        "first": _figure(first),
                        "fl": first.line,
                        "ft": first.table_title,
                    },
                ),
                key=other_ref,
                partner=partner,
                tolerance=tolerance.copy(first.places, other.places),
            )
        )
    return outcomes


@budget_kind("same_table", gettext_lazy("A table repeated cell by cell"))
def evaluate_same_table(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    codes = rule.params["tables"]
    try:
        first, second = (ctx.tables[c] for c in codes)
    except (KeyError, ValueError):
        raise RuleError(
            Message(gettext_noop("Expected two known tables, got %(t)s."), {"t": codes})
        ) from None
    by_position = {}
    for table in (first, second):
        lines = sorted({c.line for c in ctx.cells.values() if c.ref.startswith(f"{table.code}/")})
        by_position[table.code] = {
            (lines.index(c.line), c.ref.rsplit("/", 1)[1]): c
            for c in ctx.cells.values()
            if c.ref.startswith(f"{table.code}/")
        }
    a, b = by_position[first.code], by_position[second.code]
    outcomes = []
    for position in sorted(set(a) | set(b)):
        x, y = a.get(position), b.get(position)
        if x is not None and y is not None and x.text == y.text:
            continue
        lines = sorted({c.line for c in (x, y) if c is not None})
        numeric = (
            x is not None
            and y is not None
            and x.amount is not None
            and y.amount is not None
            and x.currency == y.currency
        )
        outcomes.append(
            Outcome(
                y.amount if numeric else (y.text if y else None),
                x.amount if numeric else (x.text if x else None),
                y.currency if numeric else "",
                lines,
                second.title,
                Message(
                    gettext_noop("%(b)s prints %(y)s where %(a)s prints %(x)s."),
                    {"a": first.code, "b": second.code, "x": _figure(x), "y": _figure(y)},
                ),
                key=f"{position[0]}/{position[1]}",
                holds=None if numeric else False,
                partner=_common_partner([x, y]),
                tolerance=tolerance.copy(x.places, y.places) if numeric else None,
            )
        )
    return outcomes


@budget_kind("quoted_amount", gettext_lazy("An amount quoted in the text equals a table's figure"))
def evaluate_quoted_amount(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    quoted = rule.params["quoted"]
    cell = ctx.cell(rule.params["cell"])
    amount = Decimal(str(quoted["amount"]))
    lines = sorted({parse_ref(rule.params["cell"])[2], int(quoted["line"])})
    title = ctx.table_title(rule.params["cell"])
    if cell is None or cell.amount is None or cell.currency != quoted["currency"]:
        return [
            Outcome(
                cell.text if cell else None,
                quoted["text"],
                "",
                lines,
                title,
                Message(
                    gettext_noop("The text quotes %(q)s; the table does not state it in %(c)s."),
                    {"q": quoted["text"], "c": quoted["currency"]},
                ),
                holds=False,
            )
        ]
    return [
        Outcome(
            cell.amount,
            amount,
            cell.currency,
            lines,
            title,
            Message(
                gettext_noop("The table states %(t)s; the text (line %(l)s) quotes %(q)s."),
                {"t": _figure(cell), "l": quoted["line"], "q": Figure(amount, quoted["currency"])},
            ),
            tolerance=tolerance.copy(cell.places, tolerance.places(amount)),
        )
    ]


@budget_kind(
    "agreement_ceiling",
    gettext_lazy("Budget total against the agreement as amended"),
    tolerance=tolerance.SUM,
)
def evaluate_agreement_ceiling(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    from agreements.terms import consolidated_terms

    params = rule.params
    agreement = ctx.agreements.get(params["agreement"])
    if agreement is None:
        raise RuleError(Message(gettext_noop("Unknown agreement %(code)s."), {"code": params["agreement"]}))
    currency = params["currency"]
    terms = [(parse_ref(t)[0], t, ctx.cell(t)) for t in params["terms"]]
    if any(c is not None and c.amount is not None and c.currency != currency for _s, _r, c in terms):
        raise RuleError(Message(gettext_noop("A term is not in %(c)s."), {"c": currency}))
    total = sum((sign * c.value_or_zero for sign, _r, c in terms if c is not None), Decimal(0))
    terms_lines = {parse_ref(t)[2] for _s, t, _c in terms}
    as_of = datetime.date.fromisoformat(params["as_of"])
    consolidated = consolidated_terms(agreement, as_of)
    title = ctx.table_title(params["terms"][0])
    if params.get("compare", "ceiling") == "increase":
        changes = [
            ch for am in consolidated.applied for ch in am.ceiling_changes.all() if ch.currency == currency
        ]
        if not changes:
            raise RuleError(
                Message(
                    gettext_noop("No amendment applied by %(d)s changes the %(c)s ceiling."),
                    {"d": as_of, "c": currency},
                )
            )
        agreed = sum((ch.increase.amount for ch in changes), Decimal(0))
        lines = sorted(terms_lines | {ch.increase_line for ch in changes})
        message = gettext_noop(
            "The terms add up to %(t)s; the amendment increases the %(c)s ceiling by %(a)s."
        )
    else:
        ceiling = consolidated.ceilings.get(currency)
        if ceiling is None:
            raise RuleError(Message(gettext_noop("The agreement has no %(c)s ceiling."), {"c": currency}))
        agreed = ceiling.amount.amount
        lines = sorted(terms_lines | set(ceiling.lines))
        message = gettext_noop("The budget states %(t)s; the %(c)s ceiling as amended is %(a)s.")
    return [
        Outcome(
            total,
            agreed,
            currency,
            lines,
            title,
            Message(message, {"t": Figure(total, currency), "c": currency, "a": Figure(agreed, currency)}),
            tolerance=ctx.sum_tolerance([c for _s, _r, c in terms]),
        )
    ]


@budget_kind(
    "statement_vs_text",
    gettext_lazy("A result as stated in a budget table against the work plan"),
    tolerance=tolerance.NOT_A_FIGURE,
)
def evaluate_statement_vs_text(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    stated, quoted = rule.params["stated"], rule.params["quoted"]
    quoted = quoted if isinstance(quoted, list) else [quoted]
    number = Decimal(str(stated["number"]))
    differing = [q for q in quoted if Decimal(str(q["number"])) != number]
    lines = sorted({int(stated["line"]), *(int(q["line"]) for q in quoted)})
    table = rule.subject_title
    return [
        Outcome(
            stated["text"],
            "; ".join(f"{q['text']} ({q['line']})" for q in quoted),
            "",
            lines,
            table,
            Message(
                gettext_noop("Line %(l)s states “%(s)s”; the text states %(q)s."),
                {
                    "l": stated["line"],
                    "s": stated["text"],
                    "q": ", ".join(f"“{q['text']}” (line {q['line']})" for q in quoted),
                },
            ),
            holds=not differing,
        )
    ]


@budget_kind(
    "row_labels",
    gettext_lazy("Every row with amounts has its label (no shifted row)"),
    tolerance=tolerance.NOT_A_FIGURE,
)
def evaluate_row_labels(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    """In each section (the item rows under one heading), a labelled row that states nothing before an
    unlabelled row that states amounts: the labels look shifted against the amounts by one row or more, so
    each row's amounts would be the label's above. Said once per section, with the rows it concerns."""
    code = rule.params["table"]
    if code not in ctx.tables:
        raise RuleError(Message(gettext_noop("Unknown table %(code)s."), {"code": code}))
    sections: dict[int | None, list] = {}
    for line, label, role, section in ctx.rows.get(code, []):
        if role == RowRole.ITEM:
            sections.setdefault(section, []).append(
                (line, label.strip(), (code, line) in ctx.lines_with_amounts)
            )
    outcomes = []
    for rows in sections.values():
        empty = [(line, label) for line, label, stated in rows if label and not stated]
        unlabelled = [line for line, label, stated in rows if not label and stated]
        if not empty or not unlabelled or empty[0][0] > unlabelled[-1]:
            continue
        (first, label), last = empty[0], unlabelled[-1]
        below = next((line for line, _label, stated in rows if line > first and stated), last)
        outcomes.append(
            Outcome(
                f"{label}: —",
                "",
                "",
                sorted({first, below, last}),
                ctx.tables[code].title,
                Message(
                    gettext_noop(
                        "Lines %(first)s–%(last)s: “%(label)s” (line %(first)s) states no amount and line "
                        "%(last)s states amounts without a label: the labels look shifted one row against "
                        "the amounts (line %(below)s's amounts would be “%(label)s”'s)."
                    ),
                    {"first": first, "last": last, "label": label, "below": below},
                ),
                key=f"{code}/{first}",
                holds=False,
            )
        )
    return outcomes


@budget_kind(
    "implied_rate",
    gettext_lazy("One exchange rate implied by a table's two currencies"),
    tolerance=tolerance.CONVERSION,
)
def evaluate_implied_rate(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    """A table that states no rate but prints one figure in two currencies implies a rate on each row; rows
    whose figures, each within half a unit of its last printed digit, admit no one rate
    (:func:`core.tolerance.implied_rate_range`) were converted at different rates.
    An observation: each figure is as printed, the rate behind them is not one."""
    code, (a, b) = rule.params["table"], rule.params["columns"]
    if code not in ctx.tables:
        raise RuleError(Message(gettext_noop("Unknown table %(code)s."), {"code": code}))
    implied = []
    for line, _label, _role, _section in ctx.rows.get(code, []):
        x, y = ctx.cells.get(f"{code}/{line}/{a}"), ctx.cells.get(f"{code}/{line}/{b}")
        if x is None or y is None or not x.amount or not y.amount:
            continue
        implied.append((round_amount(x.amount / y.amount, 4), line, x, y))
    if len(implied) < 2:
        return []
    ranges = [
        tolerance.implied_rate_range(x.amount, x.places, y.amount, y.places) for _r, _l, x, y in implied
    ]
    if max(low for low, _high in ranges) <= min(high for _low, high in ranges):
        return []  # one rate converts every row, as rounded
    low, high = min(implied, key=lambda i: i[0]), max(implied, key=lambda i: i[0])
    currency_a, currency_b = low[2].currency, low[3].currency
    return [
        Outcome(
            f"{low[0].normalize():f} – {high[0].normalize():f}",
            "",
            "",
            sorted({low[1], high[1]}),
            ctx.tables[code].title,
            Message(
                gettext_noop(
                    "The table states no exchange rate; its figures in %(a)s and %(b)s imply from %(low)s "
                    "(line %(ll)s) to %(high)s (line %(hl)s) %(a)s per %(b)s: they were not converted at one rate."
                ),
                {
                    "a": formatting.currency_label(currency_a),
                    "b": formatting.currency_label(currency_b),
                    "low": Figure(low[0], places=4),
                    "ll": low[1],
                    "high": Figure(high[0], places=4),
                    "hl": high[1],
                },
            ),
            key=f"{code}/{a}>{b}",
            holds=False,
            severity=Severity.OBSERVATION,
        )
    ]


def _rate_per(base: str, rate) -> Decimal:
    """``rate`` written as units of the other currency per one ``base`` (what one ``base`` converts to)."""
    return convert(Money(1, base), rate=rate).amount


@budget_kind(
    "stated_rates",
    gettext_lazy("One exchange rate per currency pair and period"),
    tolerance=tolerance.NOT_A_FIGURE,
)
def evaluate_stated_rates(rule: ReconciliationRule, ctx: BudgetFigures) -> list[Outcome]:
    """The rates the programme's tables convert at, per currency pair: two different rates whose periods
    overlap mean a figure converted in one table is not the same figure converted in another. Each table
    agrees with its own rate, so this is an observation, with every rate's line and the tables using it."""
    used: dict[int, list[str]] = {}
    for table in sorted(ctx.tables.values(), key=lambda t: t.order):
        if table.rate_id in ctx.rates_by_id:
            used.setdefault(table.rate_id, []).append(table.code)
    by_pair: dict[tuple[str, str], list] = {}
    for rate_id in used:
        rate = ctx.rates_by_id[rate_id]
        by_pair.setdefault(tuple(sorted((rate.base_currency, rate.quote_currency))), []).append(rate)
    outcomes = []
    for pair, rates in sorted(by_pair.items()):
        rates.sort(key=lambda r: (r.valid_from, r.line or 0))
        first = rates[0]
        per_first = partial(_rate_per, first.base_currency)

        clashing = [
            r
            for r in rates
            if any(
                o is not r
                and per_first(o) != per_first(r)
                and o.valid_from <= r.valid_to
                and r.valid_from <= o.valid_to
                for o in rates
            )
        ]
        if not clashing:
            continue
        listed = [
            Message(
                gettext_noop("line %(line)s, “%(quote)s” (%(tables)s table(s))"),
                {"line": r.line, "quote": r.description or str(r), "tables": len(used[r.pk])},
            )
            for r in clashing
        ]
        outcomes.append(
            Outcome(
                "; ".join(f"{per_first(r).normalize():f}" for r in clashing),
                "",
                "",
                sorted({r.line for r in clashing if r.line}),
                "",
                Message(
                    gettext_noop(
                        "%(n)s different rates of 1 %(base)s in %(quote)s are stated for overlapping periods: "
                        "%(rates)s. A figure converted at one is not the figure converted at another."
                    ),
                    {
                        "n": len(clashing),
                        "base": formatting.currency_label(first.base_currency),
                        "quote": formatting.currency_label(first.quote_currency),
                        "rates": listed,
                    },
                ),
                key="/".join(pair),
                holds=False,
                severity=Severity.OBSERVATION,
                document=first.document,
            )
        )
    return outcomes


# A rule may be about a budget table (its findings link to it).
register_subject(BudgetTable)


# What the budget kinds read: a change of any of it makes the programme's findings be computed again.
_of_table = through(BudgetTable, "table_id", "programme_id")
_of_agreement = through(Agreement, "agreement_id", "programme_id")
watch(BudgetFact, "programme_id", gettext_lazy("budget figure %(object)s"))
watch(BudgetTable, "programme_id", gettext_lazy("budget table %(object)s"))
watch(BudgetColumn, _of_table, gettext_lazy("budget column %(object)s"))
watch(BudgetRow, _of_table, gettext_lazy("budget row %(object)s"))
watch(ExchangeRate, every_programme, gettext_lazy("exchange rate %(object)s"))
watch(Agreement, "programme_id", gettext_lazy("agreement %(object)s"))
watch(AgreementCeiling, _of_agreement, gettext_lazy("agreement ceiling %(object)s"))
watch(Amendment, _of_agreement, gettext_lazy("amendment %(object)s"))
watch(
    CeilingChange,
    through(Amendment, "amendment_id", "agreement__programme_id"),
    gettext_lazy("ceiling change %(object)s"),
)


# Figures compared by their dimensions wherever two tables state them (one derived rule per programme).
from budgets import dimensions  # noqa: E402

dimensions.register(budget_kind)
