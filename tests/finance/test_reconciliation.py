"""The reconciliation over reported money: each submitted report's figures, and the transfers."""

from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from core.models import Organisation
from finance import services
from reconciliation.engine import reconcile
from reconciliation.models import Finding, Severity
from results.models import ReportingPeriod

pytestmark = pytest.mark.django_db


def submitted_report(pcc, user, spent: dict[int, str], stated: str | None, explanations=None, month=10):
    report = services.report_create(
        user=user,
        programme=pcc,
        partner=Organisation.objects.get(acronym="PROSUR"),
        period=ReportingPeriod.objects.get(programme=pcc, start_date=f"2008-{month:02d}-01"),
        currency="CHF",
    )
    rows = {line.budget_row.line: line.budget_row_id for line in report.lines.select_related("budget_row")}
    services.report_update(
        report=report,
        user=user,
        spent={rows[line]: Decimal(amount) for line, amount in spent.items()},
        explanations={rows[line]: text for line, text in (explanations or {}).items()},
        stated_total=Decimal(stated) if stated is not None else None,
    )
    return services.report_submit(report=report, user=user)


def findings_of(report):
    return Finding.objects.filter(rule__code=f"financial-report-{report.pk}").current()


def test_a_report_that_adds_up_within_budget_has_no_finding(pcc, partner_a_user, staff_user):
    report = submitted_report(pcc, partner_a_user, {593: "15000", 596: "2000.50"}, "17000.50")
    services.report_approve(report=report, user=staff_user)
    reconcile(pcc)
    assert not findings_of(report).exists()


def test_lines_that_do_not_add_up_to_the_stated_total_are_material(pcc, partner_a_user, login, staff_user):
    report = submitted_report(pcc, partner_a_user, {593: "15000", 596: "2000"}, "17200")
    reconcile(pcc)
    (finding,) = findings_of(report)
    assert (finding.severity, finding.stated, finding.recomputed, finding.currency) == (
        Severity.MATERIAL,
        "17200",
        "17000",
        "CHF",
    )
    assert finding.partner.acronym == "PROSUR"
    # The reconciliation page lists it, linked to the report.
    page = login(staff_user).get(reverse("budgets:reconciliation", args=["pcc"]) + "?severity=material")
    assert reverse("finance:report_detail", args=[report.pk]) in page.content.decode()


def test_an_explained_line_over_budget_is_an_observation_located_to_its_line(pcc, partner_a_user):
    report = submitted_report(
        pcc, partner_a_user, {593: "21000"}, "21000", explanations={593: "Dos ferias en vez de una"}
    )
    reconcile(pcc)
    (finding,) = findings_of(report)
    assert (finding.severity, finding.lines, finding.stated, finding.recomputed) == (
        Severity.OBSERVATION,
        [593],
        "21000",
        "18709",
    )


def test_a_rate_made_invalid_later_is_found(pcc, partner_a_user):
    from core.models import ExchangeRate

    rate = ExchangeRate.objects.get(code="pcc-chf-usd-1-123")
    report = services.report_create(
        user=partner_a_user,
        programme=pcc,
        partner=Organisation.objects.get(acronym="PROSUR"),
        period=ReportingPeriod.objects.get(programme=pcc, start_date="2008-10-01"),
        currency="USD",
        rate=rate,
    )
    services.report_submit(report=report, user=partner_a_user)
    ExchangeRate.objects.filter(pk=rate.pk).update(valid_to="2008-09-30")
    reconcile(pcc)
    (finding,) = findings_of(report)
    assert finding.key == "rate" and "2008-09-30" in finding.message


def test_transfers_above_the_partners_plan_are_material(pcc, staff_user):
    prosur = Organisation.objects.get(acronym="PROSUR")
    for on, amount, reference in (("2008-09-02", "20000", "T-1"), ("2008-11-02", "9000", "T-2")):
        services.disbursement_create(
            user=staff_user,
            programme=pcc,
            partner=prosur,
            date=on,
            amount=Money(amount, "CHF"),
            reference=reference,
        )
    reconcile(pcc)
    (finding,) = Finding.objects.filter(rule__code="disbursements-within-plan").current()
    # PROSUR's lines 592–596 plan CHF 28,154 (the total printed on line 598); 29,000 were sent.
    assert (finding.stated, finding.recomputed, finding.severity, finding.lines) == (
        "29000",
        "28154",
        Severity.MATERIAL,
        [592, 593, 594, 595, 596],
    )


def test_drafts_are_not_checked(pcc, partner_a_user):
    report = services.report_create(
        user=partner_a_user,
        programme=pcc,
        partner=Organisation.objects.get(acronym="PROSUR"),
        period=ReportingPeriod.objects.get(programme=pcc, start_date="2008-10-01"),
        currency="CHF",
    )
    services.report_update(report=report, user=partner_a_user, spent={}, stated_total=Decimal("5"))
    reconcile(pcc)
    assert not findings_of(report).exists()


def test_execution_beyond_the_agreements_ceiling_is_material(pcc, partner_a_user, staff_user):
    report = submitted_report(
        pcc, partner_a_user, {593: "5000000"}, "5000000", explanations={593: "Prueba de techo"}
    )
    services.report_approve(report=report, user=staff_user)
    reconcile(pcc)
    findings = {f.currency: f for f in Finding.objects.filter(rule__code="executed-within-ceiling").current()}
    # CHF 5,000,000 reported against the amended ceiling of CHF 4,087,460 (the amendment's new total).
    assert set(findings) == {"CHF"}
    assert (findings["CHF"].stated, findings["CHF"].recomputed, findings["CHF"].severity) == (
        "5000000",
        "4087460",
        Severity.MATERIAL,
    )
    assert findings["CHF"].lines  # the ceiling's line of the agreement, linked
