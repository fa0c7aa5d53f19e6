"""Budget tables, columns, rows, figures and reconciliation rules as spreadsheets: export, import, round trip."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements import access
from agreements.models import Role
from budgets.models import BudgetColumn, BudgetFact, BudgetRow, BudgetTable, RowRole
from core.models import ImportRecord, ImportStatus
from core.spreadsheets.writers import write_xlsx
from imports.registry import get_importer
from imports.services import export_kind, import_commit, import_dry_run, import_start
from reconciliation.engine import reconcile
from reconciliation.models import ReconciliationRule
from tests.factories import OrganisationFactory, ParticipantFactory, ProgrammeFactory, UserFactory

STRUCTURE_KINDS = ["budget-tables", "budget-columns", "budget-rows", "reconciliation-rules"]
# In import order: tables before their columns and rows, figures after them, rules last.
ROUND_TRIP_KINDS = ["budget-tables", "budget-columns", "budget-rows", "budget-facts", "reconciliation-rules"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def xlsx(kind: str, rows) -> bytes:
    """Rows (dicts keyed by column name) as the XLSX file of ``kind``."""
    stream = io.BytesIO()
    write_xlsx(stream, sheet=kind, columns=get_importer(kind).columns, rows=rows)
    return stream.getvalue()


def exported(kind: str, user, programme=None) -> list[dict[str, Any]]:
    return list(get_importer(kind).export_rows(user, programme=programme))


def checked(user, kind: str, data: bytes) -> ImportRecord:
    upload = SimpleUploadedFile(f"{kind}.xlsx", data)
    return import_dry_run(record=import_start(user=user, kind=kind, upload=upload, locale="dot"))


def committed(user, kind: str, data: bytes) -> ImportRecord:
    record = checked(user, kind, data)
    assert (record.status, record.error_count) == (ImportStatus.DRY_RUN, 0), record.errors[:5]
    record = import_commit(record=record)
    assert record.status == ImportStatus.DONE, (record.message, record.errors)
    return record


def located(record: ImportRecord) -> list[tuple[int, str]]:
    return [(error["row"], error["column"]) for error in record.errors]


def _hashable(row: tuple) -> tuple:
    return tuple(json.dumps(v, sort_keys=True) if isinstance(v, list | dict) else v for v in row)


def captured(programme) -> dict[str, set[tuple]]:
    """Every stored field of the programme's budget structure, figures and rules, natural keys for ids."""
    return {
        "tables": {
            _hashable(row)
            for row in BudgetTable.objects.filter(programme=programme).values_list(
                "code",
                "title",
                "component__code",
                "document__code",
                "title_line",
                "first_line",
                "last_line",
                "layout",
                "decimal_separator",
                "currency",
                "rate__code",
                "notes",
                "in_overview",
                "reporting_basis",
                "order",
            )
        },
        "columns": set(
            BudgetColumn.objects.filter(table__programme=programme).values_list(
                "table__code",
                "key",
                "header",
                "order",
                "currency",
                "figure",
                "is_total",
                "partner__acronym",
                "period_label",
                "period_start",
                "period_end",
            )
        ),
        "rows": set(
            BudgetRow.objects.filter(table__programme=programme).values_list(
                "table__code",
                "line",
                "label",
                "order",
                "role",
                "parent__line",
                "section__line",
                "partner__acronym",
                "component__code",
                "result",
                "cost_category",
            )
        ),
        "facts": set(
            BudgetFact.objects.filter(programme=programme).values_list(
                "budget_table__code",
                "row__line",
                "column__key",
                "amount",
                "amount_currency",
                "marker",
                "text",
                "document__code",
                "line",
                "table",
                "row_label",
                "column_header",
                "component__code",
                "partner__acronym",
                "result",
                "cost_category",
                "period_label",
                "period_start",
                "period_end",
                "figure",
                "is_total",
                "counterpart__budget_table__code",
                "counterpart__row__line",
                "counterpart__column__key",
                "rate__code",
            )
        ),
        "rules": {
            _hashable(row)
            for row in ReconciliationRule.objects.filter(programme=programme).values_list(
                "code",
                "kind",
                "description",
                "params",
                "budget_table__code",
                "absolute_tolerance",
                "relative_tolerance",
                "origin",
                "active",
            )
        },
    }


