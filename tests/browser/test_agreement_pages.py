import re

from playwright.sync_api import expect


def test_staff_reads_the_agreement_in_spanish_and_switches_to_english(page, pcc_live, sign_in, screenshot):
    live_server, _ = pcc_live
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/programmes/pcc/agreements/acuerdo-cosude-apci-2005/?as_of=2008-12-31")
    expect(page.get_by_role("heading", name="Términos consolidados")).to_be_visible()
    expect(page.locator("body")).to_contain_text("CHF 4'087'460.00")
    expect(page.locator(".finding").first).to_contain_text("por encima del tope")
    screenshot(page, "agreement-es")

    page.select_option("#lang-select", "en")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Consolidated terms")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "agreement-en")


def test_a_flag_links_back_to_its_source_line(page, pcc_live, sign_in):
    live_server, _ = pcc_live
    sign_in(page, live_server, "prosur")
    page.goto(f"{live_server.url}/programmes/pcc/agreements/acuerdo-cosude-apci-2005/")
    page.locator(".finding a", has_text="214").first.click()
    expect(page).to_have_url(re.compile(r"/sources/pcc-enmienda-2009/.*#L214$"))
    expect(page.locator("#L214")).to_contain_text("1.25 CHF/USD")
    expect(page.locator("#L214")).to_have_class(re.compile("hl"))
