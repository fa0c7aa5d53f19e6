"""budgets.loader: every cell of every budget table as printed, idempotently, with errors that say where."""

import shutil
from decimal import Decimal

import pytest
from djmoney.money import Money

from budgets.models import BudgetFact, BudgetRow, BudgetTable, RowRole
from budgets.rule_kinds import BUDGET_RULE_KINDS
from core.loading import FixtureError, load_programme
from core.numbers import NumberFormatError, parse_amount
from reconciliation.models import ReconciliationRule
from tests.conftest import PCC_FOLDER

TABLES = {
    "programa-cuadro-1": (214, 238),
    "sp12-cuadro-1": (572, 584),
    "sp12-cuadro-2-prosur": (588, 598),
    "sp12-cuadro-2-ampex": (600, 611),
    "sp12-cuadro-3": (613, 630),
    "sp12-cuadro-4": (632, 647),
    "sp12-cuadro-5": (649, 654),
    "sp13-cuadro-1": (885, 897),
    "sp13-cuadro-2": (901, 916),
    "sp13-cuadro-3": (918, 928),
    "sp13-cuadro-4": (930, 938),
    "sp13-cuadro-5": (940, 946),
    "l2-gastos-chf": (1038, 1063),
    "l2-gastos-usd": (1065, 1092),
    "anexo-1-sp12-sp13": (1108, 1132),
    "anexo-1-turismo": (1134, 1141),
}


def _printed_cells(source_lines, first_row_line, last_line):
    """Non-blank cells after the row label of each tab-separated source line: {(line, index): text}."""
    cells = {}
    for line in range(first_row_line, last_line + 1):
        fields = source_lines[line - 1].split("\t")
        for index, text in enumerate(fields[1:]):
            if text.strip():
                cells[(line, index)] = text
    return cells


def _is_number(text):
    for separator in (None, ".", ","):
        try:
            return parse_amount(text, decimal_separator=separator).is_number
        except NumberFormatError:
            continue
    return False


def test_loads_every_table_listed_in_the_issue_with_its_lines(pcc):
    tables = dict(BudgetTable.objects.filter(programme=pcc).values_list("code", "first_line"))
    assert set(tables) == set(TABLES)
    for code, (first, last) in TABLES.items():
        table = BudgetTable.objects.get(programme=pcc, code=code)
        assert (table.first_line, table.last_line) == (first, last)


def test_one_fact_per_printed_cell_with_its_text_as_printed(pcc, source_lines):
    """Cells are counted from the source lines (tab-separated), from a table's first row to its last line."""
    for table in BudgetTable.objects.filter(programme=pcc):
        first_row = table.rows.order_by("line").first()
        printed = _printed_cells(source_lines, first_row.line, table.last_line)
        facts = {
            (f.line, f.column.order): f
            for f in BudgetFact.objects.filter(budget_table=table).select_related("column")
        }
        assert {k: f.text for k, f in facts.items()} == printed, table.code
        numbers = sum(1 for text in printed.values() if _is_number(text))
        assert sum(1 for f in facts.values() if f.amount is not None) == numbers, table.code
        assert numbers > 0, table.code


def test_row_labels_are_as_printed_including_the_unlabelled_row(pcc, source_lines):
    for row in BudgetRow.objects.filter(table__programme=pcc).select_related("table"):
        assert row.label == source_lines[row.line - 1].split("\t")[0]
    unlabelled = BudgetRow.objects.get(table__code="programa-cuadro-1", line=230)
    assert unlabelled.label == ""
    assert unlabelled.facts.count() == 6
    assert BudgetRow.objects.get(table__code="programa-cuadro-1", line=222).facts.count() == 0


def test_amounts_keep_sign_currency_and_format(pcc):
    fact = BudgetFact.objects.get(budget_table__code="programa-cuadro-1", line=226, column__key="extension")
    assert fact.amount == Money(Decimal("-23940"), "CHF")
    assert fact.text == "(23'940)"
    spanish = BudgetFact.objects.get(budget_table__code="l2-gastos-chf", line=1042, column__key="august")
    assert spanish.amount == Money(Decimal("58814.13"), "CHF")
    thousands_by_dot = BudgetFact.objects.get(
        budget_table__code="l2-gastos-usd", line=1087, column__key="august"
    )
    assert thousands_by_dot.amount == Money(Decimal("321895"), "USD")
    comma_thousands = BudgetFact.objects.get(
        budget_table__code="sp12-cuadro-2-prosur", line=598, column__key="chf"
    )
    assert comma_thousands.amount == Money(Decimal("28154"), "CHF")


def test_markers_are_kept_instead_of_numbers(pcc):
    na = BudgetFact.objects.get(budget_table__code="sp12-cuadro-1", line=583, column__key="igv")
    assert (na.amount, na.marker, na.text) == (None, "n.a.", "n.a.")
    dash = BudgetFact.objects.get(budget_table__code="programa-cuadro-1", line=236, column__key="y2005")
    assert (dash.amount, dash.marker, dash.text) == (None, "dash", "--")