def finding_set(findings) -> set[tuple]:
    return {
        (f.rule.code, f.key, f.severity, f.stated, f.recomputed, f.currency, tuple(f.lines), f.message)
        for f in findings
    }


def a_linked_fact() -> BudgetFact:
    return (
        BudgetFact.objects.filter(counterpart__isnull=False, rate__isnull=False)
        .select_related("budget_table", "row", "column", "counterpart")
        .order_by("budget_table__code", "line", "column__key")
        .first()
    )


def fact_cells(fact: BudgetFact, **overrides) -> dict[str, Any]:
    cells = {
        "programme": "pcc",
        "table": fact.budget_table.code,
        "line": fact.row.line,
        "column": fact.column.key,
        "amount": fact.amount,
        "marker": fact.marker,
        "text": fact.text,
    }
    cells.update(overrides)
    return cells


def ref_of(fact: BudgetFact) -> str:
    return f"{fact.budget_table.code}/{fact.line}/{fact.column.key}"


# ---------------------------------------------------------------------------------------------
# Export and re-import


@pytest.mark.parametrize("kind", ROUND_TRIP_KINDS)
def test_export_of_the_pcc_reimports_unchanged(admin_user, pcc, kind):
    rows = exported(kind, admin_user, pcc)
    assert rows
    record = checked(admin_user, kind, xlsx(kind, rows))
    assert record.error_count == 0, record.errors[:5]
    assert (record.created_count, record.changed_count, record.unchanged_count) == (0, 0, len(rows))


def test_kinds_are_ordered_tables_columns_rows_figures_rules_and_belong_to_a_programme():
    importers = [get_importer(kind) for kind in ROUND_TRIP_KINDS]
    assert [i.order for i in importers] == [20, 21, 22, 23, 90]
    assert [i.programme_lookup for i in importers] == [
        "programme",
        "table__programme",
        "table__programme",
        "programme",
        "programme",
    ]


def test_budget_structure_round_trip_gives_the_loaders_tables_figures_rules_and_findings(pcc, admin_user):
    before = captured(pcc)
    findings_before = finding_set(reconcile(pcc))
    files = {kind: xlsx(kind, exported(kind, admin_user, pcc)) for kind in ROUND_TRIP_KINDS}
    assert findings_before and any(row[5] is not None for row in before["rows"])  # parents to link

    ReconciliationRule.objects.filter(programme=pcc).delete()
    BudgetTable.objects.filter(programme=pcc).delete()
    assert not BudgetFact.objects.filter(programme=pcc).exists()
    assert not BudgetRow.objects.filter(table__programme=pcc).exists()

    created = {kind: committed(admin_user, kind, files[kind]).created_count for kind in ROUND_TRIP_KINDS}

    assert created == {
        "budget-tables": len(before["tables"]),
        "budget-columns": len(before["columns"]),
        "budget-rows": len(before["rows"]),
        "budget-facts": len(before["facts"]),
        "reconciliation-rules": len(before["rules"]),
    }
    after = captured(pcc)
    for name in before:
        assert after[name] == before[name], name
    assert finding_set(reconcile(pcc)) == findings_before


@pytest.mark.parametrize(
    ("kind", "few", "many"),
    [
        ("budget-tables", 3, 16),
        ("budget-columns", 5, 50),
        ("budget-rows", 5, 50),
        ("budget-facts", 5, 50),
        ("reconciliation-rules", 5, 50),
    ],
)
def test_dry_run_queries_do_not_grow_with_rows(
    admin_user, pcc, kind, few, many, django_assert_max_num_queries
):
    rows = exported(kind, admin_user, pcc)
    assert len(rows) >= many
    # The fullest rows first, so the few rows need every look-up the many do (each one query).
    rows.sort(key=lambda row: -sum(value not in (None, "") for value in row.values()))
    assert access.roles_in(admin_user, pcc)  # the user's roles are read once, before counting
    small, large = (
        import_start(user=admin_user, kind=kind, locale="dot", upload=SimpleUploadedFile("f.xlsx", data))
        for data in (xlsx(kind, rows[:few]), xlsx(kind, rows[:many]))
    )
    with CaptureQueriesContext(connection) as queries:
        small = import_dry_run(record=small)
    with django_assert_max_num_queries(len(queries)):
        large = import_dry_run(record=large)
    assert (small.unchanged_count, large.unchanged_count) == (few, many)


# ---------------------------------------------------------------------------------------------
# Rows: subtotals printed below their items


