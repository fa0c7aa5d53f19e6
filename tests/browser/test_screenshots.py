"""The four pages people use most, in Spanish and English, on a laptop and a phone: each opens in the
language asked for, never scrolls sideways, and is saved as a screenshot (the README's, renewed by
scripts/screenshots.sh)."""

import pytest
from playwright.sync_api import expect

from agreements.models import Programme
from reconciliation.engine import reconcile
from results.models import Activity

SIZES = {"1366": {"width": 1366, "height": 900}, "375": {"width": 375, "height": 800}}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_main_pages_in_both_languages_at_both_sizes(pcc_live, sign_in, screenshot, page, language, size):
    live_server, _users = pcc_live
    reconcile(Programme.objects.get(code="pcc"))
    activity = Activity.objects.filter(plan__code="poa-prosur-2008").exclude(target_value=None).first()
    page.set_viewport_size(SIZES[size])
    pages = {
        "staff": [
            ("programme-dashboard", "/dashboards/pcc/"),
            ("reconciliation", "/budgets/pcc/reconciliation/"),
        ],
        "prosur": [
            ("partner-dashboard", "/dashboards/partner/"),
            ("progress-form", f"/results/activities/{activity.pk}/progress/new/"),
        ],
    }
    for username, shots in pages.items():
        page.context.clear_cookies()
        sign_in(page, live_server, username)
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for name, path in shots:
            page.goto(live_server.url + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert page.evaluate(PAGE_WIDTH) <= SIZES[size]["width"], (name, language, size)
            screenshot(page, f"{name}-{language}-{size}")
