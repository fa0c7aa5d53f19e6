import json
import re

import pytest
from django.urls import reverse

from reconciliation.models import Finding, ReconciliationRule, Severity

URL = reverse("reports:programme_dashboard", args=["pcc"])


def test_headline_shows_the_ceilings_and_figures_per_currency_with_the_us_reference(
    login, staff_user, reconciled
):
    response = login(staff_user).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    headline = html.split('id="headline-title"')[1].split("</section>")[0]
    # Consolidated terms: the amended ceilings, each in its own currency (COSUDE reads Swiss format).
    assert "CHF&nbsp;4&#x27;087&#x27;460.00" in headline
    assert "US$&nbsp;3&#x27;283&#x27;290.00" in headline
    # The totals as printed, never added across currencies: planned CHF 4'086'384 (programme Cuadro 1,
    # TOTAL row, line 238); executed, available and requested in US$ (Cuadro 1 of 1.2 and 1.3, line 584).
    assert "CHF&nbsp;4&#x27;086&#x27;384.00" in headline
    assert "US$&nbsp;780&#x27;037.00" in headline
    assert "US$&nbsp;158&#x27;427.00" in headline
    assert "US$&nbsp;179&#x27;812.00" in headline
    # CHF 4'086'384 at 1 USD = 1.25 CHF is US$ 3'269'107.20; the rate is named beside it.
    assert "US$&nbsp;3&#x27;269&#x27;107.20" in headline
    assert "pcc-chf-usd-1-25" in headline
    # Line 238 does not add up down the rows (the rows' totals make 4'216'380): the recomputed figure is
    # beside it, linked to its finding. Across, its "2008 extensión" is blank, not a zero: 577'000 +
    # 1'422'000 + 1'115'000 + 886'000 = 4'000'000 is no recomputed total, and is not shown as one.
    down = Finding.objects.get(rule__code="programa-cuadro-1/238/total:sum-rows")
    assert down.recomputed == "4216380" and f"#finding-{down.pk}" in headline
    across = Finding.objects.get(rule__code="programa-cuadro-1/238/total:sum-columns")
    assert across.severity == Severity.UNCHECKED and f"#finding-{across.pk}" not in headline
    # In the reader's number style, with the currency, like every amount on the page.
    assert 'recalculado: <span class="money">CHF&nbsp;4&#x27;216&#x27;380.00</span>' in headline
    assert "4&#x27;000&#x27;000.00</span>" not in headline
    assert (
        'id="headline-meaning"' in headline and 'role="alert"' not in headline
    )  # below the CHF 4'087'460 cap