def new_table(pcc, admin_user, code="t-nueva") -> BudgetTable:
    committed(
        admin_user,
        "budget-tables",
        xlsx(
            "budget-tables",
            [
                {
                    "programme": "pcc",
                    "code": code,
                    "title": "Cuadro nuevo",
                    "document": "pcc-enmienda-2009",
                    "title_line": 100,
                    "first_line": 100,
                    "last_line": 110,
                    "decimal_separator": ".",
                    "currency": "CHF",
                    "order": 99,
                }
            ],
        ),
    )
    return BudgetTable.objects.get(programme=pcc, code=code)


def row_cells(line: int, order: int, **cells) -> dict[str, Any]:
    return {
        "programme": "pcc",
        "table": "t-nueva",
        "line": line,
        "label": f"línea {line}",
        "order": order,
        **cells,
    }


def test_a_subtotal_printed_below_its_items_becomes_their_parent(pcc, admin_user):
    table = new_table(pcc, admin_user)
    assert (table.layout, table.notes, table.in_overview, table.rate) == ("grid", [], False, None)
    record = committed(
        admin_user,
        "budget-rows",
        xlsx(
            "budget-rows",
            [
                row_cells(101, 0, role="heading"),
                row_cells(102, 1, parent=104, section=101, partner="PROSUR"),
                row_cells(103, 2, parent=104, section=101),
                row_cells(104, 3, role="subtotal", section=101),
            ],
        ),
    )
    assert record.created_count == 4
    rows = {row.line: row for row in table.rows.select_related("parent", "section", "partner")}
    assert [rows[line].parent.line for line in (102, 103)] == [104, 104]
    assert rows[104].parent is None and rows[104].section.line == 101
    assert rows[102].partner.acronym == "PROSUR" and rows[103].partner is None
    assert rows[104].role == RowRole.SUBTOTAL and rows[102].role == RowRole.ITEM

    rows = [row for row in exported("budget-rows", admin_user, pcc) if row["table"] == "t-nueva"]
    again = checked(admin_user, "budget-rows", xlsx("budget-rows", rows))
    assert (again.created_count, again.changed_count, again.unchanged_count) == (0, 0, 4)


def test_a_parent_in_neither_the_file_nor_the_database_is_located_and_nothing_is_written(pcc, admin_user):
    table = new_table(pcc, admin_user)
    record = checked(
        admin_user,
        "budget-rows",
        xlsx(
            "budget-rows",
            [
                row_cells(102, 0, parent=105),
                row_cells(103, 1, section=109),
                row_cells(105, 2, role="subtotal"),
            ],
        ),
    )
    assert located(record) == [(3, "section")]
    assert record.errors[0]["value"] == "109"
    assert not record.can_confirm
    assert not table.rows.exists()


def test_a_row_outside_its_table_or_naming_itself_is_located(pcc, admin_user):
    new_table(pcc, admin_user)
    record = checked(
        admin_user,
        "budget-rows",
        xlsx(
            "budget-rows",
            [row_cells(99, 0), row_cells(102, 1, parent=102), row_cells(103, 2, partner="NOPE")],
        ),
    )
    assert located(record) == [(2, "line"), (3, "parent"), (4, "partner")]


def test_changed_structure_is_copied_to_its_figures(pcc, admin_user):
    fact = a_linked_fact()
    rows = [r for r in exported("budget-rows", admin_user, pcc) if r["table"] == fact.budget_table.code]
    for row in rows:
        if row["line"] == fact.row.line:
            row["label"] = "Etiqueta corregida"
    tables = [t for t in exported("budget-tables", admin_user, pcc) if t["code"] == fact.budget_table.code]
    tables[0]["title"] = "Cuadro corregido"

    assert committed(admin_user, "budget-rows", xlsx("budget-rows", rows)).changed_count == 1
    assert committed(admin_user, "budget-tables", xlsx("budget-tables", tables)).changed_count == 1

    fact.refresh_from_db()
    assert (fact.row_label, fact.table) == ("Etiqueta corregida", "Cuadro corregido")
    assert fact.history.first().history_user == admin_user


# ---------------------------------------------------------------------------------------------
# Figures: counterparts and rates


