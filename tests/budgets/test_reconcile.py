"""budgets.reconciliation.reconcile on the PCC as loaded: real findings, tolerances, explanations, registry;
and on small tables built with factories, where a planted difference is the only one."""

from decimal import Decimal

import pytest
from djmoney.money import Money

from budgets.models import BudgetFact, RowRole
from reconciliation import registry
from reconciliation.cells import ref
from reconciliation.engine import reconcile, summarise
from reconciliation.models import Finding, FindingStatus, ReconciliationRule, RuleOrigin, Severity
from reconciliation.registry import Outcome, register_rule_kind
from reconciliation.services import finding_explain
from tests.factories import (
    BudgetColumnFactory,
    BudgetFactFactory,
    BudgetRowFactory,
    BudgetTableFactory,
    FindingFactory,
    ReconciliationRuleFactory,
)


def _finding(code, key=""):
    return Finding.objects.get(rule__code=code, key=key)


@pytest.mark.parametrize(
    ("rule", "severity", "stated", "recomputed", "difference", "lines"),
    [
        # Cuadro 1 of the programme: the printed total is not the sum of the rows' totals; and "Fondo concursable" does not add up across the years.
        (
            "programa-cuadro-1/238/total:sum-rows",
            Severity.MATERIAL,
            "4086384",
            "4216380",
            Decimal("-129996"),
            [218, 219, 220, 222, 223, 224, 225, 226, 227, 228, 229, 230, 232, 233, 234, 235, 236, 237, 238],
        ),
        (
            "programa-cuadro-1/235/total:sum-columns",
            Severity.MATERIAL,
            "370000",
            "253000",
            Decimal("117000"),
            [235],
        ),
        # The agreement: CHF 4'087,460.00 (line 35) and the increase of CHF 87,460.00 (line 31).
        ("ceiling/programa-total-chf", Severity.MATERIAL, "4086384", "4087460", Decimal("-1076"), [35, 238]),
        (
            "ceiling/programa-extension-chf",
            Severity.MATERIAL,
            "99384",
            "87460",
            Decimal("11924"),
            [31, 218, 219, 220, 223, 224, 225, 226, 227, 228, 229, 230, 232, 233, 234, 235, 236],
        ),
        # Subproyecto 1.2 Cuadro 1: additional required = requested − available, off by one on the total.
        ("sp12-cuadro-1/584/additional:identity", Severity.ROUNDING, "21384", "21385", Decimal("-1"), [584]),
        # Tourism in CHF: "Total Apoyo a las OGDs" prints 0,00 as Modificación over an item of 65.000,00.
        (
            "l2-gastos-chf/1062/modification:sum-rows",
            Severity.MATERIAL,
            "0",
            "65000",
            Decimal("-65000"),
            [1060, 1061, 1062],
        ),
        (
            "l2-gastos-chf/1058/august:sum-rows",
            Severity.ROUNDING,
            "152849",
            "152849.31",
            Decimal("-0.31"),
            list(range(1041, 1059)),
        ),
        # Conversions at 1.123 (line 916) and 1.05 (line 1092).
        (
            "sp13-cuadro-3/924/chf>sp13-cuadro-3/924/usd:conversion",
            Severity.ROUNDING,
            "45246",
            "45247",
            Decimal("-1"),
            [916, 924],
        ),
        (
            "l2-gastos-chf/1062/modification>l2-gastos-usd/1089/modification:conversion",
            Severity.MATERIAL,
            "61905",
            "0",
            Decimal("61905"),
            [1062, 1089, 1092],
        ),
        # A total checked across tables: MWA's request is Cuadros 3 + 4 of 1.3 in US$.
        ("sum/mwa-solicitado", Severity.ROUNDING, "65411", "65410", Decimal("1"), [895, 924, 936]),
    ],
)
def test_real_findings_of_the_pcc(findings, rule, severity, stated, recomputed, difference, lines):
    finding = _finding(rule)
    assert (finding.severity, finding.stated, finding.recomputed) == (severity, stated, recomputed)
    assert finding.difference == difference
    assert finding.lines == lines
    assert finding.status == FindingStatus.OPEN
    assert finding.table


def _wording(lines):
    return Finding.objects.get(rule__code="results:budget-by-result-wording", lines=lines)


