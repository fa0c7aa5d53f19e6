"""The admin's Import and Export buttons go through the one import pipeline (issue #15)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgets.models import BudgetFact
from core.models import ImportStatus
from imports.registry import get_importer
from imports.services import import_dry_run, import_start
from tests.results.source import SOURCE


def _export(client, model: str) -> tuple[list[str], list[tuple]]:
    """What the admin's Export button downloads as XLSX: header and rows."""
    url = reverse(f"admin:{model}_export")
    page = client.get(url).content.decode()
    boxes = set(re.findall(r'name="(\w+kindresource_\w+)"', page))
    response = client.post(url, {"format": "0", "resource": "0", **{name: "on" for name in boxes}})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def test_figures_changelist_imports_through_the_import_page(login, admin_user):
    client = login(admin_user)
    html = client.get(reverse("admin:budgets_budgetfact_changelist")).content.decode()
    assert f'href="{reverse("imports:import_start")}?kind=budget-facts"' in html
    page = client.get(reverse("imports:import_start"), {"kind": "budget-facts"}).content.decode()
    assert 'value="budget-facts" selected' in page


def test_admin_export_of_figures_is_the_import_file_and_reimports_unchanged(login, admin_user):
    client = login(admin_user)
    header, rows = _export(client, "budgets_budgetfact")
    # The columns of the import template, money as amount and currency.
    assert header[:6] == ["programme", "table", "line", "column", "amount", "amount_currency"]
    assert len(rows) == BudgetFact.objects.count()
    total = [r for r in rows if r[1] == "sp12-cuadro-2-prosur" and r[2] == 598]
    # Line 598 of the source: "TOTAL 28,154 25,070" (CHF, then US$).
    assert SOURCE.read_text(encoding="utf-8").splitlines()[597].split() == ["TOTAL", "28,154", "25,070"]
    assert sorted((Decimal(str(r[4])), r[5]) for r in total) == [
        (Decimal("25070"), "USD"),
        (Decimal("28154"), "CHF"),
    ]

    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(list(row))
    book.save(buffer)
    upload = SimpleUploadedFile("figures.xlsx", buffer.getvalue())
    record = import_dry_run(
        record=import_start(user=admin_user, kind="budget-facts", upload=upload, locale="dot")
    )
    assert record.status == ImportStatus.DRY_RUN, record.errors[:3]
    assert (record.created_count, record.changed_count, record.unchanged_count) == (0, 0, len(rows))


def test_exchange_rates_admin_exports_the_kind_columns(login, admin_user):
    header, rows = _export(login(admin_user), "core_exchangerate")
    assert header == get_importer("exchange-rates").column_names
    assert rows, "the PCC states its exchange rates"


@pytest.mark.parametrize("model", ["results_progressreport", "results_activity"])
def test_admin_changelists_export_and_never_write_status(login, admin_user, model):
    client = login(admin_user)
    html = client.get(reverse(f"admin:{model}_changelist")).content.decode()
    assert reverse(f"admin:{model}_export") in html
    # No admin import of its own: a site administrator is no partner editor, so progress has no Import button.
    has_import = f"{reverse('imports:import_start')}?kind=progress" in html
    assert has_import is False
    header, _rows = _export(client, model)
    assert "status" not in header
