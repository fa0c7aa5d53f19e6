"""The tolerance follows the arithmetic (core.tolerance): n rounded terms tolerate n × ½ unit, a
conversion the rate's stated decimals and the rounding of both figures, typed figures and counts nothing;
one model for budgets, results and the agreement page, named on each rule kind."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from djmoney.money import Money

from agreements import terms
from agreements.models import Agreement, CeilingChange
from budgets.models import RowRole
from core import tolerance
from core.models import ExchangeRate
from reconciliation.cells import ref
from reconciliation.engine import reconcile
from reconciliation.models import Finding, Severity
from reconciliation.registry import rule_kinds
from tests.factories import (
    BudgetColumnFactory,
    BudgetFactFactory,
    BudgetRowFactory,
    BudgetTableFactory,
    ReconciliationRuleFactory,
)


def test_sixteen_whole_dollar_items_converted_and_rounded_may_miss_their_printed_total_by_eight(findings):
    # Línea 2's operating costs in US$ (lines 1068–1084): sixteen items, each CHF at 1.05 rounded to the
    # dollar, and a printed 0 (line 1084), add up to 145,568; the total prints 145,571 (line 1085). Three
    # dollars on seventeen rounded terms (up to 8.5) is rounding, in both columns that print it.
    for column in ("august", "december"):
        finding = Finding.objects.get(rule__code=f"l2-gastos-usd/1085/{column}:sum-rows")
        assert (finding.severity, finding.stated, finding.recomputed) == (
            Severity.ROUNDING,
            "145571",
            "145568",
        )
        assert finding.lines == list(range(1068, 1086))
    assert tolerance.rounded_sum([0] * 17) == Decimal("8.5")


def _items_and_their_total(items: list[str], total: str):
    """A CHF table (not converted: the programme's binding currency) whose items print ``items`` and whose
    total prints ``total``, and the sum rule that checks it."""
    table = BudgetTableFactory(currency="CHF")
    column = BudgetColumnFactory(table=table, key="chf")
    rows = [BudgetRowFactory(table=table) for _ in items]
    for row, value in zip(rows, items, strict=True):
        BudgetFactFactory(row=row, column=column, value=value)
    total_row = BudgetRowFactory(table=table, label="TOTAL", role=RowRole.TOTAL)
    BudgetFactFactory(row=total_row, column=column, value=total)
    return ReconciliationRuleFactory(
        programme=table.programme,
        subject=table,
        params={
            "total": ref(table, total_row.line, "chf"),
            "terms": [ref(table, row.line, "chf") for row in rows],
        },
    )


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        ("21003", Severity.ROUNDING),  # six whole-franc items may miss by 3
        ("20997", Severity.ROUNDING),
        ("21004", Severity.MATERIAL),  # four francs is more than six half francs
        ("20996", Severity.MATERIAL),
    ],
)
def test_a_sum_of_plain_whole_franc_items_tolerates_half_a_franc_per_item(db, total, severity):
    rule = _items_and_their_total(["1000", "2000", "3000", "4000", "5000", "6000"], total)
    (finding,) = reconcile(rule.programme)
    assert (finding.severity, finding.stated, finding.recomputed) == (severity, total, "21000")


def test_items_printed_with_cents_tolerate_half_a_cent_each_but_at_least_one_franc(db):
    # Línea 2 in CHF prints its total as 152.849,00 over items adding up to 152,849.31 (lines 1041–1058):
    # the sources reckon in whole francs, so a difference within one franc stays rounding.
    assert tolerance.rounded_sum([2] * 17) == Decimal(1)
    assert tolerance.rounded_sum([2] * 300) == Decimal("1.5")
    rule = _items_and_their_total(["100.10", "200.20", "300.01"], "601")
    (finding,) = reconcile(rule.programme)
    assert (finding.severity, finding.recomputed) == (Severity.ROUNDING, "600.31")
    rule = _items_and_their_total(["100.10", "200.20", "300.01"], "602")
    (finding,) = reconcile(rule.programme)
    assert finding.severity == Severity.MATERIAL


def _conversion(rate: str, chf: str, usd: str):
    table = BudgetTableFactory(currency="CHF")
    chf_column = BudgetColumnFactory(table=table, key="chf", currency="CHF")
    usd_column = BudgetColumnFactory(table=table, key="usd", currency="USD")
    row = BudgetRowFactory(table=table)
    BudgetFactFactory(row=row, column=chf_column, value=chf)
    BudgetFactFactory(row=row, column=usd_column, value=usd)
    stated = ExchangeRate.objects.create(
        code=f"test-usd-chf-{rate}",
        base_currency="USD",
        quote_currency="CHF",
        rate=Decimal(rate),
        valid_from=datetime.date(2008, 1, 1),
        valid_to=datetime.date(2008, 12, 31),
    )
    return ReconciliationRuleFactory(
        programme=table.programme,
        subject=table,
        kind="conversion",
        params={
            "from": ref(table, row.line, "chf"),
            "to": ref(table, row.line, "usd"),
            "rate": stated.code,
            "places": 0,
        },
    ), stated


@pytest.mark.parametrize(
    ("rate", "usd", "severity"),
    [
        # CHF 100,000 at 1.123 is US$ 89,047; the rate anywhere in 1.1225–1.1235 moves it by up to 39.7,
        # half a franc carried over adds 0.4 and half a dollar on each side 1: 41.1. (A flat 0.5 % would
        # let 445 pass.)
        ("1.123", "89088", Severity.ROUNDING),
        ("1.123", "89090", Severity.MATERIAL),
        # At 1.12, stated with two decimals, the same CHF 100,000 (US$ 89,286) may move by about 402.
        ("1.12", "89600", Severity.ROUNDING),
        ("1.12", "89700", Severity.MATERIAL),
    ],
)
def test_a_conversion_tolerates_the_rates_stated_decimals_and_the_rounding_of_both_figures(
    db, rate, usd, severity
):
    rule, _rate = _conversion(rate, "100000", usd)
    (finding,) = reconcile(rule.programme)
    assert finding.severity == severity


def test_the_conversion_tolerance_in_numbers():
    stated = ExchangeRate(base_currency="USD", quote_currency="CHF", rate=Decimal("1.123000"))
    allowed = tolerance.conversion(
        Decimal("100000"), "CHF", rate=stated, amount_places=0, printed_places=0, recomputed_places=0
    )
    # (100,000.5 / 1.1225 − 100,000 / 1.123) + ½ + ½
    assert allowed == (Decimal("100000.5") / Decimal("1.1225") - Decimal(100000) / Decimal("1.123")) + 1
    assert Decimal("41.1") < allowed < Decimal("41.2")
    # A rate stated with two decimals leaves ten times the room: 1.25 ± 0.005 on US$ 3,283,290.
    agreement_rate = ExchangeRate(base_currency="USD", quote_currency="CHF", rate=Decimal("1.25"))
    allowed = tolerance.conversion(
        Decimal("3283290.00"),
        "USD",
        rate=agreement_rate,
        amount_places=2,
        printed_places=2,
        recomputed_places=2,
    )
    assert Decimal("16416.45") < allowed < Decimal("16416.47")


@pytest.fixture
def agreement(pcc):
    return Agreement.objects.get(programme=pcc)


def test_the_agreements_new_total_is_not_flagged_for_its_increases_excess_again(agreement):
    # Line 31: US$ 83,290.00 "que no podrán sobrepasar" CHF 87,460.00; at the agreement's 1.25 (line 214) the
    # increase is CHF 104,112.50, far beyond what ±0.005 on the rate allows (416.45): flagged. The new total,
    # US$ 3'283.290.00 at 1.25, is CHF 4,104,112.50 against the cap of 4'087,460.00 (line 35), 0.41 % above:
    # exactly the increase's excess (16,652.50; the original 3,200,000 × 1.25 is the original 4,000,000), so
    # the total says nothing the increase did not; it is not a second finding.
    with translation.override("en"):
        findings = terms.consistency_findings(agreement)
    messages = " ".join(f.message for f in findings)
    assert "CHF 104,112.50" in messages and "by CHF 16,652.50" in messages
    assert "CHF 4,104,112.50" not in messages
    assert len(findings) == 1


def test_a_new_total_above_the_cap_by_more_than_its_increase_explains_is_flagged(agreement):
    # The USD new total printed as 3,300,000 instead: at 1.25 it is CHF 4,125,000.00, 37,540 above the cap,
    # of which 16,652.50 is the increase's; the 20,887.50 left (the original US$ ceiling, derived as new
    # total − increase, would be 3,216,710: CHF 4,020,887.50 for the original 4,000,000) is beyond what the
    # rate's decimals allow on 3,300,000 (16,500).
    change = CeilingChange.objects.get(amendment__agreement=agreement, new_total_currency="USD")
    change.new_total = Money(Decimal("3300000.00"), "USD")
    change.save()
    agreement = Agreement.objects.prefetch_related("ceilings", "amendments__ceiling_changes").get(
        pk=agreement.pk
    )
    with translation.override("en"):
        messages = " ".join(f.message for f in terms.consistency_findings(agreement))
    assert "is CHF 4,125,000.00, above the cap of CHF 4,087,460.00 by CHF 37,540.00" in messages


def test_results_targets_are_counts_a_difference_of_one_is_material(findings):
    # Line 321: "seis contratos de exportación"; IPR.4.1 (line 343) sets 5. A count is not rounded.
    finding = Finding.objects.get(rule__code="results-target-text-prosur-contracts")
    assert (finding.severity, finding.stated, finding.recomputed) == (Severity.MATERIAL, "6", "5")
    assert finding.difference == Decimal(1)


def test_every_kind_names_its_model_typed_figures_and_counts_are_exact(pcc):
    kinds = rule_kinds()
    assert kinds["sum"].tolerance is tolerance.SUM
    assert kinds["agreement_ceiling"].tolerance is tolerance.SUM
    assert kinds["conversion"].tolerance is tolerance.CONVERSION
    assert kinds["same_figure"].tolerance is tolerance.COPY
    for kind in (
        "financial_report",
        "disbursements_within_plan",
        "executed_within_ceiling",
        "target_text_vs_table",
    ):
        assert kinds[kind].tolerance.default is None, kind


def test_a_rules_own_tolerance_overrides_the_arithmetic(db):
    rule = _items_and_their_total(["1000", "2000", "3000", "4000", "5000", "6000"], "21002")
    rule.absolute_tolerance = Decimal("0")
    rule.save()
    (finding,) = reconcile(rule.programme)
    assert finding.severity == Severity.MATERIAL
    rule.absolute_tolerance, rule.relative_tolerance = None, Decimal("0.5")
    rule.save()
    (finding,) = reconcile(rule.programme)
    assert finding.severity == Severity.ROUNDING


def test_the_reconciliation_page_describes_the_model_in_words(login, staff_user, findings):
    response = login(staff_user).get(reverse("budgets:reconciliation", args=["pcc"]))
    content = response.content.decode()
    tolerances = dict(response.context["tolerances"])
    assert len(set(tolerances.values())) >= 3  # sums, conversions and copies differ
    # In Spanish, the site's language.
    assert (
        "media unidad del último dígito impreso de cada término (n términos sin decimales: n × ½)" in content
    )
    assert "el efecto de media unidad del último dígito indicado del tipo de cambio" in content
    with translation.override("en"):
        assert tolerance.SUM.describe().startswith("half a unit of the last printed digit of each term")
        assert "the rate's last stated digit" in tolerance.CONVERSION.describe()