def test_result_statements_that_contradict_the_work_plan_are_material(findings):
    promotores = _wording([341, 593])  # Cuadro 2 of 1.2 against PROSUR's work plan
    assert promotores.severity == Severity.MATERIAL
    assert (promotores.stated, promotores.recomputed) == ("20", "10")
    assert "20 promotores" in promotores.message and "10 promotores" in promotores.message
    assert promotores.currency == ""
    assert (_wording([345, 596]).stated, _wording([345, 596]).recomputed) == ("10", "3")


def test_rules_that_hold_produce_no_finding(findings):
    codes = {f.rule.code for f in findings}
    holding = [
        "programa-cuadro-1/238/y2005:sum-rows",  # 577'000
        "programa-cuadro-1/226/total:sum-columns",  # CERX Lambayeque with (23'940)
        "sp12-cuadro-1/578/available:identity",  # 194,954 + 1,204 − 174,448 − 6,000 = 15,710
        "sp12-cuadro-2-prosur/592/chf>sp12-cuadro-2-prosur/592/usd:conversion",  # 674 / 1.123 = 600
        "same/tulum-chf",
        "quoted/turismo-incremento",
        "same/ogd-extension-chf",
        "ceiling/programa-original-chf",  # 2005–2008 add up to the original CHF 4,000,000
    ]
    assert ReconciliationRule.objects.filter(code__in=holding).count() == len(holding)
    assert not codes & set(holding)


def test_summary_counts_every_rule_once(findings, pcc):
    summary = summarise(pcc)
    assert summary.rules == ReconciliationRule.objects.filter(programme=pcc, active=True).count()
    assert (
        summary.holding + summary.rounding + summary.observation + summary.material + summary.unchecked
        == summary.rules
    )
    assert summary.material >= 10
    assert summary.rounding >= 10
    # Observations: the numbering slip of line 1006, the three USD/CHF rates (lines 214, 916, 1092), the
    # rates implied by Cuadro 1 of 1.2 and of 1.3. Not checkable: the row sum of line 238, whose "2008
    # extensión" is left blank.
    assert (summary.observation, summary.unchecked) == (4, 1)


def test_a_wider_tolerance_turns_a_material_difference_into_rounding(findings, pcc):
    rule = ReconciliationRule.objects.get(
        code="programa-cuadro-1/227/total:sum-columns"
    )  # 140'760 vs 140'764
    assert _finding(rule.code).severity == Severity.MATERIAL
    rule.absolute_tolerance = Decimal("5")
    rule.save()
    reconcile(pcc)
    assert _finding(rule.code).severity == Severity.ROUNDING


def test_two_currencies_are_never_added(pcc):
    ReconciliationRule.objects.create(
        programme=pcc,
        code="staff/mixed",
        kind="sum",
        description="CHF and US$",
        origin=RuleOrigin.STAFF,
        params={
            "total": "sp13-cuadro-3/924/chf",
            "terms": ["sp13-cuadro-3/922/chf", "sp13-cuadro-3/923/usd"],
        },
    )
    reconcile(pcc)
    finding = _finding("staff/mixed")
    assert finding.severity == Severity.MATERIAL
    assert "CHF, USD" in finding.message
    assert finding.recomputed == ""


def test_a_rule_of_an_unregistered_kind_is_reported_not_crashing(pcc):
    ReconciliationRule.objects.create(
        programme=pcc, code="results/x", kind="not_registered_here", description="From another app", params={}
    )
    current = reconcile(pcc)
    finding = _finding("results/x")
    assert finding in current
    assert finding.severity == Severity.UNCHECKED
    assert "not_registered_here" in finding.message
    assert summarise(pcc).unchecked == 2  # with the row sum of line 238, which a blank term prevents


def test_a_rule_pointing_at_a_missing_cell_is_unchecked(pcc):
    ReconciliationRule.objects.create(
        programme=pcc,
        code="staff/broken",
        kind="sum",
        description="Broken",
        params={"total": "sp13-cuadro-3/999/chf", "terms": []},
    )
    reconcile(pcc)
    assert _finding("staff/broken").severity == Severity.UNCHECKED