def test_counterparts_removed_and_swapped_are_linked_after_the_last_row(pcc, admin_user):
    first = a_linked_fact()
    second = (
        BudgetFact.objects.filter(counterpart__isnull=False, budget_table=first.budget_table)
        .exclude(pk__in=[first.pk, first.counterpart_id])
        .select_related("budget_table", "row", "column", "counterpart__budget_table", "counterpart__column")
        .first()
    )
    a, b = (
        first,
        BudgetFact.objects.select_related("budget_table", "row", "column").get(pk=first.counterpart_id),
    )
    c, d = (
        second,
        BudgetFact.objects.select_related("budget_table", "row", "column").get(pk=second.counterpart_id),
    )

    # A figure named as another's counterpart may be released further down the same file.
    record = committed(
        admin_user,
        "budget-facts",
        xlsx(
            "budget-facts",
            [
                fact_cells(a, counterpart=ref_of(d)),
                fact_cells(d, counterpart=ref_of(a)),
                fact_cells(b, counterpart=ref_of(c)),
                fact_cells(c, counterpart=ref_of(b), rate="-"),
            ],
        ),
    )
    assert record.changed_count == 4
    links = dict(
        BudgetFact.objects.filter(pk__in=[a.pk, b.pk, c.pk, d.pk]).values_list("pk", "counterpart_id")
    )
    assert links == {a.pk: d.pk, d.pk: a.pk, b.pk: c.pk, c.pk: b.pk}
    c.refresh_from_db()
    assert c.rate is None
    assert a.history.first().history_user == admin_user

    # "-" removes a link; an empty cell (or a file without the column) keeps it.
    committed(
        admin_user, "budget-facts", xlsx("budget-facts", [fact_cells(a, counterpart="-"), fact_cells(b)])
    )
    assert BudgetFact.objects.get(pk=a.pk).counterpart_id is None
    assert BudgetFact.objects.get(pk=b.pk).counterpart_id == c.pk


def test_counterpart_errors_are_located(pcc, admin_user):
    held = a_linked_fact()  # held by its counterpart, which the file leaves as it is
    linked = BudgetFact.objects.filter(counterpart__isnull=False).values("counterpart_id")
    free = list(
        BudgetFact.objects.filter(counterpart__isnull=True)
        .exclude(pk__in=linked)
        .select_related("budget_table", "row", "column")
        .order_by("pk")[:8]
    )
    record = checked(
        admin_user,
        "budget-facts",
        xlsx(
            "budget-facts",
            [
                fact_cells(free[0], counterpart="no/such/thing"),
                fact_cells(free[1], counterpart=ref_of(free[1])),
                fact_cells(free[2], counterpart="programa-cuadro-1/1/y2006"),
                fact_cells(free[3], counterpart=ref_of(held)),
                fact_cells(free[4], rate="no-such-rate"),
                fact_cells(free[5], counterpart=ref_of(free[7])),
                fact_cells(free[6], counterpart=ref_of(free[7])),
            ],
        ),
    )
    # Row by row first, then what only the whole file tells.
    assert located(record) == [
        (2, "counterpart"),
        (3, "counterpart"),
        (6, "rate"),
        (8, "counterpart"),
        (4, "counterpart"),
        (5, "counterpart"),
    ]
    assert not record.can_confirm


def test_figures_without_the_new_columns_keep_their_counterpart_and_rate(staff_user):
    fact = a_linked_fact()
    data = xlsx("budget-facts", [fact_cells(fact, amount=fact.amount + fact.amount, text="")])
    assert committed(staff_user, "budget-facts", data).changed_count == 1
    after = BudgetFact.objects.get(pk=fact.pk)
    assert (after.counterpart_id, after.rate_id) == (fact.counterpart_id, fact.rate_id)
    assert after.amount == fact.amount * 2


def test_a_programme_the_user_is_not_staff_of_is_refused(pcc):
    outsider = OrganisationFactory(acronym="OTRA", kind="donor")
    ParticipantFactory(programme=ProgrammeFactory(code="otro"), organisation=outsider, role="donor")
    user = UserFactory(username="otra-staff", membership=(outsider, Role.PROGRAMME_STAFF))
    record = checked(user, "budget-facts", xlsx("budget-facts", [fact_cells(a_linked_fact())]))
    assert located(record) == [(2, "programme")]
    for kind in STRUCTURE_KINDS:
        assert exported(kind, user) == []


# ---------------------------------------------------------------------------------------------
# Tables and rules: located errors


