"""Figures compared by what they mean: one derived rule per programme, no rule per pair of cells."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from djmoney.money import Money

from budgets.dimensions import RULE_CODE
from budgets.models import BudgetFact, RowRole
from core.models import ExchangeRate
from reconciliation.cells import parse_ref
from reconciliation.engine import evaluate, reconcile
from reconciliation.models import ReconciliationRule, RuleOrigin, Severity
from tests.factories import (
    BudgetColumnFactory,
    BudgetFactFactory,
    BudgetRowFactory,
    BudgetTableFactory,
    OrganisationFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

# The hand-written rules the dimensions now derive, as fixtures/pcc/budgets/rules.yaml had them.
RETIRED = yaml.safe_load((Path(__file__).parent / "data" / "rules_derived_since.yaml").read_text())["rules"]


def _derived(programme):
    return ReconciliationRule.objects.get(programme=programme, code=RULE_CODE)


def _verdicts(programme, rules, *, splits=False):
    """The rules' verdicts; without the four subproject splits of MWA's money the PCC prints (see below)."""
    return [v for v in evaluate(list(rules), programme) if splits or "split" not in v.outcome.message.id]


def _plant(programme, reference: str, delta: Decimal) -> int:
    """Add ``delta`` to the cell at ``table/line/column``; its line."""
    _sign, code, line, column = parse_ref(reference)
    fact = BudgetFact.objects.get(programme=programme, budget_table__code=code, line=line, column__key=column)
    fact.amount = Money(fact.amount.amount + delta, fact.amount.currency)
    fact.save()
    return line


def _retired_rule(programme, spec) -> ReconciliationRule:
    return ReconciliationRule(
        programme=programme, code=spec["code"], kind=spec["kind"], params=spec["params"], description=""
    )


def test_the_pcc_gets_the_derived_rule_and_no_hand_written_pair_of_the_retired_ones(pcc):
    rule = _derived(pcc)
    assert rule.origin == RuleOrigin.DERIVED and rule.active
    codes = set(ReconciliationRule.objects.filter(programme=pcc).values_list("code", flat=True))
    assert not codes & {spec["code"] for spec in RETIRED}


def test_every_pair_the_retired_rules_compared_is_compared_and_holds_on_the_pcc(pcc):
    verdicts = _verdicts(pcc, [_derived(pcc)])
    assert verdicts and all(v.severity is None for v in verdicts)  # the PCC repeats these figures exactly
    # Lines compared with each other, directly or through a third table: equal figures all the way.
    group: dict[int, int] = {}

    def root(line: int) -> int:
        while group.setdefault(line, line) != line:
            line = group[line]
        return line

    for verdict in verdicts:
        first, *others = verdict.outcome.lines
        for other in others:
            group[root(other)] = root(first)
    for spec in RETIRED:
        if spec["kind"] != "same_figure":
            continue
        lines = {parse_ref(cell)[2] for cell in spec["params"]["cells"]}
        assert len({root(line) for line in lines}) == 1, spec["code"]


@pytest.mark.parametrize("spec", [s for s in RETIRED if s["kind"] == "same_figure"], ids=lambda s: s["code"])
def test_an_error_any_retired_rule_found_the_derived_rule_finds_at_the_same_line(pcc, spec):
    planted = spec["params"]["cells"][-1]
    line = _plant(pcc, planted, Decimal(1000))
    retired = [v for v in _verdicts(pcc, [_retired_rule(pcc, spec)]) if v.severity == Severity.MATERIAL]
    derived = [v for v in _verdicts(pcc, [_derived(pcc)]) if v.severity == Severity.MATERIAL]
    assert retired, "the planted error is one the hand-written rule found"
    differences = {abs(v.difference) for v in derived if line in v.outcome.lines}
    assert differences == {Decimal(1000)}  # against each table repeating it, if it is the one printed first


@pytest.mark.parametrize(
    "spec", [s for s in RETIRED if s["kind"] == "statement_vs_text"], ids=lambda s: s["code"]
)
def test_what_a_retired_statement_rule_found_the_derived_wording_rule_finds(pcc, spec):
    """PROSUR's results 2 and 5 quoted in Cuadro 2 of 1.2 with other counts than in its work plan."""
    [retired] = [v for v in _verdicts(pcc, [_retired_rule(pcc, spec)]) if v.severity == Severity.MATERIAL]
    derived = ReconciliationRule.objects.get(programme=pcc, code="results:budget-by-result-wording")
    stated = int(spec["params"]["stated"]["line"])
    [found] = [v for v in _verdicts(pcc, [derived]) if stated in v.outcome.lines]
    assert found.severity == Severity.MATERIAL
    assert found.outcome.stated == Decimal(spec["params"]["stated"]["number"])
    assert found.outcome.recomputed in {Decimal(q["number"]) for q in spec["params"]["quoted"]}
    assert set(found.outcome.lines) <= set(retired.outcome.lines)


