"""The budgets and reconciliation admin pages open, search and filter without an unbounded query per row."""

import pytest
from django.urls import reverse

from budgets.models import BudgetFact, BudgetTable
from reconciliation.models import Finding, ReconciliationRule

MODELS = [
    "budgets_budgettable",
    "budgets_budgetrow",
    "budgets_budgetcolumn",
    "budgets_budgetfact",
    "reconciliation_reconciliationrule",
    "reconciliation_finding",
    "reconciliation_computation",
]


@pytest.mark.parametrize("model", MODELS)
def test_changelist_opens_with_search(login, admin_user, findings, model, django_assert_max_num_queries):
    client = login(admin_user)
    with django_assert_max_num_queries(20):
        response = client.get(reverse(f"admin:{model}_changelist"), {"q": "1"})
    assert response.status_code == 200


def test_change_pages_open(login, admin_user, findings):
    client = login(admin_user)
    for obj in (
        BudgetTable.objects.first(),
        BudgetFact.objects.first(),
        ReconciliationRule.objects.first(),
        Finding.objects.first(),
    ):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200


def test_staff_add_a_rule_in_the_admin(login, admin_user, pcc):
    response = login(admin_user).post(
        reverse("admin:reconciliation_reconciliationrule_add"),
        {
            "programme": pcc.pk,
            "code": "staff/check",
            "kind": "sum",
            "description": "Una regla",
            "params": '{"total": "sp12-cuadro-5/654/chf", "terms": ["sp12-cuadro-5/652/chf", "sp12-cuadro-5/653/chf"]}',
            "origin": "loader",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReconciliationRule.objects.get(code="staff/check").origin == "staff"


def test_the_admin_offers_only_registered_kinds(login, admin_user, pcc):
    response = login(admin_user).post(
        reverse("admin:reconciliation_reconciliationrule_add"),
        {
            "programme": pcc.pk,
            "code": "staff/x",
            "kind": "nope",
            "description": "x",
            "params": "{}",
            "origin": "staff",
        },
    )
    assert response.status_code == 200
    assert not ReconciliationRule.objects.filter(code="staff/x").exists()
    kinds = dict(response.context["adminform"].form.fields["kind"].choices)
    assert {"sum", "conversion", "same_figure", "agreement_ceiling", "statement_vs_text"} <= set(kinds)
