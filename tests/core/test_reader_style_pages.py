"""Every figure of the main pages is written in the reader's one number style (core.formatting).

A Swiss reader (number format ``ch``) never reads ``4,086,384``; a Peruvian reader (``pe``) never reads
``4'086'384``; nobody reads ``USD 3,283,290`` or a bare ``4086384``. Text quoted from the source as it
prints it (``<code>``, an amended article's ``<blockquote>``) and what scripts and inputs carry are not read as prose and are left out, and so
are the rules' descriptions: prose written in the programme's fixtures, figures included.
"""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from reconciliation.models import Finding, ReconciliationRule

INLINE = {"a", "abbr", "b", "em", "i", "small", "span", "strong"}
SKIPPED = {"script", "style", "code", "blockquote", "textarea", "pre"}
OTHER_STYLE = {"ch": re.compile(r"\d,\d{3}(?!\d)"), "pe": re.compile(r"\d'\d{3}(?!\d)")}
EITHER = [re.compile(r"USD\s\d"), re.compile(r"(?<![\d.,'/:-])\d{7,}(?![\d])")]

# Cuadro 1 of the programme, line 238: the TOTAL row states 4'086'384, the rows' totals add up to 4'216'380.
TOTAL_RULE = "programa-cuadro-1/238/total:sum-rows"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.skipping = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
        if tag not in INLINE:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.skipping:
            self.skipping -= 1
        if tag not in INLINE:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def page_text(response) -> str:
    assert response.status_code == 200
    parser = _Text()
    parser.feed(response.content.decode())
    return _spaced("".join(parser.parts))


def _spaced(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def wrong_figures(text: str, style: str) -> list[str]:
    for description in ReconciliationRule.objects.exclude(description="").values_list(
        "description", flat=True
    ):
        text = text.replace(_spaced(description), "")
    found = [m.group(0) for m in OTHER_STYLE[style].finditer(text)]
    for pattern in EITHER:
        found += [m.group(0) for m in pattern.finditer(text)]
    return found


STAFF_PAGES = [
    ("reports:programme_dashboard", ["pcc"]),
    ("budgets:overview", ["pcc"]),
    ("budgets:table", ["pcc", "programa-cuadro-1"]),
    ("budgets:reconciliation", ["pcc"]),
    ("results:plan_detail", ["poa-prosur-2008"]),
    ("agreements:agreement_detail", ["pcc", "acuerdo-cosude-apci-2005"]),
]


@pytest.mark.parametrize("style", ["ch", "pe"])
def test_staff_pages_write_every_figure_in_the_readers_style(login, staff_user, style):
    staff_user.number_format = style
    staff_user.save(update_fields=["number_format"])
    client = login(staff_user)
    for name, args in STAFF_PAGES:
        text = page_text(client.get(reverse(name, args=args)))
        assert wrong_figures(text, style) == [], name


@pytest.mark.parametrize("style", ["ch", "pe"])
def test_the_partner_dashboard_writes_every_figure_in_the_readers_style(login, partner_a_user, style):
    partner_a_user.number_format = style
    partner_a_user.save(update_fields=["number_format"])
    text = page_text(login(partner_a_user).get(reverse("reports:partner_dashboard")))
    assert wrong_figures(text, style) == []


@pytest.mark.parametrize(
    ("style", "stated", "recomputed"),
    [("ch", "CHF 4'086'384", "CHF 4'216'380"), ("pe", "CHF 4,086,384", "CHF 4,216,380")],
)
def test_a_finding_message_writes_its_figures_for_its_reader(login, staff_user, style, stated, recomputed):
    staff_user.number_format = style
    staff_user.save(update_fields=["number_format"])
    finding = Finding.objects.get(rule__code=TOTAL_RULE)
    text = page_text(login(staff_user).get(reverse("budgets:reconciliation", args=["pcc"])))
    assert f"Se indica {stated}; la suma de sus términos es {recomputed}." in text
    # The finding keeps the exact figures, whoever reads it.
    assert (finding.stated, finding.recomputed) == ("4086384", "4216380")


def test_the_organisations_style_applies_when_the_user_chose_none(login, staff_user):
    # COSUDE is Swiss; its staff read Swiss figures unless they choose otherwise.
    staff_user.number_format = ""
    staff_user.save(update_fields=["number_format"])
    organisation = staff_user.memberships.get().organisation
    organisation.number_format = "ch"
    organisation.save(update_fields=["number_format"])
    text = page_text(login(staff_user).get(reverse("budgets:table", args=["pcc", "programa-cuadro-1"])))
    assert "4'086'384.00" in text
    assert wrong_figures(text, "ch") == []