def test_charts_come_with_their_data_and_a_table_of_the_same_figures(login, staff_user, reconciled):
    response = login(staff_user).get(URL)
    html = response.content.decode()
    for key in ("budget-by-year", "partner-figures", "indicators", "activities"):
        assert f'<canvas id="chart-{key}" data-chart="chart-{key}-data"' in html
        assert f'<script id="chart-{key}-data" type="application/json">' in html
    data = json.loads(
        html.split('<script id="chart-budget-by-year-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["labels"] == ["2005", "2006", "2007", "2008", "2008 extensión"]
    l1 = next(d for d in data["datasets"] if d["label"] == "L1 · CHF")
    assert l1["stack"] == "CHF"
    assert l1["data"][0] == "485000.00"
    assert "485&#x27;000.00" in html.split('id="chart-budget-by-year-title"')[1].split("</figure>")[0]
    assert "vendor/chartjs/chart-4.6.1.umd.min.js" in html
    assert "pcc/charts.js" in html


def test_reconciliation_summary_counts_rules_by_their_worst_finding_and_links_to_them(
    login, staff_user, reconciled
):
    # Counted here from the stored findings: a rule differs materially if one of its current findings
    # does, by rounding if its worst is rounding, and holds with none.
    rules = ReconciliationRule.objects.filter(programme=reconciled, active=True)
    current = Finding.objects.filter(rule__in=rules).current()
    with_findings = set(current.values_list("rule", flat=True))
    material = set(current.filter(severity=Severity.MATERIAL).values_list("rule", flat=True))
    unchecked = set(current.filter(severity=Severity.UNCHECKED).values_list("rule", flat=True))
    observed = set(current.filter(severity=Severity.OBSERVATION).values_list("rule", flat=True)) - material
    rounding = with_findings - material - unchecked - observed
    # Cuadro 1's total (seed line 238) is printed 4'086'384 where its rows add up to 4'216'380.
    assert rules.get(code="programa-cuadro-1/238/total:sum-rows").pk in material
    assert rules.get(code="programa-cuadro-1/238/total:sum-columns").pk in unchecked
    assert rounding

    html = login(staff_user).get(URL).content.decode()
    section = html.split('id="reconciliation-title"')[1].split("</section>")[0]
    findings_url = reverse("budgets:reconciliation", args=["pcc"])
    cards = re.findall(r'<div class="figure">(?:<a href="([^"]*)">)?(\d+)', section)
    assert cards == [
        ("", str(rules.count())),
        ("", str(rules.count() - len(with_findings))),
        (f"{findings_url}?severity=rounding", str(len(rounding))),
        (f"{findings_url}?severity=material", str(len(material))),
        # The numbering slip of line 1006, the three USD/CHF rates, the rates implied by Cuadro 1 of 1.2
        # and 1.3; the row sum of line 238, whose "2008 extensión" is blank.
        (f"{findings_url}?severity=observation", "4"),
        (f"{findings_url}?severity=unchecked", "1"),
    ]
    # The line under the cards counts findings, not rules (a rule may find several).
    line = section.split("<p>")[1].split("<a ")[0]
    material_findings = current.filter(severity=Severity.MATERIAL).count()
    rounding_findings = current.filter(severity=Severity.ROUNDING).count()
    assert re.findall(r"\d+", line) == [str(material_findings), str(rounding_findings), "4", "1"]

    listed = login(staff_user).get(findings_url, {"severity": "material"}).context["page"]
    assert listed.paginator.count == material_findings
    assert "programa-cuadro-1/238/total:sum-rows" in {f.rule.code for f in listed}


def test_review_queue_lists_submitted_reports(login, staff_user, progress):
    html = login(staff_user).get(URL).content.decode()
    queue = html.split('id="queue-title"')[1].split("</section>")[0]
    assert reverse("results:progress_detail", args=[progress["submitted"].pk]) in queue
    assert reverse("results:progress_detail", args=[progress["approved"].pk]) not in queue
    assert '<span class="badge">1</span>' in html.split('id="queue-title"')[1][:200]


def test_indicator_and_activity_charts_count_approved_progress(login, staff_user, progress):
    html = login(staff_user).get(URL).content.decode()
    data = json.loads(
        html.split('<script id="chart-activities-data" type="application/json">')[1].split("</script>")[0]
    )
    approved = next(d for d in data["datasets"] if d["label"] in ("Aprobado", "Approved"))
    assert approved["data"][0] == "1"


def test_partner_filter_narrows_the_figures_and_stays_in_the_url(login, staff_user, reconciled):
    response = login(staff_user).get(URL, {"partner": "PROSUR"})
    html = response.content.decode()
    headline = html.split('id="headline-title"')[1].split("</section>")[0]
    assert "US$&nbsp;174&#x27;448.00" in headline  # PROSUR's execution only (line 578)
    assert "US$&nbsp;780&#x27;037.00" not in headline
    meaning = headline.split('id="headline-meaning">')[1].split("</p>")[0]
    assert "filtros" in meaning or "filters" in meaning  # a sum of the selected rows, said so
    assert "operational-plan.pdf?partner=PROSUR" in headline
    assert 'value="PROSUR" selected' in html


def test_period_filter_keeps_the_years_inside_it(login, staff_user, reconciled):
    html = login(staff_user).get(URL, {"date_from": "2008-09-01", "date_to": "2008-12-31"}).content.decode()
    data = json.loads(
        html.split('<script id="chart-budget-by-year-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["labels"] == ["2008 extensión"]


def test_a_partner_cannot_open_the_staff_dashboard(login, partner_a_user):
    assert login(partner_a_user).get(URL).status_code == 403


def test_an_unknown_or_invisible_programme_is_a_404(login, staff_user):
    assert login(staff_user).get(reverse("reports:programme_dashboard", args=["nope"])).status_code == 404


def test_anonymous_is_sent_to_the_login(client, pcc):
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("extra", [False, True])
def test_query_count_does_not_grow_with_the_portfolio(
    login, staff_user, progress, django_assert_max_num_queries, request, extra
):
    if extra:
        request.getfixturevalue("large_portfolio")
    client = login(staff_user)
    # 26, and 3 for the live money (budget figures, approved lines, the phase end) when not cached.
    with django_assert_max_num_queries(29):
        assert client.get(URL).status_code == 200


def test_a_period_that_ends_before_it_starts_is_refused_and_everything_shown(login, staff_user, reconciled):
    html = login(staff_user).get(URL, {"date_from": "2008-12-31", "date_to": "2008-01-01"}).content.decode()
    assert 'role="alert"' in html
    headline = html.split('id="headline-title"')[1].split("</section>")[0]
    assert "US$&nbsp;780&#x27;037.00" in headline


def test_phase_filter_keeps_the_figures_of_its_dates(login, staff_user, reconciled):
    html = login(staff_user).get(URL, {"phase": "fase-2", "date_from": "2008-01-01"}).content.decode()
    data = json.loads(
        html.split('<script id="chart-budget-by-year-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["labels"] == ["2008", "2008 extensión"]


def test_a_planned_total_above_the_agreements_ceiling_is_a_warning(login, staff_user, reconciled):
    from djmoney.money import Money

    from budgets.models import BudgetFact

    total = BudgetFact.objects.get(budget_table__code="programa-cuadro-1", line=238, column__key="total")
    total.amount = Money("4100000", "CHF")  # CHF 12'540 above the CHF 4'087'460 ceiling
    total.save()
    headline = (
        login(staff_user).get(URL).content.decode().split('id="headline-title"')[1].split("</section>")[0]
    )
    warning = headline.split('role="alert">')[1].split("</p>")[0]
    assert "4&#x27;100&#x27;000.00" in warning and "4&#x27;087&#x27;460.00" in warning
    assert "12&#x27;540.00" in warning


def test_the_cards_say_they_count_rules_and_the_line_below_counts_findings(login, staff_user, reconciled):
    section = (
        login(staff_user)
        .get(URL)
        .content.decode()
        .split('id="reconciliation-title"')[1]
        .split("</section>")[0]
    )
    rules = ReconciliationRule.objects.filter(programme=reconciled, active=True)
    material_rules = (
        Finding.objects.filter(rule__in=rules, severity=Severity.MATERIAL)
        .current()
        .values("rule")
        .distinct()
        .count()
    )
    material_findings = Finding.objects.filter(rule__in=rules, severity=Severity.MATERIAL).current().count()
    # Two numbers (a rule may have several findings), each saying what it counts.
    assert f">{material_rules}</a></div>reglas difieren de forma significativa" in section
    assert f"vigentes: {material_findings} significativos" in section


@pytest.mark.parametrize(
    "url", [URL, reverse("reports:portfolio"), reverse("reports:partner_dashboard") + "?partner=PROSUR"]
)
def test_no_chart_puts_two_currencies_on_one_axis(login, staff_user, reconciled, url):
    html = login(staff_user).get(url).content.decode()
    charts = re.findall(
        r'<script id="(chart-[\w-]+)-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert charts
    currencies_seen = set()
    for _key, data in charts:
        chart = json.loads(data)
        currencies = {d["currency"] for d in chart["datasets"] if d["currency"]}
        assert len(currencies) <= 1, (_key, currencies)
        currencies_seen |= currencies
    if url == URL:  # the partners' planned CHF and executed US$ (line 578): two charts, one per currency
        assert currencies_seen == {"CHF", "USD"}
        assert "chart-partner-figures-usd" in dict(charts)


def test_a_figure_changed_after_the_dashboard_was_seen_shows_at_once(login, staff_user, reconciled):
    """The headline is cached per programme; changing a figure (figures_changed) makes the next view
    compute it again: the planned total raised above the ceiling brings the warning."""
    from djmoney.money import Money

    from budgets.models import BudgetFact

    client = login(staff_user)
    assert 'role="alert"' not in client.get(URL).content.decode().split('id="headline-title"')[1]
    total = BudgetFact.objects.get(budget_table__code="programa-cuadro-1", line=238, column__key="total")
    total.amount = Money("4100000", "CHF")  # above the CHF 4'087'460 ceiling
    total.save()
    headline = client.get(URL).content.decode().split('id="headline-title"')[1].split("</section>")[0]
    assert 'role="alert"' in headline


def _dashboard_queries(client) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(URL).status_code == 200
    return len(cold), len(warm)


def test_the_query_count_is_the_same_with_a_second_programme(login, staff_user, progress):
    """A page about one programme costs the same whatever else the user takes part in: a second
    programme of the same staff, with a budget, a finding, a plan and a progress report, adds no query
    (cold or with the programme's figures cached)."""
    from agreements.models import Membership, Role
    from tests.factories import (
        ActivityFactory,
        BudgetFactFactory,
        FindingFactory,
        IndicatorFactory,
        ProgrammeFactory,
        ReconciliationRuleFactory,
        WorkPlanFactory,
    )

    client = login(staff_user)
    alone = _dashboard_queries(client)
    other = ProgrammeFactory(code="second")
    Membership.objects.create(
        user=staff_user,
        programme=other,
        organisation=staff_user.memberships.first().organisation,
        role=Role.PROGRAMME_STAFF,
    )
    BudgetFactFactory(row__table__programme=other)
    FindingFactory(rule=ReconciliationRuleFactory(programme=other))
    plan = WorkPlanFactory(programme=other)
    ActivityFactory(result__plan=plan)
    IndicatorFactory(result__plan=plan)
    staff_user = type(staff_user).objects.get(pk=staff_user.pk)  # memberships read again
    client = login(staff_user)
    with_second = _dashboard_queries(client)
    assert with_second == alone
    assert alone[1] < alone[0]  # the programme's figures come from the cache the second time
