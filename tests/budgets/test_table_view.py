"""budgets:table — a table as printed, flagged cells beside their recomputed values."""

from django.urls import reverse

from budgets.models import BudgetFact, BudgetTable


def _url(code):
    return reverse("budgets:table", args=["pcc", code])


def test_staff_see_the_table_as_printed_with_flagged_totals(login, staff_user, findings):
    response = login(staff_user).get(_url("programa-cuadro-1"))
    assert response.status_code == 200
    grid = response.context["grid"]
    assert [r["row"].line for r in grid] == list(range(217, 239))
    total_row = grid[-1]
    total_cell = total_row["cells"][-1]
    assert total_cell["fact"].text == "4'086'384"
    assert total_cell["finding"].severity == "material"
    content = response.content.decode()
    assert 'class="num flag-material"' in content
    # Printed (23'940) in the source; written in the reader's style (COSUDE staff: Swiss).
    assert "-23&#x27;940.00" in content
    assert "/sources/pcc-enmienda-2009/#L214" in content


def test_partner_sees_only_its_own_rows(login, partner_a_user, findings):
    response = login(partner_a_user).get(_url("sp12-cuadro-1"))
    assert response.status_code == 200
    lines = [r["row"].line for r in response.context["grid"]]
    assert lines == [578]
    assert "AMPEX" not in "".join(r["row"].label for r in response.context["grid"])


def test_partner_cannot_open_another_partners_table(login, partner_a_user, pcc):
    assert login(partner_a_user).get(_url("sp12-cuadro-2-ampex")).status_code == 404


def test_unknown_table_or_programme_is_404(login, staff_user, pcc):
    client = login(staff_user)
    assert client.get(_url("nope")).status_code == 404
    assert client.get(reverse("budgets:table", args=["nope", "programa-cuadro-1"])).status_code == 404


def test_anonymous_is_sent_to_login(client, pcc):
    assert client.get(_url("programa-cuadro-1")).status_code == 302


def test_query_count_does_not_depend_on_the_size_of_the_table(
    login, staff_user, findings, django_assert_max_num_queries
):
    client = login(staff_user)
    assert BudgetFact.objects.filter(budget_table__code="sp12-cuadro-5").count() < 5
    assert BudgetFact.objects.filter(budget_table__code="l2-gastos-chf").count() > 60
    for code in ("sp12-cuadro-5", "l2-gastos-chf", "anexo-1-sp12-sp13"):
        assert BudgetTable.objects.filter(code=code).exists()
        with django_assert_max_num_queries(12):
            assert client.get(_url(code)).status_code == 200


def test_the_table_page_lists_every_finding_the_reconciliation_lists_for_the_table(
    login, staff_user, findings
):
    client = login(staff_user)
    listed = client.get(
        reverse("budgets:reconciliation", args=["pcc"]), {"table": "programa-cuadro-1"}
    ).context["page"]
    on_table = client.get(_url("programa-cuadro-1")).context["findings"]
    assert len(listed) == 12  # Cuadro 1, lines 214–238
    assert sorted(f.pk for f in on_table) == sorted(f.pk for f in listed)
    # The total at line 238 is checked down its column and across its row (not checkable: its "2008
    # extensión" is blank): both are listed, with the shifted labels of lines 222–230.
    assert {
        "programa-cuadro-1/238/total:sum-columns",
        "programa-cuadro-1/238/total:sum-rows",
        "programa-cuadro-1:row-labels",
    } <= {f.rule.code for f in on_table}
