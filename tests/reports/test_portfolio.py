import pytest
from django.urls import reverse

from agreements.models import Programme

URL = reverse("reports:portfolio")


def test_portfolio_lists_each_programme_with_its_figures_per_currency(login, staff_user, reconciled):
    html = login(staff_user).get(URL).content.decode()
    row = html.split(reverse("reports:programme_dashboard", args=["pcc"]))[1].split("</tr>")[0]
    assert "CHF&nbsp;4&#x27;087&#x27;460.00" in row
    assert "US$&nbsp;3&#x27;283&#x27;290.00" in row
    assert "CHF&nbsp;4&#x27;086&#x27;384.00" in row  # as printed: programme Cuadro 1, line 238
    assert "US$&nbsp;780&#x27;037.00" in row  # Cuadro 1 of 1.2 and 1.3, line 584
    assert "?severity=material" in row


def test_portfolio_counts_reports_waiting_for_review(login, staff_user, progress):
    html = login(staff_user).get(URL).content.decode()
    row = html.split(reverse("reports:programme_dashboard", args=["pcc"]))[1].split("</tr>")[0]
    assert row.rstrip().endswith('<td class="num">1</td>')


def test_portfolio_filters_by_programme_and_paginates(login, staff_user, large_portfolio, monkeypatch):
    monkeypatch.setattr("reports.views.PROGRAMMES_PER_PAGE", 10)
    client = login(staff_user)
    html = client.get(URL, {"programme": "gen-0003"}).content.decode()
    assert reverse("reports:programme_dashboard", args=["gen-0003"]) in html
    assert reverse("reports:programme_dashboard", args=["pcc"]) not in html
    assert Programme.objects.count() == 21
    assert "page=2" in client.get(URL).content.decode()
    last = client.get(URL, {"page": 3}).content.decode()
    assert last.count('<th scope="row"><a href="/dashboards/') == 1


def test_a_partner_cannot_open_the_portfolio(login, partner_a_user):
    assert login(partner_a_user).get(URL).status_code == 403


@pytest.mark.parametrize("extra", [False, True])
def test_query_count_does_not_grow_with_the_number_of_programmes(
    login, staff_user, progress, django_assert_max_num_queries, request, extra
):
    if extra:
        request.getfixturevalue("large_portfolio")
    client = login(staff_user)
    with django_assert_max_num_queries(20):
        assert client.get(URL).status_code == 200
