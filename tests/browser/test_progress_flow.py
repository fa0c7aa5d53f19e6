"""A partner reports progress through the results pages, staff approve it, and the dashboard changes."""

import json
import re

from playwright.sync_api import expect

from results.models import Activity, ProgressReport


def _use_english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def _chart_data(page, key: str) -> dict:
    return json.loads(page.locator(f"#chart-{key}-data").text_content())


def _count(data: dict, label: str) -> int:
    dataset = next((d for d in data["datasets"] if d["label"] == label), None)
    return 0 if dataset is None else sum(int(v or 0) for v in dataset["data"])


def test_partner_submits_staff_approves_and_the_dashboard_changes(page, pcc_live, sign_in):
    live_server, _ = pcc_live
    activity = (
        Activity.objects.filter(plan__code="poa-prosur-2008", target_kind="number", start_month__month=10)
        .order_by("order")
        .first()
    )
    _use_english(page, live_server)

    # Before: nothing waits for review and no activity report is approved.
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/dashboards/pcc/")
    queue = page.locator("#queue-title")
    expect(queue).to_contain_text("0")
    assert _count(_chart_data(page, "activities"), "Approved") == 0
    page.context.clear_cookies()
    _use_english(page, live_server)

    # The partner reports on an activity planned from October 2008 and submits it.
    sign_in(page, live_server, "prosur")
    page.goto(f"{live_server.url}{activity.get_absolute_url()}")
    page.get_by_role("link", name="Report progress").click()
    page.select_option("#id_period", label="Octubre 2008")
    page.fill("#id_achieved_value", "1")
    page.fill("#id_narrative", "First of the two workshops held.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("h1")).to_contain_text("Octubre 2008")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("h1")).to_contain_text("Submitted")
    report = ProgressReport.objects.get(activity=activity)
    page.goto(f"{live_server.url}/dashboards/partner/?period={report.period_id}")
    expect(page.locator("#due-title").locator("xpath=..")).to_contain_text("Submitted")
    page.context.clear_cookies()
    _use_english(page, live_server)

    # Staff see it waiting, approve it, and the dashboard counts it.
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/dashboards/pcc/")
    expect(queue).to_contain_text("1")
    page.locator("#queue-title").locator("xpath=..").get_by_role(
        "link", name=re.compile(f"^{re.escape(activity.code)} ")
    ).click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("h1")).to_contain_text("Approved")
    page.goto(f"{live_server.url}/dashboards/pcc/")
    expect(queue).to_contain_text("0")
    assert _count(_chart_data(page, "activities"), "Approved") == 1
    page.wait_for_function(
        "() => Chart.getChart(document.getElementById('chart-activities')).data.datasets.some("
        "d => d.label === 'Approved' && d.data.some(v => v === 1))"
    )
