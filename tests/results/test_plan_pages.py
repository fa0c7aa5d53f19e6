"""Plan list, plan detail, schedule and the activity and indicator pages, with pinned query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from results import services
from results.models import Activity, ReportingPeriod

# Session, user, memberships, permission checks and the page's own queries; none per row. The last two
# are the plan's status changes and the content type they are found by (cached once looked up).
PLAN_DETAIL_QUERIES = 15
SCHEDULE_QUERIES = 8  # + the user's programme roles, read once per request by the access module
LIST_QUERIES = 7  # session, user, memberships, page count, plans, partners prefetch, glossary


def _submitted(activity, period, partner):
    """A report of 1 on ``activity`` for ``period``, submitted by ``partner``."""
    report = services.progress_create(
        target=activity, period=period, user=partner, reported_on=period.end_date, achieved_value=Decimal("1")
    )
    return services.progress_submit(report=report, user=partner)


@pytest.fixture
def many_approved_reports(pcc, partner_a_user, staff_user):
    """Approved progress on twenty PROSUR activities in two months: rows that must not add queries."""
    periods = ReportingPeriod.objects.filter(programme=pcc).order_by("start_date")[:2]
    activities = (
        Activity.objects.filter(plan__code="poa-prosur-2008").exclude(unit="").exclude(target_value=None)
    )
    for activity in activities[:20]:
        for period in periods:
            services.progress_approve(report=_submitted(activity, period, partner_a_user), user=staff_user)


@pytest.mark.parametrize("with_reports", [False, True])
def test_plan_detail_queries_do_not_grow_with_rows(
    request, login, partner_a_user, django_assert_max_num_queries, with_reports
):
    if with_reports:
        request.getfixturevalue("many_approved_reports")
    client = login(partner_a_user)
    with django_assert_max_num_queries(PLAN_DETAIL_QUERIES):
        response = client.get(reverse("results:plan_detail", args=["poa-prosur-2008"]))
    assert response.status_code == 200


@pytest.mark.parametrize("with_reports", [False, True])
def test_schedule_queries_do_not_grow_with_rows(
    request, login, staff_user, django_assert_max_num_queries, with_reports
):
    if with_reports:
        request.getfixturevalue("many_approved_reports")
    client = login(staff_user)
    with django_assert_max_num_queries(SCHEDULE_QUERIES):
        assert client.get(reverse("results:schedule", args=["poa-prosur-2008"])).status_code == 200


def test_plan_list_queries_are_pinned(login, staff_user, django_assert_max_num_queries):
    client = login(staff_user)
    with django_assert_max_num_queries(LIST_QUERIES):
        html = client.get(reverse("results:plan_list")).content.decode()
    for code in [
        "poa-prosur-2008",
        "poa-ampex-2008",
        "poa-cerx-aqp-2008",
        "poa-cerx-lam-2008",
        "poa-turismo-2008",
    ]:
        assert reverse("results:plan_detail", args=[code]) in html


def test_review_queue_queries_do_not_grow_with_rows(
    request, login, staff_user, django_assert_max_num_queries
):
    request.getfixturevalue("many_approved_reports")
    client = login(staff_user)
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(reverse("results:review_queue")).status_code == 200


def test_plan_detail_shows_results_indicators_activities_footnotes_and_source_links(login, partner_a_user):
    html = (
        login(partner_a_user).get(reverse("results:plan_detail", args=["poa-prosur-2008"])).content.decode()
    )
    assert "IPR.6.1" in html and "Hierbas Aromáticas" in html
    assert "El Resultado 6 del POA será considerado como el objetivo general del proyecto." in html
    assert "/sources/pcc-enmienda-2009/?lines=358#L358" in html
    assert (
        "Prosur tiene contratos de colaboración con 10 promotores empresariales vigentes" in html
    )  # heading 353


def test_the_tourism_schedule_flags_months_that_differ_from_the_printed_range(login, staff_user):
    html = login(staff_user).get(reverse("results:schedule", args=["poa-turismo-2008"])).content.decode()
    assert "#L1028" in html and "AT / MOZ" in html
    # 5.4 (no month against "setiembre") is flagged; 3.2 (O, D within "Octubre-diciembre") is not: the
    # page and the reconciliation apply the one rule (Activity.schedule_fits).
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in html.split('<th scope="row">')[1:]}
    assert "⚠" in rows["5.4"] and "⚠" not in rows["3.2"]


def test_the_schedule_shows_reported_months(login, partner_a_user, submitted_report):
    html = login(partner_a_user).get(reverse("results:schedule", args=["poa-prosur-2008"])).content.decode()
    assert reverse("results:progress_detail", args=[submitted_report.pk]) in html


def test_a_changed_target_and_its_reason_are_on_the_activity_page(login, staff_user, prosur_activity):
    client = login(staff_user)
    page = reverse("results:activity_target_change", args=[prosur_activity.pk])
    client.post(page, {"printed": "3", "reason": ""})
    prosur_activity.refresh_from_db()
    assert prosur_activity.target_text == "2"  # approved plan: refused without a reason
    client.post(page, {"printed": "3", "reason": "Tercer importador identificado"})
    html = client.get(prosur_activity.get_absolute_url()).content.decode()
    assert "Tercer importador identificado" in html
    assert "2 → 3" in html


def test_the_indicator_page_shows_its_type_link_and_history(login, staff_user, pcc):
    from results.models import Indicator

    year = Indicator.objects.get(result__plan__code="poa-turismo-2008", kind="year", code="IR.1.1")
    services.target_change(target=year, user=staff_user, printed="4 OGD constituidas", reason="Se suma Tacna")
    html = login(staff_user).get(year.get_absolute_url()).content.decode()
    assert year.phase_indicator.get_absolute_url() in html
    assert "Se suma Tacna" in html and "3 OGD constituidas → 4 OGD constituidas" in html


def test_activity_page_lists_its_reports(login, partner_a_user, submitted_report, prosur_activity):
    html = login(partner_a_user).get(prosur_activity.get_absolute_url()).content.decode()
    assert submitted_report.get_absolute_url() in html
    assert datetime.date(2008, 9, 1) <= submitted_report.period.start_date


def test_every_activity_and_indicator_page_of_a_plan_renders(login, staff_user, pcc):
    from results.models import Indicator

    client = login(staff_user)
    for activity in Activity.objects.filter(plan__code__in=["poa-prosur-2008", "poa-cerx-aqp-2008"]):
        assert client.get(activity.get_absolute_url()).status_code == 200, activity.key
    for indicator in Indicator.objects.filter(result__plan__code="poa-turismo-2008"):
        assert client.get(indicator.get_absolute_url()).status_code == 200, indicator.code


def test_plan_list_is_paginated_and_filtered_by_programme(login, staff_user, pcc):
    client = login(staff_user)
    html = client.get(reverse("results:plan_list"), {"programme": "pcc"}).content.decode()
    assert "poa-prosur-2008" in html
    other = client.get(reverse("results:plan_list"), {"programme": "no-such"}).content.decode()
    assert "poa-prosur-2008" not in other
    assert client.get(reverse("results:plan_list"), {"page": "99"}).status_code == 200


def test_the_review_queue_is_paged_oldest_first(login, pcc, partner_a_user, staff_user, monkeypatch):
    monkeypatch.setattr("results.views.REVIEW_QUEUE_PER_PAGE", 2)
    period = ReportingPeriod.objects.filter(programme=pcc).order_by("start_date").first()
    activities = Activity.objects.filter(plan__code="poa-prosur-2008").exclude(target_value=None)[:3]
    reports = [_submitted(activity, period, partner_a_user) for activity in activities]
    client = login(staff_user)
    first = client.get(reverse("results:review_queue"))
    assert [r.pk for r in first.context["submitted"]] == [r.pk for r in reports[:2]]
    html = first.content.decode()
    assert "Página 1 de 2" in html and "?page=2" in html and "(3)" in html
    second = client.get(reverse("results:review_queue"), {"page": 2})
    assert [r.pk for r in second.context["submitted"]] == [reports[2].pk]


def test_the_activity_admin_chooses_plan_result_and_parent_by_typing(login, admin_user):
    from django.contrib import admin

    from results.models import Activity

    activity_admin = admin.site._registry[Activity]
    assert set(activity_admin.autocomplete_fields) == {"plan", "result", "parent"}
    activity = Activity.objects.filter(plan__code="poa-prosur-2008", parent__isnull=False).first()
    client = login(admin_user)
    page = client.get(reverse("admin:results_activity_change", args=[activity.pk])).content.decode()
    assert 'class="admin-autocomplete' in page
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "results", "model_name": "activity", "field_name": "result", "term": "1"},
    ).json()
    assert found["results"]
