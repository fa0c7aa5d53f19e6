"""Formula-like text is escaped in every export (CSV and XLSX), leading whitespace included; numbers stay
numbers; a CSV export imports again unchanged; an import refuses ``=`` after leading whitespace too."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from djmoney.money import Money
from openpyxl import load_workbook

from core.spreadsheets.columns import Column, ColumnType, NumberLocale
from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.readers import SpreadsheetReader
from core.spreadsheets.writers import write_csv, write_xlsx
from tests.core.test_spreadsheets import csv_bytes, xlsx_bytes

COLUMNS = [Column("note", required=False), Column("amount", type=ColumnType.MONEY, required=False)]

# The audit's payloads: "-" was not escaped, and a leading space let "=" through.
FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "  -1+1",
    "\u00a0@SUM(A1)",
]
PLAIN = ["Hamburgo", "1.5% de mejora", "n.d.", "a-b", "e-mail: x@y.pe", "'quoted"]


def csv_cells(rows: list[dict]) -> list[list[str]]:
    import csv

    text = io.StringIO()
    write_csv(text, columns=COLUMNS, rows=rows)
    return list(csv.reader(io.StringIO(text.getvalue())))[1:]


def xlsx_sheet(rows: list[dict]):
    stream = io.BytesIO()
    write_xlsx(stream, sheet="Notas", columns=COLUMNS, rows=rows)
    return load_workbook(io.BytesIO(stream.getvalue())).worksheets[0]


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_export_prefixes_formula_like_text_with_an_apostrophe(text):
    assert csv_cells([{"note": text}])[0][0] == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_csv_export_leaves_other_text_as_it_is(text):
    assert csv_cells([{"note": text}])[0][0] == text


def test_a_negative_amount_stays_a_number_in_csv_and_xlsx():
    """The sources print reductions as (23'940): a negative figure is data, not a formula."""
    row = {"amount": Money(Decimal("-23940.00"), "CHF")}
    assert csv_cells([row])[0][1:] == ["-23940.00", "CHF"]
    cell = xlsx_sheet([row])["B2"]
    assert (cell.data_type, cell.value) == ("n", -23940)


@pytest.mark.parametrize("text", FORMULAS)
def test_xlsx_export_marks_formula_like_text_with_the_quote_prefix_and_keeps_its_value(text):
    cell = xlsx_sheet([{"note": text}])["A2"]
    # xlsxwriter stores a carriage return as _x000D_, which openpyxl leaves as it is.
    assert cell.data_type == "s" and cell.value.replace("_x000D_", "\r") == text and cell.quotePrefix


def test_xlsx_export_gives_other_text_no_quote_prefix():
    assert not xlsx_sheet([{"note": "Hamburgo"}])["A2"].quotePrefix


@pytest.mark.parametrize(
    "text", [t.strip() for t in FORMULAS if t.strip()[:1] != "="] + ["-", "- dos ferias"]
)
def test_a_csv_export_imports_again_as_the_text_it_exported(text):
    """The apostrophe is the export's, not the user's: a re-import changes nothing."""
    text_out = io.StringIO()
    write_csv(text_out, columns=COLUMNS, rows=[{"note": text}], locale=NumberLocale.DOT)
    rows = list(
        SpreadsheetReader(io.BytesIO(text_out.getvalue().encode()), name="n.csv", columns=COLUMNS).rows()
    )
    assert COLUMNS[0].parse(rows[0].values, locale=NumberLocale.DOT) == text


@pytest.mark.parametrize("cell", ["=1+1", " =1+1", "\t=SUM(A1:A9)", "\u00a0=1"])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_import_refuses_a_formula_also_after_leading_whitespace(cell, kind):
    rows = [["note"], [cell]]
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    with pytest.raises(SpreadsheetError) as caught:
        list(SpreadsheetReader(io.BytesIO(data), name=f"n.{kind}", columns=COLUMNS).rows())
    problem = caught.value.problem
    assert (problem.row, problem.column) == (2, "A (note)")
    assert problem.message == "formulas are not imported; paste the values instead"
