from agreements.models import Membership, Role
from budgets.models import BudgetFact
from core.models import Organisation
from reconciliation.models import Finding
from tests.factories import OrganisationFactory, ParticipantFactory, ProgrammeFactory, UserFactory


def test_staff_of_another_programme_sees_only_its_own_organisations_rows_in_the_pcc(pcc):
    other_org = OrganisationFactory(acronym="OTHER-DONOR")
    ParticipantFactory(programme=ProgrammeFactory(code="otro"), organisation=other_org)
    user = UserFactory(username="two-hats", membership=(other_org, Role.PROGRAMME_STAFF))
    prosur = Organisation.objects.get(acronym="PROSUR")
    Membership.objects.create(user=user, programme=pcc, organisation=prosur, role=Role.PARTNER_VIEWER)

    facts = BudgetFact.objects.for_user(user)
    assert facts.exists()
    assert set(facts.values_list("partner__acronym", flat=True)) == {"PROSUR"}
    assert set(Finding.objects.for_user(user).values_list("partner__acronym", flat=True)) <= {"PROSUR"}


def test_pcc_staff_see_every_fact_of_the_pcc(pcc, staff_user):
    assert BudgetFact.objects.for_user(staff_user).count() == BudgetFact.objects.filter(programme=pcc).count()