def test_facts_carry_partner_period_figure_component_and_provenance(pcc):
    fact = BudgetFact.objects.select_related("partner", "component", "document").get(
        budget_table__code="sp12-cuadro-1", line=580, column__key="executed"
    )
    assert fact.partner.acronym == "CERX-AQP"
    assert fact.component.code == "1.3"
    assert fact.figure == "executed"
    assert str(fact.period_end) == "2008-07-31"
    assert fact.row_label == "CERX Arequipa"
    assert fact.column_header == "Total Ejecutado a Julio 2008 (US\\$)"
    assert fact.source_url.endswith("#L580")
    by_column_partner = BudgetFact.objects.get(
        budget_table__code="sp12-cuadro-3", line=618, column__key="ampex-usd"
    )
    assert by_column_partner.partner.acronym == "AMPEX"
    assert by_column_partner.cost_category == "Dirección"
    result = BudgetFact.objects.get(budget_table__code="sp12-cuadro-2-prosur", line=593, column__key="chf")
    assert result.result == "Resultado 2"
    assert result.cost_category == ""


def test_chf_and_usd_versions_are_linked_with_the_rate(pcc):
    chf = BudgetFact.objects.select_related("counterpart", "rate").get(
        budget_table__code="sp13-cuadro-2", line=909, column__key="chf"
    )
    assert chf.counterpart.amount == Money(Decimal("36430"), "USD")
    assert chf.rate.code == "pcc-chf-usd-1-123"
    assert chf.counterpart.counterpart_id == chf.pk
    across_tables = BudgetFact.objects.select_related("counterpart").get(
        budget_table__code="l2-gastos-chf", line=1062, column__key="modification"
    )
    assert across_tables.counterpart.text == "61.905"
    assert across_tables.counterpart.line == 1089


def test_subrows_belong_to_their_subtotal(pcc):
    honorarios = BudgetRow.objects.get(table__code="sp12-cuadro-3", line=617)
    assert honorarios.role == RowRole.SUBTOTAL
    assert sorted(honorarios.children.values_list("line", flat=True)) == [618, 619, 620, 621]
    otros = BudgetRow.objects.get(table__code="sp12-cuadro-4", line=641)
    assert otros.parent.line == 640


def test_loader_creates_rules_from_structure_and_from_the_rules_file(pcc):
    rules = ReconciliationRule.objects.filter(programme=pcc)
    assert (
        rules.get(code="programa-cuadro-1/238/y2005:sum-rows").params["total"]
        == "programa-cuadro-1/238/y2005"
    )
    assert rules.filter(kind="conversion").exists()
    assert rules.get(code="quoted/turismo-incremento").kind == "quoted_amount"
    assert not rules.filter(kind__in=BUDGET_RULE_KINDS).exclude(origin="loader").exists()


def test_loading_twice_changes_nothing(pcc):
    def snapshot():
        return {
            "facts": sorted(BudgetFact.objects.values_list("pk", "text", "amount", "counterpart_id")),
            "rules": sorted(ReconciliationRule.objects.values_list("pk", "code", "params")),
            "history": BudgetFact.history.count(),
            "rule history": ReconciliationRule.history.count(),
        }

    before = snapshot()
    load_programme(PCC_FOLDER)
    assert snapshot() == before


@pytest.fixture
def folder_copy(tmp_path):
    target = tmp_path / "pcc"
    shutil.copytree(PCC_FOLDER, target)
    return target


def test_a_bad_cell_names_file_table_row_and_column(db, folder_copy):
    path = folder_copy / "budgets" / "05-sp12-cuadro-3.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"8,984"', '"8,98x"'), encoding="utf-8")
    with pytest.raises(FixtureError) as exc:
        load_programme(folder_copy)
    message = str(exc.value)
    assert "05-sp12-cuadro-3.yaml" in message
    assert "sp12-cuadro-3" in message and "618" in message and "Prosur / en CHF" in message
    assert "expected an amount" in message


def test_a_row_with_a_missing_cell_is_refused(db, folder_copy):
    path = folder_copy / "budgets" / "07-sp12-cuadro-5.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('cells: ["15,879"]', 'cells: ["15,879", "1"]'),
        encoding="utf-8",
    )
    with pytest.raises(FixtureError, match="expected 1 cells"):
        load_programme(folder_copy)


def test_an_unknown_table_in_the_rules_file_is_refused(db, folder_copy):
    path = folder_copy / "budgets" / "rules.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("table: sp13-cuadro-5", "table: nope"), encoding="utf-8"
    )
    with pytest.raises(FixtureError, match="unknown table 'nope'"):
        load_programme(folder_copy)


def test_a_breakdown_of_a_column_the_table_does_not_have_is_refused(db, folder_copy):
    path = folder_copy / "budgets" / "15-anexo-1-sp12-sp13.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "{key: services, detail_of: usd,", "{key: services, detail_of: eur,"
        ),
        encoding="utf-8",
    )
    with pytest.raises(FixtureError, match="column 5: detail_of names 'eur'"):
        load_programme(folder_copy)


def test_a_misspelt_concept_is_refused_with_its_file_table_and_row(db, folder_copy):
    path = folder_copy / "budgets" / "15-anexo-1-sp12-sp13.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "{line: 1122, concept: national-ta,", "{line: 1122, concept: nationl-ta,"
        ),
        encoding="utf-8",
    )
    with pytest.raises(FixtureError) as exc:
        load_programme(folder_copy)
    message = str(exc.value)
    assert "15-anexo-1-sp12-sp13.yaml" in message and "row at line 1122" in message
    assert "unknown concept 'nationl-ta'" in message and "national-ta" in message
