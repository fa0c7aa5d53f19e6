"""An administrator brings budget figures in through the import pages, as the issue's "done when" says."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from djmoney.money import Money

from budgets.models import BudgetFact
from core.models import ImportRecord, ImportStatus
from reconciliation.models import Finding
from tests.budgets.test_resources import HEADER
from tests.core.test_spreadsheets import xlsx_bytes


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, rows: list[list]) -> str:
    data = xlsx_bytes([HEADER, *rows])
    response = client.post(
        reverse("imports:import_start"),
        {"kind": "budget-facts", "locale": "dot", "file": SimpleUploadedFile("cuadro-1.xlsx", data)},
    )
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def adex_2006() -> BudgetFact:
    return BudgetFact.objects.get(budget_table__code="programa-cuadro-1", row__line=218, column__key="y2006")


def findings_on_line(programme, line: int) -> set[tuple[str, str, str]]:
    findings = Finding.objects.filter(rule__programme=programme).values_list(
        "rule__code", "severity", "recomputed", "lines"
    )
    return {(code, severity, recomputed) for code, severity, recomputed, lines in findings if line in lines}


def test_admin_fixes_a_refused_file_and_sees_the_figure_and_the_new_finding(
    login, admin_user, django_capture_on_commit_callbacks
):
    client = login(admin_user)
    fact = adex_2006()
    assert fact.amount == Money(Decimal("240000"), "CHF")
    before = findings_on_line(fact.programme, 218)

    # 1. The file has text where the amount belongs: the preview locates it and offers no confirm.
    preview = client.get(
        upload(
            client, [["pcc", "programa-cuadro-1", 218, "y2006", "doscientos cincuenta mil", "CHF", "", ""]]
        )
    )
    record = ImportRecord.objects.latest("pk")
    content = preview.content.decode()
    assert record.error_count == 1
    assert '<td class="num">2</td><td>amount</td><td><code>doscientos cincuenta mil</code></td>' in content
    assert reverse("imports:import_confirm", args=[record.pk]) not in content
    assert adex_2006().amount == Money(Decimal("240000"), "CHF")

    # 2. Fixed: the preview shows the change old → new, nothing is written before the confirm.
    preview = client.get(
        upload(client, [["pcc", "programa-cuadro-1", 218, "y2006", 250000, "CHF", "", "250'000"]])
    )
    record = ImportRecord.objects.latest("pk")
    assert (record.error_count, record.changed_count, record.created_count) == (0, 1, 0)
    content = preview.content.decode()
    assert "<td>amount</td><td>CHF 240000.00</td><td>CHF 250000.00</td>" in content
    assert adex_2006().amount == Money(Decimal("240000"), "CHF")

    # 3. Confirmed: the figure is in the table and, once the import commits, the reconciliation has run.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("imports:import_confirm", args=[record.pk]))
    assert len(callbacks) == 1  # one run for the programme, however many rows changed
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    assert adex_2006().amount == Money(Decimal("250000"), "CHF")
    table = html.unescape(
        client.get(reverse("budgets:table", args=["pcc", "programa-cuadro-1"])).content.decode()
    )
    assert "250'000" in table and "240'000" not in table.split("ADEX", 1)[1].split("</tr>", 1)[0]

    # The row 218 now adds up to 420'000 against the 410'000 printed: a new material finding.
    after = findings_on_line(fact.programme, 218)
    new = after - before
    assert new and all(severity == "material" for _code, severity, _recomputed in new)
    assert any("420000" in recomputed.replace(".00", "") for _code, _severity, recomputed in new)
    page = client.get(reverse("budgets:reconciliation", args=["pcc"]) + "?severity=material").content.decode()
    new_finding = Finding.objects.get(rule__code=next(iter(new))[0], severity="material")
    assert new_finding.message[:40] in page or str(new_finding.pk) in page
