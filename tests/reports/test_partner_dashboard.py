from django.urls import reverse

URL = reverse("reports:partner_dashboard")


def test_partner_sees_its_plans_due_progress_and_own_budget(login, partner_a_user, progress):
    response = login(partner_a_user).get(URL, {"period": progress["approved"].period.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "poa-prosur-2008" in html
    assert "poa-ampex-2008" not in html
    due = html.split('id="due-title"')[1].split("</section>")[0]
    assert reverse("results:progress_detail", args=[progress["approved"].pk]) in due
    budget = html.split('id="budget-title"')[1].split("</section>")[0]
    assert "US$&nbsp;174,448.00" in budget  # PROSUR executed to July 2008, Peruvian format
    assert "194,250.00" not in budget  # AMPEX's execution


def test_partner_sees_its_returned_reports_and_not_another_partners(
    login, partner_b_user, partner_a_user, progress
):
    html = login(partner_b_user).get(URL).content.decode()
    returned = html.split('id="returned-title"')[1].split("</section>")[0]
    assert "Add the list of participants." in returned
    html = login(partner_a_user).get(URL).content.decode()
    assert "Add the list of participants." not in html


def test_partner_cannot_open_another_partners_dashboard(login, partner_a_user, pcc):
    assert login(partner_a_user).get(URL, {"partner": "AMPEX"}).status_code == 404


def test_viewer_reads_its_own_dashboard(login, partner_a_viewer, pcc):
    html = login(partner_a_viewer).get(URL).content.decode()
    assert "poa-prosur-2008" in html


def test_staff_chooses_a_partner_then_sees_its_dashboard(login, staff_user, progress):
    client = login(staff_user)
    choice = client.get(URL).content.decode()
    assert '<option value="AMPEX">' in choice
    html = client.get(URL, {"partner": "AMPEX"}).content.decode()
    assert "poa-ampex-2008" in html
    assert "poa-prosur-2008" not in html


def test_query_count_is_bounded(
    login, partner_a_user, progress, large_portfolio, django_assert_max_num_queries
):
    client = login(partner_a_user)
    # 18, and 6 for the live money and the budget-vs-actual chart of its programme (versions included).
    with django_assert_max_num_queries(24):
        assert client.get(URL).status_code == 200


def _budget_line(html: str, line: int) -> str:
    lines = html.split("Budget lines", 1)[-1] if "Budget lines" in html else html.split("Líneas", 1)[-1]
    return next(row for row in lines.split("<tr>") if f"<td>{line}</td>" in row)


def test_a_budget_line_shows_its_budget_once_not_added_to_its_breakdown(login, partner_a_user, pcc):
    # Anexo 1, line 1115: PROSUR's budget Sep–Dec 2008 is CHF 28,154 = US$ 25,070, of which US$ 280 office
    # supplies and US$ 24,790 services. The breakdown is not added to the budget again (it was: 50,140).
    row = _budget_line(login(partner_a_user).get(URL).content.decode(), 1115)
    assert "US$&nbsp;25,070.00" in row and "CHF&nbsp;28,154.00" in row
    assert "50,140" not in row


def test_another_partners_annex_line_is_its_own_budget(login, partner_b_user, pcc):
    row = _budget_line(login(partner_b_user).get(URL).content.decode(), 1116)  # AMPEX: 33,915 = US$ 30,200
    assert "US$&nbsp;30,200.00" in row and "60,400" not in row


def test_the_partner_dashboard_lists_its_indicators_with_their_approved_progress(login, partner_a_user, pcc):
    from results.models import Indicator

    html = login(partner_a_user).get(URL).content.decode()
    section = html.split('id="indicators-title"')[1].split("</section>")[0]
    own = Indicator.objects.filter(result__plan__code="poa-prosur-2008")
    assert own.exists()
    for indicator in own:
        assert indicator.get_absolute_url() in section
    other = Indicator.objects.filter(result__plan__code="poa-ampex-2008").first()
    assert other.get_absolute_url() not in section
