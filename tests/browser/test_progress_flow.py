"""A partner reports progress through the results pages, staff approve it, and the dashboard changes."""

import datetime
import json
import re

from django.utils import timezone
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


def test_in_spanish_the_date_is_filled_and_a_refused_save_keeps_the_file(
    page, pcc_live, sign_in, settings, tmp_path
):
    """Spanish is the default: the date input shows its ISO value, and the evidence survives an error."""
    live_server, _ = pcc_live
    settings.MEDIA_ROOT = tmp_path / "media"  # the live server runs in this process
    activity = (
        Activity.objects.filter(plan__code="poa-prosur-2008", target_kind="number", start_month__month=10)
        .order_by("order")
        .first()
    )
    evidence = tmp_path / "acta-octubre.pdf"
    evidence.write_bytes(b"%PDF-1.4 acta del taller")

    sign_in(page, live_server, "prosur")
    page.goto(f"{live_server.url}{activity.get_absolute_url()}")
    page.get_by_role("link", name="Informar avance").click()
    expect(page.locator("#id_reported_on")).to_have_value(timezone.localdate().isoformat())
    page.fill("#id_reported_on", "2008-10-15")
    page.fill("#id_achieved_value", "1")
    page.fill("#id_narrative", "Primer taller realizado.")
    page.set_input_files("#id_evidence", str(evidence))

    # No period chosen: refused, with what was entered and the file still there.
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator("legend")).to_contain_text("Adjunto: acta-octubre.pdf")
    expect(page.locator("#id_reported_on")).to_have_value("2008-10-15")
    expect(page.locator("#id_narrative")).to_have_value("Primer taller realizado.")
    assert not ProgressReport.objects.filter(activity=activity).exists()

    page.select_option("#id_period", label="Octubre 2008")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator("h1")).to_contain_text("Octubre 2008")
    report = ProgressReport.objects.get(activity=activity)
    assert report.reported_on == datetime.date(2008, 10, 15)
    assert report.evidence.name.endswith(".pdf") and report.evidence.read() == b"%PDF-1.4 acta del taller"
    expect(page.locator("body")).to_contain_text("15.10.2008")