def test_the_repeated_table_is_compared_cell_by_cell(pcc):
    """Cuadro 1 of 1.3 repeats Cuadro 1 of 1.2 (lines 890–897 against 577–584): a change in one is found."""
    line = _plant(pcc, "sp13-cuadro-1/893/executed", Decimal(7))
    [finding] = [v for v in _verdicts(pcc, [_derived(pcc)]) if v.severity]
    assert finding.severity == Severity.MATERIAL
    assert finding.outcome.lines == [580, line]
    assert (finding.outcome.stated, finding.outcome.recomputed) == (Decimal(58014), Decimal(58007))


def test_an_error_made_consistent_inside_its_own_table_is_found_across_tables(pcc):
    """PROSUR's SECO contribution in Anexo 1 (line 1115) raised by CHF 360 (US$ 321 at the table's 1.123),
    with its subtotal and total (1118, 1126) and its services (the US$ column's detail): Anexo 1 adds up and
    converts, and only the tables that repeat the figure tell it is wrong."""
    for line in (1115, 1118, 1126):
        _plant(pcc, f"anexo-1-sp12-sp13/{line}/chf", Decimal(360))
        _plant(pcc, f"anexo-1-sp12-sp13/{line}/usd", Decimal(321))
        _plant(pcc, f"anexo-1-sp12-sp13/{line}/services", Decimal(321))
    findings = [f for f in reconcile(pcc) if f.severity == Severity.MATERIAL]
    in_anexo = [f for f in findings if f.rule.code.startswith("anexo-1-sp12-sp13/")]
    assert not in_anexo, [f.message for f in in_anexo]
    found = {f.currency: f for f in findings if f.rule.code == RULE_CODE}
    assert set(found) == {"CHF", "USD"}
    # Against the first table printing each: Cuadro 2 of 1.2 in CHF, Cuadro 1 of 1.2 (requested) in US$.
    assert (found["CHF"].lines, found["CHF"].stated, found["CHF"].recomputed) == (
        [598, 1115],
        "28514",
        "28154",
    )
    assert (found["USD"].lines, found["USD"].stated, found["USD"].recomputed) == (
        [578, 1115],
        "25391",
        "25070",
    )
    assert {f.partner.acronym for f in found.values()} == {"PROSUR"}
    assert all("PROSUR" in f.message and "1115" in f.message for f in found.values())


@pytest.mark.parametrize(
    "lines, amounts",
    [
        ([922, 923, 1122], {"CHF": ("50812", "22078"), "USD": ("45246", "19660")}),  # national TA
        ([934, 935, 1123], {"CHF": ("22644", "12454"), "USD": ("20164", "11090")}),  # management in Peru
    ],
)
def test_mwas_money_split_between_subprojects_in_cuadros_3_and_4_is_all_under_13_in_anexo_1(
    pcc, lines, amounts
):
    """Cuadros 3 and 4 of 1.3 split MWA's money between subprojects 1.2 and 1.3 (lines 922/923, 934/935);
    Anexo 1 prints all of it under 1.3 (lines 1122, 1123): same totals, subproject subtotals that differ."""
    found = {
        f.currency: f
        for f in reconcile(pcc)
        if f.rule.code == RULE_CODE and f.lines == lines and "split" in f.message_data["id"]
    }
    assert {c: (f.stated, f.recomputed) for c, f in found.items()} == amounts
    assert {f.severity for f in found.values()} == {Severity.MATERIAL}
    assert {f.partner.acronym for f in found.values()} == {"MWA"}


