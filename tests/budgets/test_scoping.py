"""BudgetFact.objects.for_user and Finding.objects.for_user: a partner reads its own figures and findings only.

Figures from the source: Cuadro 1 of Subproyecto 1.2, "Total Ejecutado a Julio 2008 (US$)", PROSUR 174,448
(seed line 578) and AMPEX 194,250 (line 579). The "Monto Adicional Requerido" of each, 9,360 and 30,200
US$, is printed again as CHF in the programme's Cuadro 1 (lines 223 and 224): one finding per partner.
"""

from django.urls import reverse
from djmoney.money import Money

from agreements.models import Membership, Role
from budgets.models import BudgetFact, FigureKind
from core.models import Organisation
from reconciliation.models import Finding
from tests.factories import OrganisationFactory, ParticipantFactory, ProgrammeFactory, UserFactory

EXECUTED = {"budget_table__code": "sp12-cuadro-1", "figure": FigureKind.EXECUTED}
PROSUR_FINDING = "currency/extension-prosur"
AMPEX_FINDING = "currency/extension-ampex"


def _executed(facts) -> dict[int, Money]:
    return {f.line: f.amount for f in facts.filter(**EXECUTED)}


def test_a_partner_reads_its_own_figures_and_not_another_partners(partner_a_user, findings):
    assert _executed(BudgetFact.objects.filter(line__in=[578, 579])) == {
        578: Money("174448", "USD"),
        579: Money("194250", "USD"),
    }
    facts = BudgetFact.objects.for_user(partner_a_user)
    assert _executed(facts) == {578: Money("174448", "USD")}
    assert not facts.filter(partner__acronym="AMPEX").exists()


def test_a_partner_reads_the_findings_about_it_and_not_another_partners(partner_a_user, findings):
    assert {PROSUR_FINDING, AMPEX_FINDING} <= set(
        Finding.objects.current().values_list("rule__code", flat=True)
    )
    visible = Finding.objects.for_user(partner_a_user).current()
    codes = set(visible.values_list("rule__code", flat=True))
    assert PROSUR_FINDING in codes
    assert AMPEX_FINDING not in codes
    prosur = visible.get(rule__code=PROSUR_FINDING)
    # Line 214 states the rate (1.25 CHF/USD) the US$ figure is converted at.
    assert (prosur.partner.acronym, prosur.lines) == ("PROSUR", [214, 223, 578])


def test_staff_of_another_programme_read_only_their_pcc_organisations_figures(pcc, findings):
    other_org = OrganisationFactory(acronym="OTHER-DONOR")
    ParticipantFactory(programme=ProgrammeFactory(code="otro"), organisation=other_org)
    user = UserFactory(username="two-hats", membership=(other_org, Role.PROGRAMME_STAFF))
    prosur = Organisation.objects.get(acronym="PROSUR")
    Membership.objects.create(user=user, programme=pcc, organisation=prosur, role=Role.PARTNER_VIEWER)

    assert _executed(BudgetFact.objects.for_user(user)) == {578: Money("174448", "USD")}
    codes = set(Finding.objects.for_user(user).current().values_list("rule__code", flat=True))
    assert PROSUR_FINDING in codes and AMPEX_FINDING not in codes


def test_the_reconciliation_page_lists_the_partners_findings_only(
    login, partner_a_user, partner_b_user, findings
):
    url = reverse("budgets:reconciliation", args=["pcc"])
    prosur_page = {f.rule.code for f in login(partner_a_user).get(url).context["page"]}
    ampex_page = {f.rule.code for f in login(partner_b_user).get(url).context["page"]}
    assert PROSUR_FINDING in prosur_page and AMPEX_FINDING not in prosur_page
    assert AMPEX_FINDING in ampex_page and PROSUR_FINDING not in ampex_page


def test_pcc_staff_read_every_partners_figures(staff_user, findings):
    facts = BudgetFact.objects.for_user(staff_user)
    assert _executed(facts.filter(line__in=[578, 579])) == {
        578: Money("174448", "USD"),
        579: Money("194250", "USD"),
    }
    partners = set(facts.values_list("partner__acronym", flat=True))
    assert {"PROSUR", "AMPEX", "CERX-AQP", "CERX-LAM", None} <= partners
