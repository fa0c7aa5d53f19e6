"""History of budget tables, columns and rows: who changed them (import, admin, loader) and why."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from budgets.models import BudgetColumn, BudgetFact, BudgetRow, BudgetTable
from core.loading import load_programme
from core.models import ImportRecord, ImportStatus
from core.spreadsheets.errors import Problem
from imports.registry import ImportContext, get_importer
from imports.services import import_commit
from tests.budgets.test_structure_imports import checked, committed, exported, located, xlsx
from tests.conftest import PCC_FOLDER
from tests.core.test_import_writes import AWKWARD, assert_same_rows, reason, write

HISTORY_MODELS = (BudgetTable, BudgetColumn, BudgetRow, BudgetFact)
TABLE = "sp12-cuadro-2-prosur"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def history_counts() -> dict[str, int]:
    return {model.__name__: model.history.count() for model in HISTORY_MODELS}


def a_column_with_amounts() -> BudgetColumn:
    return BudgetColumn.objects.get(table__code=TABLE, key="chf")


def test_an_import_changing_a_table_title_writes_one_history_row_crediting_the_importer(pcc, admin_user):
    tables = [t for t in exported("budget-tables", admin_user, pcc) if t["code"] == TABLE]
    tables[0]["title"] = "Cuadro 2 corregido"
    table = BudgetTable.objects.get(programme=pcc, code=TABLE)
    before = table.history.count()

    record = committed(admin_user, "budget-tables", xlsx("budget-tables", tables))

    assert table.history.count() == before + 1
    latest = table.history.first()
    assert (latest.history_type, latest.title) == ("~", "Cuadro 2 corregido")
    assert (latest.history_user, latest.history_change_reason) == (admin_user, f"import #{record.pk}")


def test_an_import_of_new_columns_and_rows_writes_their_creation_history(pcc, admin_user):
    columns = [c for c in exported("budget-columns", admin_user, pcc) if c["table"] == TABLE]
    columns.append({**columns[-1], "key": "eur", "header": "En EUR", "order": 9, "currency": "EUR"})
    rows = [r for r in exported("budget-rows", admin_user, pcc) if r["table"] == TABLE]
    rows.insert(0, {**rows[0], "line": 591, "label": "Subtotal nuevo", "order": 0, "role": "subtotal"})
    rows[1]["parent"] = 591  # a row new in this file: linked after the last row

    committed(admin_user, "budget-columns", xlsx("budget-columns", columns))
    committed(admin_user, "budget-rows", xlsx("budget-rows", rows))

    column = BudgetColumn.objects.get(table__code=TABLE, key="eur")
    assert list(column.history.values_list("history_type", "history_user")) == [("+", admin_user.pk)]
    new_row = BudgetRow.objects.get(table__code=TABLE, line=591)
    assert list(new_row.history.values_list("history_type", "history_user")) == [("+", admin_user.pk)]
    linked = BudgetRow.objects.get(table__code=TABLE, line=rows[1]["line"])
    latest = linked.history.first()
    assert (latest.history_type, latest.parent_id, latest.history_user) == ("~", new_row.pk, admin_user)


def test_a_new_currency_for_a_column_with_figures_is_refused_located_and_nothing_is_written(pcc, admin_user):
    column = a_column_with_amounts()
    count = column.facts.filter(amount__isnull=False).count()
    assert count
    columns = [c for c in exported("budget-columns", admin_user, pcc) if c["table"] == TABLE]
    number = next(i for i, c in enumerate(columns, start=2) if c["key"] == column.key)
    columns[number - 2]["currency"] = "USD"
    before = history_counts()

    record = checked(admin_user, "budget-columns", xlsx("budget-columns", columns))

    assert (record.status, record.error_count) == (ImportStatus.DRY_RUN, 1)
    assert located(record) == [(number, "currency")]
    assert record.errors[0]["params"] == {"count": count, "currency": "CHF"}
    with translation.override("en"):
        assert (
            Problem.from_json(record.errors[0])
            .text()
            .startswith(
                f"the column has {count} figures in CHF; import the figures in the new currency first"
            )
        )
    assert not record.can_confirm
    column.refresh_from_db()
    assert column.currency == "CHF"
    assert history_counts() == before


def test_a_currency_changed_since_the_dry_run_is_refused_at_commit(pcc, admin_user):
    column = BudgetColumn.objects.create(
        table=a_column_with_amounts().table,
        key="eur",
        header="En EUR",
        order=9,
        currency="EUR",
        figure="planned",
    )
    columns = [c for c in exported("budget-columns", admin_user, pcc) if c["key"] == "eur"]
    columns[0]["currency"] = "USD"
    record = checked(admin_user, "budget-columns", xlsx("budget-columns", columns))
    assert (record.status, record.error_count) == (ImportStatus.DRY_RUN, 0)
    fact = a_column_with_amounts().facts.filter(amount__isnull=False).first()
    BudgetFact.objects.filter(pk=fact.pk).update(column=column, amount_currency="EUR")

    record = import_commit(record=record)

    assert record.status == ImportStatus.FAILED
    assert located(record) == [(2, "currency")]
    column.refresh_from_db()
    assert column.currency == "EUR"


def test_a_new_currency_for_a_column_without_amounts_is_imported(pcc, admin_user):
    BudgetColumn.objects.create(
        table=a_column_with_amounts().table,
        key="eur",
        header="En EUR",
        order=9,
        currency="EUR",
        figure="planned",
    )
    columns = [c for c in exported("budget-columns", admin_user, pcc) if c["key"] == "eur"]
    columns[0]["currency"] = "USD"

    assert committed(admin_user, "budget-columns", xlsx("budget-columns", columns)).changed_count == 1
    assert BudgetColumn.objects.get(table__code=TABLE, key="eur").currency == "USD"


def _column_form(column: BudgetColumn, **changes) -> dict:
    data = {
        "table": column.table_id,
        "key": column.key,
        "header": column.header,
        "order": column.order,
        "currency": column.currency,
        "figure": column.figure,
        "is_total": column.is_total,
        "partner": column.partner_id or "",
        "period_label": column.period_label,
        "period_start": column.period_start.isoformat() if column.period_start else "",
        "period_end": column.period_end.isoformat() if column.period_end else "",
        "change_reason": "",
    }
    if not data["is_total"]:
        del data["is_total"]
    return {**data, **changes}


def test_the_admin_refuses_a_new_currency_for_a_column_with_figures(login, admin_user, pcc):
    column = a_column_with_amounts()
    count = column.facts.filter(amount__isnull=False).count()
    before = history_counts()

    response = login(admin_user).post(
        reverse("admin:budgets_budgetcolumn_change", args=[column.pk]),
        _column_form(column, currency="USD"),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["currency"]
    assert errors["currency"][0].startswith(f"la columna tiene {count} cifras en CHF")  # Spanish by default
    column.refresh_from_db()
    assert column.currency == "CHF"
    assert history_counts() == before


def test_the_admin_changes_a_column_header_with_its_history(login, admin_user, pcc):
    column = a_column_with_amounts()

    response = login(admin_user).post(
        reverse("admin:budgets_budgetcolumn_change", args=[column.pk]),
        _column_form(column, header="En CHF (corregido)", change_reason="errata"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = column.history.first()
    assert (latest.header, latest.history_user, latest.history_change_reason) == (
        "En CHF (corregido)",
        admin_user,
        "errata",
    )


def test_reloading_the_unchanged_pcc_writes_no_history(pcc):
    before = history_counts()

    load_programme(PCC_FOLDER)

    assert history_counts() == before


@pytest.fixture
def folder_copy(tmp_path):
    target = tmp_path / "pcc"
    shutil.copytree(PCC_FOLDER, target)
    return target


def test_reloading_with_one_changed_figure_writes_one_history_row_with_the_reason(pcc, folder_copy):
    path = folder_copy / "budgets" / "03-sp12-cuadro-2-prosur.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count('cells: ["674", "600"]') == 1
    path.write_text(text.replace('cells: ["674", "600"]', 'cells: ["675", "600"]'), encoding="utf-8")
    fact = BudgetFact.objects.get(budget_table__code=TABLE, line=592, column__key="chf")
    before = history_counts()

    load_programme(folder_copy)

    assert history_counts() == {**before, "BudgetFact": before["BudgetFact"] + 1}
    latest = fact.history.first()
    assert (latest.history_type, latest.text, latest.history_user) == ("~", "675", None)
    assert latest.history_change_reason == f"loaded from {folder_copy}"[:100]


# ---------------------------------------------------------------------------------------------
# PostgreSQL: the COPY of structure rows and their history rows is what simple-history writes


@pytest.fixture
def copy_context(staff_user):
    record = ImportRecord.objects.create(
        user=staff_user, kind="budget-rows", file_name="rows.xlsx", sha256="0" * 64, size=1
    )

    def for_model(model) -> ImportContext:
        return ImportContext(
            user=staff_user,
            importer=dataclasses.replace(get_importer("budget-rows"), model=model),
            record=record,
        )

    return for_model


@pytest.mark.postgres
def test_structure_rows_copied_get_the_history_rows_simple_history_writes(
    settings, copy_context, staff_user, pcc
):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; elsewhere the writer is bulk_create itself")
    table = BudgetTable.objects.get(programme=pcc, code=TABLE)
    heading = BudgetRow.objects.filter(table=table).first()
    last_line = table.last_line

    def rows(offset):
        return [
            BudgetRow(
                table=table,
                line=last_line + offset + n,
                order=800 + offset + n,
                label=label,
                result="R2",
                parent=heading if n % 2 else None,
                partner_id=heading.partner_id,
            )
            for n, label in enumerate(AWKWARD)
        ]

    table.last_line += 300  # room for the new lines
    table.save()
    copied, reference = rows(1), rows(101)
    assert set(write(settings, copy_context, copied, copy=True)) == {"COPY"}
    assert set(write(settings, copy_context, reference, copy=False)) == {"INSERT"}
    assert_same_rows(
        BudgetRow, copied, reference, ignore={"line", "order"}, staff_user=staff_user, record_reason=reason()
    )

    def tables(prefix):
        fields = [f.attname for f in BudgetTable._meta.concrete_fields if not f.primary_key]
        return [
            BudgetTable(
                **{name: getattr(table, name) for name in fields},
            )
            for _n in range(len(AWKWARD))
        ]

    copied, reference = tables("copied"), tables("reference")
    for prefix, made in (("copied", copied), ("reference", reference)):
        for n, (made_table, text) in enumerate(zip(made, AWKWARD, strict=True)):
            made_table.code, made_table.title = f"{prefix}-{n}", text
            made_table.notes = [{"line": 916, "text": text}] if n % 2 else []
    assert set(write(settings, copy_context, copied, copy=True)) == {"COPY"}
    assert set(write(settings, copy_context, reference, copy=False)) == {"INSERT"}
    assert_same_rows(
        BudgetTable, copied, reference, ignore={"code"}, staff_user=staff_user, record_reason=reason()
    )
