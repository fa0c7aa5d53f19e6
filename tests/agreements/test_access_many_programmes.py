"""Access for users of many programmes: past ``MAX_LISTED_PROGRAMMES`` the scope asks the memberships in a
subquery instead of listing the ids; what each user sees stays the same."""

import pytest

from agreements import access
from budgets.models import BudgetFact
from results.models import ProgressReport, WorkPlan


@pytest.fixture(params=["listed", "subquery"])
def listing(request, monkeypatch):
    if request.param == "subquery":
        monkeypatch.setattr(access, "MAX_LISTED_PROGRAMMES", 0)
    return request.param


def test_staff_read_every_figure_and_plan_of_their_programme(listing, staff_user, pcc):
    assert BudgetFact.objects.for_user(staff_user).count() == BudgetFact.objects.filter(programme=pcc).count()
    assert set(WorkPlan.objects.for_user(staff_user).values_list("code", flat=True)) == set(
        WorkPlan.objects.filter(programme=pcc).values_list("code", flat=True)
    )


def test_a_partner_reads_only_its_own_figures_and_plans(listing, partner_a_user, pcc):
    facts = BudgetFact.objects.for_user(partner_a_user)
    assert facts.exists()
    assert set(facts.values_list("partner__acronym", flat=True)) == {"PROSUR"}
    assert "poa-ampex-2008" not in set(
        WorkPlan.objects.for_user(partner_a_user).values_list("code", flat=True)
    )
    assert "poa-prosur-2008" in set(WorkPlan.objects.for_user(partner_a_user).values_list("code", flat=True))
    assert (
        not ProgressReport.objects.for_user(partner_a_user)
        .exclude(activity__plan__code="poa-prosur-2008")
        .exclude(indicator__result__plan__code="poa-prosur-2008")
        .exists()
    )
