"""A partner's financial report through the browser: filled, refused without its explanation, returned,
fixed, approved; the live money shows it on the budget overview, the partner dashboard and the
operational-plan workbook; a second report that does not add up is a finding located to its lines."""

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from finance.models import FinancialReport
from reconciliation.models import Finding, Severity


def _use_english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def _switch(page, live_server, sign_in, username):
    page.context.clear_cookies()
    _use_english(page, live_server)
    sign_in(page, live_server, username)


def _line_input(page, line: int, name: str):
    return page.locator(f"#line-{line} [name^={name}_]")


def test_a_financial_report_from_draft_to_approved_and_live(page, pcc_live, sign_in, screenshot):
    live_server, _ = pcc_live
    _use_english(page, live_server)
    sign_in(page, live_server, "prosur")

    # PROSUR opens its October report: its five budget lines of Subproyecto 1.2 Cuadro 2 (592–596).
    page.goto(f"{live_server.url}/finance/pcc/reports/")
    page.select_option("#id_period", label="Octubre 2008")
    page.get_by_role("button", name="Open the draft").click()
    expect(page.locator("#report-lines tbody tr")).to_have_count(5)
    _line_input(page, 593, "spent").fill("21,000")  # CHF 18,709 budgeted: 12.2 % over
    _line_input(page, 596, "spent").fill("3,000")
    page.fill("#id_stated_total", "24,000")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("ul.messages")).to_contain_text("Line 593")
    expect(page.locator("#report-status")).to_have_text("Draft")

    page.locator("#edit-report").click()
    _line_input(page, 593, "explanation").fill("Two trade fairs instead of one")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#report-status")).to_have_text("Submitted")
    report = FinancialReport.objects.get()

    # Staff return it with the reason.
    _switch(page, live_server, sign_in, "staff")
    page.goto(f"{live_server.url}/finance/reports/{report.pk}/")
    page.fill("#return-comment", "Line 596: attach the invoices")
    page.get_by_role("button", name="Return to the partner").click()
    expect(page.locator("#report-status")).to_have_text("Returned")

    # The partner fixes it and sends it again; staff approve.
    _switch(page, live_server, sign_in, "prosur")
    page.goto(f"{live_server.url}/finance/reports/{report.pk}/")
    expect(page.locator("main")).to_contain_text("attach the invoices")
    page.locator("#edit-report").click()
    _line_input(page, 596, "spent").fill("2,500")
    page.fill("#id_stated_total", "23,500")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    _switch(page, live_server, sign_in, "staff")
    page.goto(f"{live_server.url}/finance/reports/{report.pk}/")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#report-status")).to_have_text("Approved")
    screenshot(page, "financial-report-approved")

    # Live figures: CHF 23,500 reported; of PROSUR's CHF 28,154 for Sep–Dec 2008, CHF 4,654 left;
    # of its CHF 240,000 for the phase (line 578), CHF 216,500.
    page.goto(f"{live_server.url}/budgets/pcc/?as_of=2008-12-31")
    row = page.locator("#live-PROSUR-CHF")
    for figure in ("23'500", "216'500", "28'154", "4'654"):
        expect(row).to_contain_text(figure)
    workbook = page.request.get(f"{live_server.url}/dashboards/pcc/operational-plan.xlsx")
    assert workbook.ok
    sheet = load_workbook(io.BytesIO(workbook.body()), read_only=True)["Money (live)"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r[:2] == ("PROSUR", "CHF")]
    assert rows and rows[0][4] == 23500 and rows[0][6] == 216500
    # The explained line over budget is an observation, not a material finding.
    rule = f"financial-report-{report.pk}"
    assert not Finding.objects.filter(rule__code=rule, severity=Severity.MATERIAL).current().exists()
    assert Finding.objects.filter(rule__code=rule, severity=Severity.OBSERVATION).current().count() == 1

    _switch(page, live_server, sign_in, "prosur")
    page.goto(f"{live_server.url}/dashboards/partner/")
    expect(page.locator("#live-PROSUR-CHF")).to_contain_text("23,500")

    # A second report whose lines do not add up to its total: a material finding, located.
    page.goto(f"{live_server.url}/finance/pcc/reports/")
    page.select_option("#id_period", label="Noviembre 2008")
    page.get_by_role("button", name="Open the draft").click()
    # Line 593 is still over its budget (cumulative CHF 21,000): October's explanation is carried over.
    expect(_line_input(page, 593, "explanation")).to_have_value("Two trade fairs instead of one")
    _line_input(page, 594, "spent").fill("1,000")
    page.fill("#id_stated_total", "1,100")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#report-status")).to_have_text("Submitted")
    second = FinancialReport.objects.exclude(pk=report.pk).get()
    _switch(page, live_server, sign_in, "staff")
    page.goto(f"{live_server.url}/budgets/pcc/reconciliation/?partner=PROSUR")
    of_report = page.locator("tr", has=page.locator(f"a[href='/finance/reports/{second.pk}/']"))
    # Two findings cite it: the total, and line 593, still over budget but explained (an observation).
    expect(of_report).to_have_count(2)
    finding = of_report.filter(has_text="1'100")
    expect(finding).to_have_count(1)
    expect(finding.locator(".badge.sev-material")).to_have_count(1)
    expect(finding.locator(".source-line a")).to_have_count(5)
    screenshot(page, "financial-report-finding")
