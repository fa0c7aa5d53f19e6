"""The main pages fit a laptop (1366 px) and a phone (375 px): the page itself never scrolls sideways, a wide
table scrolls inside its box, and the reconciliation table fits a laptop with its last column in view."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from agreements.models import Programme
from reconciliation.engine import reconcile
from results import services
from results.models import Activity, ReportingPeriod, WorkPlan

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 800}
AGREEMENT = "/programmes/pcc/agreements/acuerdo-cosude-apci-2005/?as_of=2008-12-31"
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
TO_TOP = "element => element.scrollIntoView({block: 'start'})"


@pytest.fixture
def pcc_pages(pcc_live):
    """The PCC reconciled, with reports waiting in the review queue and one approved, so that every table has rows."""
    live_server, users = pcc_live
    reconcile(Programme.objects.get(code="pcc"))
    period = ReportingPeriod.objects.filter(programme__code="pcc").order_by("start_date").first()
    activities = (
        Activity.objects.filter(plan__code="poa-prosur-2008").exclude(target_value=None).order_by("order")
    )
    for n, activity in enumerate(activities[:3]):
        report = services.progress_create(
            target=activity,
            period=period,
            user=users["prosur"],
            reported_on=period.end_date,
            achieved_value=Decimal("1"),
            narrative="Workshop held.",
        )
        services.progress_submit(report=report, user=users["prosur"])
        if n == 0:
            services.progress_approve(report=report, user=users["staff"])
    plan = WorkPlan.objects.get(code="poa-prosur-2008").get_absolute_url()
    return live_server, {
        "staff": {
            "programme dashboard": "/dashboards/pcc/",
            "reconciliation": "/budgets/pcc/reconciliation/",
            "agreement": AGREEMENT,
            "review queue": "/results/review/",
            "portfolio": "/dashboards/",
            "work plan": plan,
        },
        "prosur": {"partner dashboard": "/dashboards/partner/", "agreement": AGREEMENT, "work plan": plan},
    }


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "375"])
@pytest.mark.parametrize("username", ["staff", "prosur"])
def test_no_page_scrolls_sideways(page, pcc_pages, sign_in, username, viewport):
    live_server, pages = pcc_pages
    page.set_viewport_size(viewport)
    sign_in(page, live_server, username)
    widths = {}
    for name, url in pages[username].items():
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        widths[name] = page.evaluate(PAGE_WIDTH)
    print(f"\n{username} at {viewport['width']} px, page widths: {widths}")
    assert {name: width for name, width in widths.items() if width > viewport["width"]} == {}


def _table_fit(page, table) -> tuple[float, int, int]:
    """The right edge of the table's last column header, and how wide the table's box scrolls and shows."""
    return page.evaluate(
        "t => { const w = t.closest('.table-wrap'); const th = t.querySelector('thead th:last-child');"
        " return [th.getBoundingClientRect().right, w.scrollWidth, w.clientWidth]; }",
        table.element_handle(),
    )


def test_reconciliation_and_portfolio_tables_fit_a_laptop(page, pcc_pages, sign_in, screenshot):
    live_server, _ = pcc_pages
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}{AGREEMENT}")
    page.locator("ol.timeline table").first.evaluate(TO_TOP)
    screenshot(page, "agreement-1366")

    page.goto(f"{live_server.url}/budgets/pcc/reconciliation/")
    table = page.locator("table.findings")
    table.evaluate(TO_TOP)
    screenshot(page, "reconciliation-1366")
    right, scrolls, shows = _table_fit(page, table)
    print(f"\nreconciliation at 1366 px: last header's right edge {right:.0f}, table box {scrolls}/{shows}")
    assert right <= LAPTOP["width"]
    assert scrolls <= shows, "the findings scroll inside their box"

    page.goto(f"{live_server.url}/dashboards/")
    right, scrolls, shows = _table_fit(page, page.locator("table.portfolio"))
    print(f"portfolio at 1366 px: last header's right edge {right:.0f}, table box {scrolls}/{shows}")
    assert right <= LAPTOP["width"]
    assert scrolls <= shows, "the portfolio's last column is cut"


def test_a_folded_rule_opens_from_the_keyboard(page, pcc_pages, sign_in):
    live_server, _ = pcc_pages
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/budgets/pcc/reconciliation/")
    fold = page.locator("table.findings details.fold").first
    summary = fold.locator("summary")
    folded = summary.bounding_box()["height"]
    summary.focus()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(fold).to_have_attribute("open", "")
    assert summary.bounding_box()["height"] > folded


def test_on_a_phone_tables_scroll_in_their_box_and_actions_stay_reachable(
    page, pcc_pages, sign_in, screenshot
):
    live_server, _ = pcc_pages
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}{AGREEMENT}")
    page.locator("ol.timeline table").first.evaluate(TO_TOP)
    screenshot(page, "agreement-375")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]

    page.goto(f"{live_server.url}/budgets/pcc/reconciliation/")
    page.locator("main table").first.evaluate(TO_TOP)
    screenshot(page, "reconciliation-375")
    explain = page.locator("main table button[type=submit]").first
    explain.scroll_into_view_if_needed()
    screenshot(page, "reconciliation-375-action")
    box = explain.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]

    page.goto(f"{live_server.url}/results/review/")
    approve = page.get_by_role("button", name="Aprobar").or_(page.get_by_role("button", name="Approve")).first
    approve.scroll_into_view_if_needed()
    box = approve.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
