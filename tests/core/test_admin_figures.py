"""The admin writes money and decimals like the pages (core.formatting), not in the language's locale."""

import pytest
from django.urls import reverse

from reconciliation.models import Finding

# Cuadro 1 of the programme, line 238: the TOTAL row states 4'086'384, the rows' totals add up to 4'216'380.
TOTAL_RULE = "programa-cuadro-1/238/total:sum-rows"


@pytest.mark.parametrize(
    ("style", "amount", "difference"),
    [("ch", "CHF 4&#x27;086&#x27;384.00", "-129&#x27;996"), ("pe", "CHF 4,086,384.00", "-129,996")],
)
def test_admin_lists_write_money_and_differences_in_the_readers_style(
    login, admin_user, style, amount, difference
):
    admin_user.number_format = style
    admin_user.save(update_fields=["number_format"])
    client = login(admin_user)
    facts = client.get(reverse("admin:budgets_budgetfact_changelist"), {"line__exact": 238, "q": "TOTAL"})
    assert facts.status_code == 200
    assert amount in facts.content.decode()
    finding = Finding.objects.get(rule__code=TOTAL_RULE)
    findings = client.get(reverse("admin:reconciliation_finding_changelist"), {"q": TOTAL_RULE})
    assert f'<td class="field-difference">{difference}</td>' in findings.content.decode()
    # Read-only on the finding's page too, and no longer as Django's "-129996,000000".
    page = client.get(reverse("admin:reconciliation_finding_change", args=[finding.pk])).content.decode()
    assert f'<div class="readonly">{difference}</div>' in page
    stated = amount.removesuffix(".00")
    assert f"{stated};" in page  # the message, in the reader's style too
    assert "129996,000000" not in page
