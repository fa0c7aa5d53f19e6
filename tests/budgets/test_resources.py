"""Budget figure imports on (programme, table, row line, column), and their export."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from djmoney.money import Money

from budgets.models import BudgetFact
from core.models import ImportStatus
from core.spreadsheets.writers import write_xlsx
from imports.registry import get_importer
from imports.services import import_commit, import_dry_run, import_start
from tests.core.test_spreadsheets import csv_bytes

HEADER = ["programme", "table", "line", "column", "amount", "amount_currency", "marker", "text"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def checked(user, data: bytes, name="facts.csv"):
    upload = SimpleUploadedFile(name, data)
    return import_dry_run(record=import_start(user=user, kind="budget-facts", upload=upload, locale="dot"))


def a_fact() -> BudgetFact:
    return (
        BudgetFact.objects.filter(amount__isnull=False)
        .select_related("programme", "budget_table", "row", "column")
        .first()
    )


def fact_row(fact: BudgetFact, **overrides) -> list:
    row = {
        "programme": fact.programme.code,
        "table": fact.budget_table.code,
        "line": fact.row.line,
        "column": fact.column.key,
        "amount": f"{fact.amount.amount:f}",
        "amount_currency": str(fact.amount.currency),
        "marker": "",
        "text": fact.text,
    }
    row.update(overrides)
    return [row[h] for h in HEADER]


def test_export_reimports_unchanged(staff_user):
    importer = get_importer("budget-facts")
    stream = io.BytesIO()
    write_xlsx(stream, sheet="facts", columns=importer.columns, rows=importer.export_rows(staff_user))
    record = checked(staff_user, stream.getvalue(), name="facts.xlsx")
    assert record.error_count == 0, record.errors[:3]
    assert (record.created_count, record.changed_count) == (0, 0)
    assert record.unchanged_count == BudgetFact.objects.count()


def test_changed_amount_is_previewed_then_written_with_history(staff_user):
    fact = a_fact()
    new = fact.amount.amount + Decimal("100.00")
    record = checked(staff_user, csv_bytes([HEADER, fact_row(fact, amount=f"{new:f}", text=f"{new:f}")]))
    assert (record.changed_count, record.error_count) == (1, 0), record.errors
    change_fields = {c["field"] for c in record.preview["changed"][0]["changes"]}
    assert "amount" in change_fields
    assert import_commit(record=record).status == ImportStatus.DONE
    fact.refresh_from_db()
    assert fact.amount == Money(new, fact.amount.currency)
    assert fact.history.first().history_user == staff_user


def test_wrong_currency_unknown_table_and_missing_amount_are_located(staff_user):
    fact = a_fact()
    other = "USD" if str(fact.amount.currency) != "USD" else "CHF"
    record = checked(
        staff_user,
        csv_bytes(
            [
                HEADER,
                fact_row(fact, amount_currency=other),
                fact_row(fact, table="no-such-table"),
                fact_row(fact, amount="", amount_currency=""),
            ]
        ),
    )
    assert [(e["row"], e["column"]) for e in record.errors] == [
        (2, "amount_currency"),
        (3, "table"),
        (4, "amount"),
    ]


def test_partners_cannot_import_budget_figures(partner_a_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        checked(partner_a_user, csv_bytes([HEADER]))


def test_template_example_row_is_a_real_cell(staff_user):
    from imports.registry import get_importer

    importer = get_importer("budget-facts")
    stream = io.BytesIO()
    write_xlsx(stream, sheet="t", columns=importer.columns, rows=importer.template_rows(), validations=True)
    record = checked(staff_user, stream.getvalue(), name="template.xlsx")
    assert (record.error_count, record.unchanged_count) == (0, 1), record.errors