def test_another_app_registers_a_rule_kind(pcc, monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @register_rule_kind("months_in_phase", "Months within the phase")
    def months_in_phase(rule, ctx):
        return [
            Outcome(
                stated="Set–Dic",
                recomputed="Set–Nov",
                currency="",
                lines=[341],
                table="Plan",
                message="Schedule outside the period",
                key="a",
                holds=False,
            ),
            Outcome(
                stated=Decimal("3"),
                recomputed=Decimal("3"),
                currency="",
                lines=[345],
                table="Plan",
                message="Same",
                key="b",
            ),
        ]

    ReconciliationRule.objects.create(
        programme=pcc, code="results/months", kind="months_in_phase", description="Months", params={}
    )
    reconcile(pcc)
    assert list(Finding.objects.filter(rule__code="results/months").values_list("key", "severity")) == [
        ("a", Severity.MATERIAL)
    ]


def test_reconciling_twice_changes_nothing(findings, pcc):
    history = Finding.history.count()
    again = reconcile(pcc)
    assert sorted(f.pk for f in again) == sorted(f.pk for f in findings)
    assert Finding.history.count() == history


def test_an_explained_finding_stays_explained_until_its_figures_change(findings, pcc, staff_user):
    finding = _finding("ceiling/programa-total-chf")
    finding_explain(finding=finding, user=staff_user, comment="El saldo de CHF 1,076 queda sin asignar.")
    reconcile(pcc)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.EXPLAINED
    assert finding.explained_by == staff_user
    assert finding.explained_at is not None

    fact = BudgetFact.objects.get(budget_table__code="programa-cuadro-1", line=238, column__key="total")
    fact.amount = Money(Decimal("4086000"), "CHF")
    fact.save()
    reconcile(pcc)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert finding.stated == "4086000"
    explained = finding.history.filter(status=FindingStatus.EXPLAINED).first()
    assert explained.explanation == "El saldo de CHF 1,076 queda sin asignar."
    assert explained.history_user == staff_user


def test_a_finding_no_longer_found_is_resolved_and_reopens_when_found_again(findings, pcc):
    fact = BudgetFact.objects.get(budget_table__code="programa-cuadro-1", line=235, column__key="total")
    printed = fact.amount
    fact.amount = Money(Decimal("253000"), "CHF")
    fact.save()
    reconcile(pcc)
    finding = _finding("programa-cuadro-1/235/total:sum-columns")
    assert finding.status == FindingStatus.RESOLVED
    assert finding not in reconcile(pcc)
    fact.amount = printed
    fact.save()
    reconcile(pcc)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_a_partner_may_not_explain(findings, partner_a_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        finding_explain(finding=_wording([341, 593]), user=partner_a_user, comment="No")


def test_an_explanation_needs_a_comment(findings, staff_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        finding_explain(finding=_finding("ceiling/programa-total-chf"), user=staff_user, comment="  ")


def test_us_dollar_figures_printed_as_francs_are_flagged_and_quantified_at_the_tables_rate(findings):
    # Cuadro 1 of 1.2 (line 580) requests US$ (23,940) for CERX Arequipa; the programme's Cuadro 1 prints
    # (23'940) in its CHF column (line 226). At that table's rate, 1 USD = 1.25 CHF (line 214), US$ 23,940
    # is CHF 29,925: the francs printed are CHF 5,985 short of it.
    finding = _finding("currency/extension-cerx-arequipa", "programa-cuadro-1/226/extension")
    assert finding.severity == Severity.MATERIAL
    assert (finding.stated, finding.recomputed, finding.difference) == ("-23940", "-29925", Decimal("5985"))
    assert (finding.currency, finding.lines) == ("CHF", [214, 226, 580])
    assert finding.partner.acronym == "CERX-AQP"
    # The message writes both in one style, each with its currency (US$, never USD).
    assert finding.message.startswith("US$ -23,940 (línea 580) figura como CHF -23,940 (línea 226); ")
    assert finding.message.endswith("US$ -23,940 equivale a CHF -29,925.")


def test_outcomes_sharing_a_key_are_kept_apart(pcc, monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @register_rule_kind("twice", "Two outcomes without keys")
    def twice(rule, ctx):
        return [
            Outcome(Decimal("1"), Decimal("3"), "CHF", [1], "T", "first"),
            Outcome(Decimal("1"), Decimal("1.0000004"), "CHF", [2], "T", "second"),
        ]

    ReconciliationRule.objects.create(programme=pcc, code="staff/twice", kind="twice", description="x")
    reconcile(pcc)
    history = Finding.history.count()
    reconcile(pcc)
    assert Finding.history.count() == history
    assert sorted(Finding.objects.filter(rule__code="staff/twice").values_list("key", "message")) == [
        ("", "first"),
        ("#2", "second"),
    ]


def _three_rows_and_their_total(total: str):
    """A CHF table: items 1'000, 2'000 and 3'000 on lines 11–13, ``total`` printed on line 14, and the
    sum rule that checks it."""
    table = BudgetTableFactory(currency="CHF")
    column = BudgetColumnFactory(table=table, key="chf")
    for value in ("1000", "2000", "3000"):
        BudgetFactFactory(row=BudgetRowFactory(table=table), column=column, value=Decimal(value))
    total_row = BudgetRowFactory(table=table, label="TOTAL", role=RowRole.TOTAL)
    fact = BudgetFactFactory(row=total_row, column=column, value=Decimal(total))
    rule = ReconciliationRuleFactory(
        programme=table.programme,
        subject=table,
        params={"total": ref(table, 14, "chf"), "terms": [ref(table, line, "chf") for line in (11, 12, 13)]},
    )
    return rule, fact


def test_a_total_planted_wrong_in_a_small_table_is_the_one_material_finding(db):
    rule, _total = _three_rows_and_their_total("6100")
    (finding,) = reconcile(rule.programme)
    assert (finding.rule, finding.severity, finding.stated, finding.recomputed) == (
        rule,
        Severity.MATERIAL,
        "6100",
        "6000",
    )
    assert (finding.difference, finding.currency, finding.lines) == (Decimal("100"), "CHF", [11, 12, 13, 14])


@pytest.mark.parametrize(("total", "severities"), [("6001", [Severity.ROUNDING]), ("6000", [])])
def test_one_franc_off_is_rounding_and_the_right_total_holds(db, total, severities):
    rule, _total = _three_rows_and_their_total(total)
    assert [f.severity for f in reconcile(rule.programme)] == severities


def test_correcting_the_planted_total_resolves_its_finding(db):
    rule, total = _three_rows_and_their_total("6100")
    (finding,) = reconcile(rule.programme)
    total.amount = Money(Decimal("6000"), "CHF")
    total.save()
    assert reconcile(rule.programme) == []
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED


@pytest.mark.parametrize(
    "order", [(Severity.ROUNDING, Severity.MATERIAL), (Severity.MATERIAL, Severity.ROUNDING)]
)
def test_a_rule_counts_once_in_the_summary_by_its_worst_finding(db, order):
    # Three rules: one with a rounding and a material finding (in either order), one with a rounding
    # finding, one with none.
    mixed = FindingFactory(severity=order[0]).rule
    FindingFactory(rule=mixed, severity=order[1])
    programme = mixed.programme
    FindingFactory(rule=ReconciliationRuleFactory(programme=programme), severity=Severity.ROUNDING)
    ReconciliationRuleFactory(programme=programme)
    summary = summarise(programme)
    counts = (summary.rules, summary.holding, summary.rounding, summary.material, summary.unchecked)
    assert counts == (3, 1, 1, 1, 0)


def test_a_sum_of_figures_each_rounded_may_miss_by_half_a_unit_per_term(findings):
    # Tourism expenses in US$ (lines 1068–1085), each converted from CHF at 1.05 and rounded: 17 terms add
    # up to 145,568 against the printed 145,571. Three units on seventeen rounded terms is rounding.
    for column in ("august", "december"):
        finding = Finding.objects.get(rule__code=f"l2-gastos-usd/1085/{column}:sum-rows")
        assert (finding.stated, finding.recomputed, finding.severity) == (
            "145571",
            "145568",
            Severity.ROUNDING,
        )
    # The same arithmetic in the binding currency: half a unit per whole-franc term. Line 227, Asistencia
    # técnica nacional (MWA): 20'000 + 60'000 + 50'000 + 20'000 + (9'236) is 140'764, printed 140'760: five
    # terms may miss by 2.5, so four francs are material.
    chf = Finding.objects.get(rule__code="programa-cuadro-1/227/total:sum-columns")
    assert (chf.severity, chf.stated, chf.recomputed) == (Severity.MATERIAL, "140760", "140764")


def test_a_row_formula_is_not_applied_to_a_total_whose_members_state_only_some_of_its_columns(findings):
    # Subproject Cuadro 1, line 584: the total adds TULUM's US$ 343,040 (line 583) into "Total Fase II",
    # while TULUM's "Disponible", IGV, executed and estimated are "n.a.". "Disponible = total + IGV −
    # executed − estimated" holds for each partner's row, not for the total (it gave 501,467 against
    # 158,427, a false alarm in both copies of the table).
    codes = set(ReconciliationRule.objects.values_list("code", flat=True))
    assert "sp12-cuadro-1/584/available:identity" not in codes
    assert "sp13-cuadro-1/897/available:identity" not in codes
    assert "sp12-cuadro-1/578/available:identity" in codes  # PROSUR's own row is still checked
    # "Additional = requested − available" is n.a. in all three for TULUM: still checked on the total.
    assert (
        Finding.objects.get(rule__code="sp12-cuadro-1/584/additional:identity").severity == Severity.ROUNDING
    )


def test_a_blank_cell_of_a_total_row_is_not_a_zero_the_row_sum_cannot_be_checked(findings, pcc):
    # Line 238, TOTAL: 577'000, 1'422'000, 1'115'000, 886'000, "2008 extensión" left blank, total 4'086'384.
    # The blank is not a zero (the column's items add up to 86'384, which the total includes): the row's
    # sum is not checkable, shown as such, and no material finding.
    row_sum = _finding("programa-cuadro-1/238/total:sum-columns")
    assert row_sum.severity == Severity.UNCHECKED
    assert (row_sum.stated, row_sum.recomputed) == ("4086384", "4000000")
    assert row_sum.lines == [238]
    assert "2008 extensión" in row_sum.message and "4,000,000" in row_sum.message
    summary = summarise(pcc)
    assert summary.unchecked == 1
    # The sum down the rows still differs materially (4'216'380, the rows' printed totals).
    assert _finding("programa-cuadro-1/238/total:sum-rows").severity == Severity.MATERIAL


def test_an_na_term_is_not_a_zero_when_the_others_do_not_account_for_the_total(db):
    # Items 1'000, n.a., 3'000 and a total of 6'000: the stated terms give 4'000, the n.a. may be the
    # rest, so the check cannot be made; with the total printed as 4'000 the stated terms account for it.
    table = BudgetTableFactory(currency="CHF")
    column = BudgetColumnFactory(table=table, key="chf")
    BudgetFactFactory(row=BudgetRowFactory(table=table), column=column, value=Decimal(1000))
    BudgetFactFactory(
        row=BudgetRowFactory(table=table), column=column, value=None, text="n.a.", marker="n.a."
    )
    BudgetFactFactory(row=BudgetRowFactory(table=table), column=column, value=Decimal(3000))
    total = BudgetFactFactory(
        row=BudgetRowFactory(table=table, label="TOTAL", role=RowRole.TOTAL),
        column=column,
        value=Decimal(6000),
    )
    rule = ReconciliationRuleFactory(
        programme=table.programme,
        subject=table,
        params={"total": ref(table, 14, "chf"), "terms": [ref(table, line, "chf") for line in (11, 12, 13)]},
    )
    (finding,) = reconcile(rule.programme)
    assert (finding.severity, finding.stated, finding.recomputed) == (Severity.UNCHECKED, "6000", "4000")
    assert "12" in finding.message and summarise(rule.programme).material == 0
    total.amount = Money(4000, "CHF")
    total.text = "4000"
    total.save()
    assert reconcile(rule.programme) == []


def test_a_shifted_row_is_found_without_a_rule_written_for_it(findings):
    # Programme Cuadro 1, section "Fomento a exportaciones regionales" (line 221): "PROSUR" (line 222) prints
    # no amount, the row of line 230 prints 20'000 … 195'000 with no label. The labels are one row off: line
    # 223's amounts (with the 9'360 that Cuadro 1 of 1.2 gives PROSUR, line 578) are PROSUR's.
    finding = _finding("programa-cuadro-1:row-labels", "programa-cuadro-1/222")
    assert finding.rule.origin == RuleOrigin.LOADER
    assert (finding.severity, finding.lines) == (Severity.MATERIAL, [222, 223, 230])
    assert "PROSUR" in finding.message and "230" in finding.message
    # No other table of the PCC has a labelled row without amounts beside amounts without a label.
    assert Finding.objects.filter(rule__kind="row_labels").current().count() == 1


def test_labels_and_amounts_in_step_hold_and_a_planted_shift_is_found(db):
    table = BudgetTableFactory(currency="CHF")
    column = BudgetColumnFactory(table=table, key="chf")
    heading = BudgetRowFactory(table=table, label="Sección", role=RowRole.HEADING)
    rows = [BudgetRowFactory(table=table, label=label, section=heading) for label in ("A", "B", "C")]
    for row in rows:
        BudgetFactFactory(row=row, column=column, value=Decimal(100))
    rule = ReconciliationRuleFactory(
        programme=table.programme, subject=table, kind="row_labels", params={"table": table.code}
    )
    assert reconcile(rule.programme) == []
    # The amounts move one row down: "A" states nothing, a row without a label states the last amounts.
    BudgetFact.objects.filter(row=rows[0]).delete()
    BudgetFactFactory(
        row=BudgetRowFactory(table=table, label="", section=heading), column=column, value=Decimal(100)
    )
    (finding,) = reconcile(rule.programme)
    assert finding.severity == Severity.MATERIAL
    assert finding.lines == [rows[0].line, rows[1].line, rows[2].line + 1]


def test_different_rates_for_one_currency_pair_and_period_are_an_observation(findings):
    # Programme Cuadro 1 converts at 1.25 CHF/USD (line 214); the subprojects' tables of results at 1.123
    # (line 916); the tourism tables at 1.05 (line 1092): all three for 2008. No rule names them.
    finding = _finding("rates:one-per-period", "CHF/USD")
    assert finding.rule.origin == RuleOrigin.LOADER
    assert (finding.severity, finding.lines) == (Severity.OBSERVATION, [214, 916, 1092])
    assert finding.stated == "1.25; 1.123; 1.05"
    assert "3 tipos de cambio distintos de 1 US$ en CHF" in finding.message


def _rated_table(programme, code, base, quote, rate, valid_from, line):
    """A CHF table of ``programme`` converting at 1 ``base`` = ``rate`` ``quote`` from ``valid_from`` to 2008's end."""
    from core.models import ExchangeRate

    table = BudgetTableFactory(currency="CHF", **({"programme": programme} if programme else {}))
    table.rate = ExchangeRate.objects.create(
        code=code,
        base_currency=base,
        quote_currency=quote,
        rate=Decimal(rate),
        valid_from=valid_from,
        valid_to="2008-12-31",
        line=line,
    )
    table.save()
    return table


def test_one_rate_per_pair_and_period_holds(db):
    table = _rated_table(None, "t-usd-chf", "USD", "CHF", "1.25", "2008-01-01", 5)
    rule = ReconciliationRuleFactory(programme=table.programme, kind="stated_rates", params={}, subject=None)
    assert reconcile(rule.programme) == []
    # A second table at 1 CHF = 0.8 USD is the same rate written the other way round: it still holds.
    other = _rated_table(table.programme, "t-chf-usd", "CHF", "USD", "0.8", "2008-06-01", 9)
    assert reconcile(rule.programme) == []
    other.rate.rate = Decimal("0.9")
    other.rate.save()
    (finding,) = reconcile(rule.programme)
    assert (finding.severity, finding.lines) == (Severity.OBSERVATION, [5, 9])


@pytest.mark.parametrize(("table", "low", "high"), [("sp12-cuadro-1", 579, 580), ("sp13-cuadro-1", 892, 893)])
def test_a_table_stating_no_rate_implies_several(findings, table, low, high):
    # Cuadro 1 of 1.2 states no rate; its "Total Fase II" in CHF and US$ imply 240'000 / 198'014 = 1.2120
    # CHF per US$ for AMPEX (line 579) and 150'000 / 120'689 = 1.2429 for CERX Arequipa (line 580).
    finding = _finding(f"{table}/chf>usd:implied-rate", f"{table}/chf>usd")
    assert (finding.severity, finding.lines, finding.stated) == (
        Severity.OBSERVATION,
        [low, high],
        "1.212 – 1.2429",
    )
    assert "1.2120" in finding.message and "1.2429" in finding.message