# --- a second programme, built with factories: no fixture, no hand-written rule ------------------------


@pytest.fixture
def second():
    """Two partners' contribution in a summary table (CHF), repeated by a detail table, by a table printing
    one partner in two rows without a subtotal, and by a US$ table at its stated rate."""
    programme = ProgrammeFactory(code="test-second", binding_currency="CHF")
    north, south = OrganisationFactory(acronym="TEST-N"), OrganisationFactory(acronym="TEST-S")
    period = {"period_start": datetime.date(2010, 1, 1), "period_end": datetime.date(2010, 12, 31)}

    def table(code, currency="CHF", rate=None):
        t = BudgetTableFactory(
            programme=programme,
            code=code,
            currency=currency,
            rate=rate,
            concept="contribution",
            order=programme.budget_tables.count() + 1,
            first_line=11 + 10 * programme.budget_tables.count(),  # each table its own lines
            last_line=20 + 10 * programme.budget_tables.count(),
        )
        return t, BudgetColumnFactory(table=t, key="amount", currency=currency, **period)

    def row(t, column, partner, value, role=RowRole.ITEM):
        r = BudgetRowFactory(table=t, partner=partner, role=role)
        BudgetFactFactory(row=r, column=column, value=value, text=f"{Decimal(value):,}")
        return r.line

    summary, c = table("test-summary")
    lines = {
        "summary-north": row(summary, c, north, "100000"),
        "summary-south": row(summary, c, south, "50000"),
    }
    lines["summary-total"] = row(summary, c, None, "150000", RowRole.TOTAL)
    detail, c = table("test-detail")
    lines["detail-north"] = row(detail, c, north, "100000")
    lines["detail-south"] = row(detail, c, south, "55000")  # planted: 50,000 in the summary
    lines["detail-total"] = row(detail, c, None, "155000", RowRole.TOTAL)  # it adds up in itself
    block, c = table("test-block")  # north's contribution in two rows, no subtotal printed
    lines["block"] = [row(block, c, north, "60000"), row(block, c, north, "30000")]  # planted: 90,000
    rate = ExchangeRate.objects.create(
        code="test-chf-usd-1-25",
        base_currency="USD",
        quote_currency="CHF",
        rate=Decimal("1.25"),
        valid_from=datetime.date(2010, 1, 1),
        valid_to=datetime.date(2010, 12, 31),
        line=9,
    )
    dollars, c = table("test-usd", "USD", rate)
    lines["usd-north"] = row(dollars, c, north, "80000")  # CHF 100,000 at 1.25: right
    lines["usd-south"] = row(dollars, c, south, "50000")  # planted: the CHF digits printed as US$
    return programme, lines


def test_a_programme_built_by_hand_gets_the_derived_rules_and_nothing_else(second):
    programme, _lines = second
    reconcile(programme)
    rules = ReconciliationRule.objects.filter(programme=programme)
    assert RULE_CODE in {r.code for r in rules}
    assert {r.origin for r in rules} == {RuleOrigin.DERIVED}


def test_each_planted_error_is_found_with_its_lines_and_nothing_else(second):
    programme, lines = second
    found = {tuple(f.lines): f for f in reconcile(programme)}
    repeated = found.pop((lines["summary-south"], lines["detail-south"]))
    assert (repeated.severity, repeated.stated, repeated.recomputed) == (Severity.MATERIAL, "55000", "50000")
    block = found.pop(tuple(sorted([lines["summary-north"], *lines["block"]])))
    assert (block.severity, block.stated, block.recomputed) == (Severity.MATERIAL, "90000", "100000")
    assert "no subtotal" in str(block.message_data)
    currency = found.pop((9, lines["summary-south"], lines["usd-south"]))
    assert currency.severity == Severity.MATERIAL
    assert (currency.stated, currency.recomputed, currency.currency) == ("50000", "40000", "USD")
    assert "is printed as" in currency.message_data["id"]
    # The planted 55,000 also makes the detail table's total (which adds up in itself) differ.
    totals = found.pop((lines["summary-total"], lines["detail-total"]))
    assert (totals.severity, totals.stated, totals.recomputed) == (Severity.MATERIAL, "155000", "150000")
    assert not found, [f.message for f in found.values()]
