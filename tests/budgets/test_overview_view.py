"""budgets:overview — figures per component and partner, per currency, never adding two currencies."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from djmoney.money import Money

from budgets.models import BudgetFact
from budgets.querysets import totals_by_currency

URL = reverse("budgets:overview", args=["pcc"])


def _row(response, component, partner):
    return next(r for r in response.context["rows"] if (r["component"], r["partner"]) == (component, partner))


def test_staff_see_every_partner_per_currency(login, staff_user, pcc):
    response = login(staff_user).get(URL)
    assert response.status_code == 200
    prosur = _row(response, "1.2", "PROSUR")
    assert prosur["values"][("total_phase", "CHF")] == Money(Decimal("240000"), "CHF")
    assert prosur["values"][("total_phase", "USD")] == Money(Decimal("194954"), "USD")
    assert prosur["values"][("executed", "USD")] == Money(Decimal("174448"), "USD")
    assert prosur["values"][("requested", "USD")] == Money(Decimal("25070"), "USD")
    lambayeque = _row(response, "1.3", "CERX-LAM")
    assert lambayeque["values"][("planned", "CHF")] == Money(Decimal("126060"), "CHF")
    assert lambayeque["values"][("additional", "USD")] == Money(Decimal("-9236"), "USD")
    for row in response.context["rows"]:
        for (_figure, currency), money in row["values"].items():
            assert str(money.currency) == currency


def test_programme_totals_add_items_only(login, staff_user, pcc):
    response = login(staff_user).get(URL)
    keys = [key for key, _label in response.context["figures"]]
    chf, usd = response.context["programme_row"][keys.index("total_phase")]
    # The items of lines 578–583, not the printed total of line 584 (1,288,584).
    assert usd == Money(Decimal("1288583"), "USD")
    assert chf == Money(Decimal("1580000"), "CHF")
    planned_chf, planned_usd = response.context["programme_row"][keys.index("planned")]
    assert planned_usd is None


def test_the_printed_totals_row_is_what_the_dashboards_show(login, staff_user, pcc):
    response = login(staff_user).get(URL)
    keys = [key for key, _label in response.context["figures"]]
    printed = response.context["printed_row"]
    # Line 584 prints 1,580,000 CHF = 1,288,584 US$ for the phase; line 238 prints CHF 4'086'384 planned.
    assert printed[keys.index("total_phase")] == [Money("1580000", "CHF"), Money("1288584", "USD")]
    assert printed[keys.index("planned")][0] == Money("4086384", "CHF")
    assert printed[keys.index("executed")][1] == Money("780037", "USD")
    html = response.content.decode().split('id="printed-total"')[1].split("</tr>")[0]
    dashboard = login(staff_user).get(reverse("reports:programme_dashboard", args=["pcc"])).content.decode()
    assert "4&#x27;086&#x27;384" in html and "CHF&nbsp;4&#x27;086&#x27;384.00" in dashboard


def test_partner_sees_only_its_organisation(login, partner_b_user, pcc):
    response = login(partner_b_user).get(URL)
    assert {r["partner"] for r in response.context["rows"]} == {"AMPEX"}


def test_another_programme_is_404(login, partner_a_user, pcc):
    assert login(partner_a_user).get(reverse("budgets:overview", args=["nope"])).status_code == 404


def test_query_count_is_pinned(login, staff_user, pcc, django_assert_max_num_queries):
    client = login(staff_user)
    # 10, and 2 for the live money (its budget figures and the approved reports' lines).
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


@pytest.mark.postgres
def test_the_database_sums_per_currency_on_postgresql(pcc):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite sums money through floating point; pcc adds the amounts in Python there")
    totals = totals_by_currency(
        BudgetFact.objects.filter(budget_table__code="sp12-cuadro-1", is_total=False), "figure"
    )
    by_key = {(t["figure"], t["amount_currency"]): t["total"] for t in totals}
    assert by_key[("total_phase", "USD")] == Decimal("1288583")
    assert by_key[("total_phase", "CHF")] == Decimal("1580000")


def test_totals_never_add_two_currencies(pcc):
    totals = totals_by_currency(
        BudgetFact.objects.filter(budget_table__code="sp12-cuadro-1", is_total=False), "figure"
    )
    by_key = {(t["figure"], t["amount_currency"]): t["total"] for t in totals}
    assert by_key[("total_phase", "USD")] == Decimal("1288583")
    assert by_key[("total_phase", "CHF")] == Decimal("1580000")
    assert by_key[("additional", "USD")] == Decimal("21384")


def test_lists_the_tables_the_reader_may_open(login, staff_user, partner_a_user, pcc):
    assert len(login(staff_user).get(URL).context["tables"]) == 16
    codes = {t.code for t in login(partner_a_user).get(URL).context["tables"]}
    assert "sp12-cuadro-2-prosur" in codes
    assert "sp12-cuadro-2-ampex" not in codes
