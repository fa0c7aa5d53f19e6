from decimal import Decimal

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
    # 18, 2 for the cache key (the programmes' figures versions, the reports' currencies) and, when not
    # cached, 5 for the live money and the budget-vs-actual chart of its programme (versions included).
    with django_assert_max_num_queries(25):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(20):  # the partner's money from the cache
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


def _live_reported(html: str, partner: str, currency: str) -> str:
    """The "reported since (approved)" cell of a live-money row (the third figure)."""
    row = html.split(f'id="live-{partner}-{currency}"')[1].split("</tr>")[0]
    cell = row.split('<td class="num">')[3].split("</td>")[0]
    return cell.removeprefix('<span class="money">').removesuffix("</span>")


def test_an_approved_financial_report_shows_on_the_partner_dashboard_at_once(partner_a_user, staff_user, pcc):
    """The partner's money is cached until its programme's figures change: the report approved after the
    dashboard was seen (by the partner and by staff) is in the live money of the next view of each."""
    from django.test import Client

    from core.models import Organisation
    from finance import services
    from results.models import ReportingPeriod

    partner, staff = Client(), Client()
    partner.force_login(partner_a_user)
    staff.force_login(staff_user)
    assert _live_reported(partner.get(URL).content.decode(), "PROSUR", "CHF") == "CHF&nbsp;0"
    assert (
        _live_reported(staff.get(URL, {"partner": "PROSUR"}).content.decode(), "PROSUR", "CHF")
        == "CHF&nbsp;0"
    )
    report = services.report_create(
        user=partner_a_user,
        programme=pcc,
        partner=Organisation.objects.get(acronym="PROSUR"),
        period=ReportingPeriod.objects.get(programme=pcc, start_date="2008-10-01"),
        currency="CHF",
    )
    line_593 = report.lines.get(budget_row__line=593).budget_row_id  # Resultado 2: CHF 18,709 budgeted
    report = services.report_update(report=report, user=partner_a_user, spent={line_593: Decimal("1200")})
    report = services.report_submit(report=report, user=partner_a_user)
    services.report_approve(report=report, user=staff_user)
    assert _live_reported(partner.get(URL).content.decode(), "PROSUR", "CHF") == "CHF&nbsp;1,200"
    staff_html = staff.get(URL, {"partner": "PROSUR"}).content.decode()
    assert _live_reported(staff_html, "PROSUR", "CHF") == "CHF&nbsp;1&#x27;200"  # COSUDE staff: Swiss style


def test_a_budget_figure_changed_after_the_partner_dashboard_was_seen_shows_at_once(
    login, partner_a_user, pcc
):
    """Anexo 1, line 1115: PROSUR's Sep–Dec 2008 budget of CHF 28,154, corrected to CHF 28,500."""
    from djmoney.money import Money

    from budgets.models import BudgetFact

    client = login(partner_a_user)
    assert "CHF&nbsp;28,154.00" in _budget_line(client.get(URL).content.decode(), 1115)
    fact = BudgetFact.objects.get(line=1115, amount=Money("28154", "CHF"))
    fact.amount = Money("28500", "CHF")
    fact.save()
    row = _budget_line(client.get(URL).content.decode(), 1115)
    assert "CHF&nbsp;28,500.00" in row and "28,154" not in row


def test_a_draft_report_in_us_dollars_brings_the_dollar_budget_chart_at_once(login, partner_a_user, pcc):
    """A draft changes no figure (no new figures version), yet its currency gets a budget chart of its
    own (Subproyecto 1.2 Cuadro 2 states PROSUR's lines in US$ too): the cache is keyed by it."""
    from core.models import ExchangeRate, Organisation
    from finance import services
    from results.models import ReportingPeriod

    client = login(partner_a_user)
    assert 'id="chart-lines-pcc-usd"' not in client.get(URL).content.decode()
    services.report_create(
        user=partner_a_user,
        programme=pcc,
        partner=Organisation.objects.get(acronym="PROSUR"),
        period=ReportingPeriod.objects.get(programme=pcc, start_date="2008-10-01"),
        currency="USD",
        rate=ExchangeRate.objects.get(code="pcc-chf-usd-1-123"),
    )
    assert 'id="chart-lines-pcc-usd"' in client.get(URL).content.decode()
