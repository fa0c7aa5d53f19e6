"""Partners' financial reports and disbursements, against the PCC's budget lines as printed.

PROSUR reports against Subproyecto 1.2 Cuadro 2 (lines 592–598: its Sep–Dec 2008 budget by result, in
CHF and in US$ at the stated 1.123). Line 593 (Resultado 2) is budgeted CHF 18,709 / US$ 16,660.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from djmoney.money import Money

from agreements import access
from agreements.models import Programme, Role
from core.models import ExchangeRate, Organisation
from finance import services
from finance.models import Disbursement, FinancialStatus
from results.models import ReportingPeriod
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db


def period(pcc, month: int) -> ReportingPeriod:
    return ReportingPeriod.objects.get(programme=pcc, start_date=f"2008-{month:02d}-01")


def prosur(pcc):
    return Organisation.objects.get(acronym="PROSUR")


def new_report(pcc, user, month=10, currency="CHF", rate=None):
    return services.report_create(
        user=user, programme=pcc, partner=prosur(pcc), period=period(pcc, month), currency=currency, rate=rate
    )


def rows_by_line(report):
    return {line.budget_row.line: line.budget_row_id for line in report.lines.select_related("budget_row")}


def test_a_report_lists_the_partners_budget_lines_of_its_reporting_table(pcc, partner_a_user):
    report = new_report(pcc, partner_a_user)
    statuses = services.line_statuses(report)
    # Resultado 6 (line 597) states "-" in both currencies: no budget, no line; the total row is no line.
    assert [(s.line.budget_row.line, s.budget) for s in statuses] == [
        (592, Money("674", "CHF")),
        (593, Money("18709", "CHF")),
        (594, Money("1247", "CHF")),
        (595, Money("1202", "CHF")),
        (596, Money("6322", "CHF")),
    ]
    assert all(s.line.spent == Money(0, "CHF") for s in statuses)
    assert report.status == FinancialStatus.DRAFT


def test_a_report_in_us_dollars_uses_the_tables_dollar_figures_and_needs_the_rate(pcc, partner_a_user):
    with pytest.raises(ValidationError) as error:
        new_report(pcc, partner_a_user, currency="USD")
    assert "rate" in error.value.message_dict
    rate = ExchangeRate.objects.get(code="pcc-chf-usd-1-123")
    report = new_report(pcc, partner_a_user, currency="USD", rate=rate)
    budgets = {s.line.budget_row.line: s.budget for s in services.line_statuses(report)}
    assert budgets[593] == Money("16660", "USD")


def test_a_rate_outside_its_validity_is_refused(pcc, partner_a_user):
    rate = ExchangeRate.objects.get(code="pcc-chf-usd-1-123")
    rate.valid_to = rate.valid_from.replace(month=9, day=30)
    rate.save()
    with pytest.raises(ValidationError) as error:
        new_report(pcc, partner_a_user, month=10, currency="USD", rate=rate)
    assert "2008-09-30" in str(error.value.message_dict["rate"])


def test_only_the_partners_editors_write_its_report(pcc, partner_a_viewer, partner_b_user, staff_user):
    for user in (partner_a_viewer, partner_b_user, staff_user):
        with pytest.raises(PermissionDenied):
            new_report(pcc, user)


def test_the_review_cycle_with_a_variance_explanation(pcc, partner_a_user, staff_user):
    report = new_report(pcc, partner_a_user)
    rows = rows_by_line(report)
    # 21,000 against 18,709 is 12.2 % over: beyond the programme's 10 % threshold.
    report = services.report_update(
        report=report, user=partner_a_user, spent={rows[593]: Decimal("21000"), rows[592]: Decimal("600")}
    )
    with pytest.raises(ValidationError) as error:
        services.report_submit(report=report, user=partner_a_user)
    # Line 592 (600 of 674, 11 % under) needs none in October: the budget runs to December.
    # In the site's language (Spanish), figures as PROSUR writes them.
    assert error.value.messages == [
        "Línea 593 (Resultado 2: PROSUR tiene contratos de colaboración con 20 …): el gasto acumulado "
        "CHF 21,000.00 se aparta del presupuesto CHF 18,709.00 en 12.2\u00a0%, más de 10.0\u00a0%: "
        "explique la variación."
    ]

    report = services.report_update(
        report=report, user=partner_a_user, spent={}, explanations={rows[593]: "Two fairs instead of one"}
    )
    report = services.report_submit(report=report, user=partner_a_user)
    assert report.status == FinancialStatus.SUBMITTED

    with pytest.raises(PermissionDenied):
        services.report_approve(report=report, user=partner_a_user)
    with pytest.raises(ValidationError):
        services.report_return(report=report, user=staff_user, comment="  ")
    report = services.report_return(report=report, user=staff_user, comment="Attach the invoices")
    assert (report.status, report.review_comment) == (FinancialStatus.RETURNED, "Attach the invoices")

    report = services.report_update(report=report, user=partner_a_user, spent={rows[594]: Decimal("1200")})
    report = services.report_submit(report=report, user=partner_a_user)
    version = Programme.objects.get(pk=pcc.pk).figures_version
    report = services.report_approve(report=report, user=staff_user)
    assert report.status == FinancialStatus.APPROVED
    assert Programme.objects.get(pk=pcc.pk).figures_version > version
    with pytest.raises(ValidationError):
        services.report_update(report=report, user=partner_a_user, spent={rows[594]: Decimal("1")})
    assert [c.to_status for c in report.status_changes.order_by("pk")] == [
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]


def test_a_stale_form_is_refused_not_saved(pcc, partner_a_user):
    report = new_report(pcc, partner_a_user)
    rows = rows_by_line(report)
    opened_at = report.version
    services.report_update(report=report, user=partner_a_user, spent={rows[593]: Decimal("100")})
    with pytest.raises(ValidationError) as error:
        services.report_update(
            report=report, user=partner_a_user, spent={rows[593]: Decimal("200")}, version=opened_at
        )
    assert error.value.code == "stale"
    assert report.lines.get(budget_row_id=rows[593]).spent == Money("100", "CHF")


def test_negative_or_foreign_lines_are_located_errors(pcc, partner_a_user):
    report = new_report(pcc, partner_a_user)
    rows = rows_by_line(report)
    with pytest.raises(ValidationError) as error:
        services.report_update(report=report, user=partner_a_user, spent={rows[595]: Decimal("-5")})
    assert any(m.startswith("Línea 595") for m in error.value.messages)
    with pytest.raises(ValidationError) as error:
        services.report_update(report=report, user=partner_a_user, spent={999999: Decimal("5")})
    assert error.value.code == "unknown_line"


def test_cumulative_expenditure_counts_approved_earlier_periods(pcc, partner_a_user, staff_user):
    october = new_report(pcc, partner_a_user, month=10)
    rows = rows_by_line(october)
    services.report_update(report=october, user=partner_a_user, spent={rows[596]: Decimal("6000")})
    services.report_approve(
        report=services.report_submit(report=october, user=partner_a_user), user=staff_user
    )
    november = new_report(pcc, partner_a_user, month=11)
    services.report_update(report=november, user=partner_a_user, spent={rows[596]: Decimal("1000")})
    line = next(s for s in services.line_statuses(november) if s.line.budget_row.line == 596)
    # 7,000 against 6,322: 10.7 % over, though November alone spent 1,000.
    assert (line.cumulative, line.variance, line.needs_explanation) == (
        Money("7000", "CHF"),
        Money("678", "CHF"),
        True,
    )


def test_the_report_closing_the_budget_period_explains_what_was_not_spent(pcc, partner_a_user):
    december = new_report(pcc, partner_a_user, month=12)
    rows = rows_by_line(december)
    services.report_update(
        report=december, user=partner_a_user, spent={line: Decimal(0) for line in rows.values()}
    )
    with pytest.raises(ValidationError) as error:
        services.report_submit(report=december, user=partner_a_user)
    # Every line with a budget was left unspent: 100 % under, past the end of Sep–Dec 2008.
    assert [m.split(" ")[1] for m in error.value.messages] == ["592", "593", "594", "595", "596"]


def test_balance_opening_is_the_previous_closing(pcc, partner_a_user, staff_user):
    partner = prosur(pcc)
    for on, amount, ref in (("2008-09-15", "10000", "T-1"), ("2008-11-03", "5000", "T-2")):
        services.disbursement_create(
            user=staff_user,
            programme=pcc,
            partner=partner,
            date=on,
            amount=Money(amount, "CHF"),
            reference=ref,
        )
    october = new_report(pcc, partner_a_user, month=10)
    rows = rows_by_line(october)
    services.report_update(report=october, user=partner_a_user, spent={rows[593]: Decimal("3000")})
    services.report_approve(
        report=services.report_submit(report=october, user=partner_a_user), user=staff_user
    )
    figures = [
        (b.period.start_date.month, b.opening.amount, b.received.amount, b.spent.amount, b.closing.amount)
        for b in services.balances(pcc, partner, "CHF")
    ]
    assert figures == [
        (9, 0, 10000, 0, 10000),
        (10, 10000, 0, 3000, 7000),
        (11, 7000, 5000, 0, 12000),
        (12, 12000, 0, 0, 12000),
    ]


def test_disbursements_are_staffs_and_need_a_rate_outside_the_binding_currency(
    pcc, partner_a_user, staff_user
):
    fields = {"programme": pcc, "partner": prosur(pcc), "date": "2008-10-01", "reference": "T-9"}
    with pytest.raises(PermissionDenied):
        services.disbursement_create(user=partner_a_user, amount=Money("10", "CHF"), **fields)
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(user=staff_user, amount=Money("10", "USD"), **fields)
    assert "rate" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.disbursement_create(user=staff_user, amount=Money("0", "CHF"), **fields)
    assert not Disbursement.objects.exists()


def test_another_partner_or_programme_sees_no_report(pcc, partner_a_user, partner_b_user, staff_user):
    report = new_report(pcc, partner_a_user)
    assert list(access.financial_reports(partner_a_user)) == [report]
    assert list(access.financial_reports(staff_user)) == [report]
    assert not access.financial_reports(partner_b_user).exists()
    with pytest.raises(Http404):
        access.get_financial_report_for_user_or_404(partner_b_user, report.pk)
    other = ProgrammeFactory()
    # Staff of another programme, from the same organisation: a role there gives nothing here.
    stranger = UserFactory(
        membership=(Organisation.objects.get(acronym="COSUDE"), Role.PROGRAMME_STAFF, other)
    )
    assert not access.financial_reports(stranger).exists()
    with pytest.raises(PermissionDenied):
        services.report_approve(report=report, user=stranger)