def test_table_lines_and_document_errors_are_located(pcc, admin_user):
    table = exported("budget-tables", admin_user, pcc)[0]
    record = checked(
        admin_user,
        "budget-tables",
        xlsx(
            "budget-tables",
            [
                {**table, "first_line": table["last_line"] + 1},
                {**table, "code": "otra", "document": "no-such-document"},
                {**table, "code": "notas", "notes": "{not json"},
                {**table, "code": "notas-2", "notes": '{"line": 1}'},
                {**table, "code": "componente", "component": "9.9"},
                {**table, "code": "moneda", "currency": "JPY"},
            ],
        ),
    )
    assert located(record) == [
        (2, "last_line"),
        (3, "document"),
        (4, "notes"),
        (5, "notes"),
        (6, "component"),
        (7, "currency"),
    ]


def test_rule_params_and_kind_errors_are_located(pcc, admin_user):
    rule = exported("reconciliation-rules", admin_user, pcc)[0]
    record = checked(
        admin_user,
        "reconciliation-rules",
        xlsx(
            "reconciliation-rules",
            [
                {**rule, "params": '{"total": '},
                {**rule, "code": "lista", "params": "[1, 2]"},
                {**rule, "code": "clase", "kind": "magic"},
                {**rule, "code": "tabla", "table": "no-such-table"},
                {**rule, "code": "tolerancia", "absolute_tolerance": Decimal("-1")},
            ],
        ),
    )
    assert located(record) == [
        (2, "params"),
        (3, "params"),
        (4, "kind"),
        (5, "table"),
        (6, "absolute_tolerance"),
    ]
    known = record.errors[2]["params"]["kinds"]
    assert "sum" in known and "schedule_months" in known  # the results app's kinds too


def test_a_new_rule_is_added_by_staff_active_and_reconciled(pcc, admin_user):
    rule = exported("reconciliation-rules", admin_user, pcc)[0]
    new = {**rule, "code": "nueva-regla", "origin": "", "active": None, "absolute_tolerance": Decimal("0.50")}
    assert (
        committed(admin_user, "reconciliation-rules", xlsx("reconciliation-rules", [new])).created_count == 1
    )
    created = ReconciliationRule.objects.get(programme=pcc, code="nueva-regla")
    assert (created.origin, created.active, created.absolute_tolerance) == ("staff", True, Decimal("0.50"))
    assert created.params == json.loads(rule["params"])
    original = ReconciliationRule.objects.get(programme=pcc, code=rule["code"])
    assert {f.key for f in created.findings.all()} == {f.key for f in original.findings.all()}


# ---------------------------------------------------------------------------------------------
# Who may import and export


@pytest.mark.parametrize("kind", STRUCTURE_KINDS)
def test_only_administrators_import_structure_kinds(staff_user, partner_a_user, admin_user, kind):
    data = xlsx(kind, [])
    for user in (staff_user, partner_a_user):
        with pytest.raises(PermissionDenied):
            import_start(user=user, kind=kind, upload=SimpleUploadedFile("f.xlsx", data), locale="dot")
    assert import_start(user=admin_user, kind=kind, upload=SimpleUploadedFile("f.xlsx", data), locale="dot")


@pytest.mark.parametrize("kind", STRUCTURE_KINDS)
def test_partners_cannot_export_structure_kinds(partner_a_user, staff_user, kind):
    with pytest.raises(PermissionDenied):
        export_kind(user=partner_a_user, kind=kind)
    assert exported(kind, partner_a_user) == []
    assert exported(kind, staff_user)  # programme staff still see their programme's structure


def test_a_column_breaking_down_another_names_a_column_of_its_table(pcc, admin_user):
    columns = [c for c in exported("budget-columns", admin_user, pcc) if c["table"] == "anexo-1-sp12-sp13"]
    assert {c["key"]: c["detail_of"] for c in columns} == {
        "chf": "",
        "usd": "",
        "goods-equipment": "usd",
        "goods-office": "usd",
        "services": "usd",
    }
    wrong = [{**c, "detail_of": "eur"} if c["key"] == "services" else c for c in columns]
    record = checked(admin_user, "budget-columns", xlsx("budget-columns", wrong))
    assert located(record) == [(6, "detail_of")]
    assert record.errors[0]["value"] == "eur"
    itself = [{**c, "detail_of": "services"} if c["key"] == "services" else c for c in columns]
    assert located(checked(admin_user, "budget-columns", xlsx("budget-columns", itself))) == [
        (6, "detail_of")
    ]
