"""The dashboards in a real browser: charts drawn from the vendored Chart.js, the language switch, a phone-sized
screen, the keyboard, and screenshots of the main pages."""

import re

from playwright.sync_api import expect

from reconciliation.engine import reconcile
from results.models import WorkPlan

CHART_DRAWN = (
    "id => { const c = document.getElementById(id); return !!(c && window.Chart && Chart.getChart(c)); }"
)


def _reconcile():
    from agreements.models import Programme

    reconcile(Programme.objects.get(code="pcc"))


def test_staff_dashboard_draws_its_charts_and_switches_language(page, pcc_live, sign_in, screenshot):
    live_server, _ = pcc_live
    _reconcile()
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/dashboards/pcc/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    for key in ("budget-by-year", "partner-figures", "indicators", "activities"):
        page.wait_for_function(CHART_DRAWN, arg=f"chart-{key}")
    # The chart was drawn with pixels, and the same figures are in the table under it.
    assert (
        page.evaluate(
            "() => Chart.getChart(document.getElementById('chart-budget-by-year')).data.labels.length"
        )
        == 5
    )
    expect(page.locator("#chart-budget-by-year-title").locator("xpath=..").locator("table")).to_contain_text(
        "485'000.00"
    )
    expect(page.locator("#headline-title").locator("xpath=..")).to_contain_text("CHF 4'087'460.00")
    screenshot(page, "dashboard-es")

    page.select_option("#lang-select", "en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/dashboards/pcc/$"))
    expect(page.get_by_role("heading", name="Headline figures")).to_be_visible()
    page.wait_for_function(CHART_DRAWN, arg="chart-budget-by-year")
    screenshot(page, "dashboard-en")


def test_filters_work_from_the_keyboard_and_stay_in_the_url(page, pcc_live, sign_in):
    live_server, _ = pcc_live
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/dashboards/pcc/")
    page.focus("#id_partner")
    page.select_option("#id_partner", "PROSUR")
    # Tab on through the period fields until the submit button has the focus, then press Enter.
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "submit":
            break
    expect(page.locator(":focus")).to_have_text(re.compile("Apply|Aplicar"))
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"partner=PROSUR"))
    expect(page.locator("#headline-title").locator("xpath=..")).to_contain_text("US$ 174'448.00")


def test_dashboard_fits_a_phone(page, pcc_live, sign_in):
    live_server, _ = pcc_live
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/dashboards/pcc/")
    page.wait_for_function(CHART_DRAWN, arg="chart-budget-by-year")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    box = page.locator("#chart-budget-by-year").bounding_box()
    assert box["width"] <= 375


def test_screenshots_of_the_main_pages(page, pcc_live, sign_in, screenshot):
    live_server, _ = pcc_live
    _reconcile()
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/dashboards/")
    page.wait_for_function(CHART_DRAWN, arg="chart-portfolio")
    expect(page.get_by_role("link", name="PCC", exact=True).first).to_be_visible()
    screenshot(page, "portfolio")

    page.goto(f"{live_server.url}/budgets/pcc/reconciliation/")
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, "reconciliation")

    plan = WorkPlan.objects.get(code="poa-prosur-2008")
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, "plan")

    page.context.clear_cookies()
    sign_in(page, live_server, "prosur")
    page.goto(f"{live_server.url}/dashboards/partner/")
    page.wait_for_function(CHART_DRAWN, arg="chart-partner-own")
    expect(page.locator("h1")).to_contain_text("PROSUR")
    expect(page.locator("body")).not_to_contain_text("poa-ampex-2008")
    screenshot(page, "partner-dashboard")
