"""The factories of tests/factories.py build objects the models accept, consistent with each other."""

from decimal import Decimal

from djmoney.money import Money

from agreements.models import ProgrammeParticipant, Role
from reconciliation.models import Finding
from results.models import Activity, WorkPlan
from tests.factories import (
    ActivityFactory,
    BudgetColumnFactory,
    BudgetFactFactory,
    BudgetRowFactory,
    BudgetTableFactory,
    FindingFactory,
    IndicatorFactory,
    OrganisationFactory,
    UserFactory,
)


def test_a_figure_sits_where_its_table_row_and_column_place_it(db):
    table = BudgetTableFactory(currency="USD")
    partner = OrganisationFactory(acronym="TEST-PARTNER")
    first, second = BudgetRowFactory(table=table), BudgetRowFactory(table=table, partner=partner)
    column = BudgetColumnFactory(table=table)
    fact = BudgetFactFactory(row=second, column=column, value="28154")

    assert (first.line, second.line) == (table.first_line, table.first_line + 1)
    assert fact.amount == Money(Decimal("28154"), "USD")
    assert (fact.programme, fact.budget_table, fact.document) == (table.programme, table, table.document)
    assert (fact.line, fact.partner, fact.figure) == (second.line, partner, column.figure)
    for obj in (table, first, second, column, fact):
        obj.full_clean()


def test_a_figure_printed_as_a_dash_has_no_amount(db):
    fact = BudgetFactFactory(value=None, marker="dash", text="–")
    assert fact.amount is None and not fact.is_number
    fact.full_clean()


def test_a_finding_and_its_rule_pass_validation(db):
    finding = FindingFactory()
    finding.full_clean()
    finding.rule.full_clean()
    assert finding in Finding.objects.current() and finding.rule.programme.code != "pcc"


def test_an_activity_and_an_indicator_share_their_results_plan_whose_partner_takes_part(db):
    activity = ActivityFactory()
    indicator = IndicatorFactory(result=activity.result)
    plan = activity.plan
    assert activity.plan == activity.result.plan == indicator.plan
    assert ProgrammeParticipant.objects.filter(
        programme=plan.programme, organisation=plan.organisation
    ).exists()
    for obj in (plan, activity.result, activity, indicator):
        obj.full_clean()


def test_a_partner_of_a_plan_built_with_factories_sees_it_and_not_the_pccs(pcc):
    activity = ActivityFactory()
    user = UserFactory(membership=(activity.plan.organisation, Role.PARTNER_EDITOR))
    assert set(WorkPlan.objects.for_user(user).values_list("code", flat=True)) == {activity.plan.code}
    assert list(Activity.objects.for_user(user)) == [activity]
