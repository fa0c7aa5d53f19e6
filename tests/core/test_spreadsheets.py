"""Reading and writing spreadsheets: every hostile file is refused with a located error.

The helpers at the top build small XLSX, CSV and ODS files in memory; ``test_imports.py`` uses them too.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import pytest
from djmoney.money import Money
from openpyxl import Workbook, load_workbook

from core.spreadsheets.columns import Column, ColumnType, NumberLocale
from core.spreadsheets.errors import CellError, SpreadsheetError
from core.spreadsheets.readers import MAX_BLANK_ROWS, SpreadsheetReader
from core.spreadsheets.writers import write_csv, write_xlsx


def xlsx_bytes(rows: Sequence[Sequence[Any]], *, title: str = "Hoja1", merge: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
    return text.getvalue().encode(encoding)


def _ods_cell(value: Any) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, dict):  # raw attributes, e.g. {"formula": "of:=1+1", "value": 2}
        attrs = " ".join(f'{k}="{escape(str(v))}"' for k, v in value.items())
        return f"<table:table-cell {attrs}/>"
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def ods_bytes(rows: Sequence[Sequence[Any]], *, title: str = "Hoja1", extra_rows_xml: str = "") -> bytes:
    body = "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{title}">{body}{extra_rows_xml}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return stream.getvalue()


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English here; ``test_messages_are_in_the_users_language`` checks Spanish."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_messages_are_in_the_users_language():
    from django.utils import translation

    problem = refusal(xlsx_bytes([HEADER, ["a", 1], ["b", "=B2*2"]]))
    with translation.override("es"):
        spanish = str(problem)
    with translation.override("en"):
        english = str(problem)
    assert english.startswith("rates.xlsx, sheet Hoja1, row 3, column B (rate): formulas are not imported")
    assert spanish != english and "fila 3" in spanish


COLUMNS = [
    Column("code", "code", max_length=80),
    Column("rate", "rate", ColumnType.DECIMAL),
    Column("valid_from", "valid from", ColumnType.DATE, required=False),
    Column("amount", "amount", ColumnType.MONEY, required=False),
]
HEADER = ["code", "rate", "valid_from", "amount", "amount_currency"]


def read(data: bytes, *, name: str = "rates.xlsx", columns=COLUMNS, **kwargs) -> list:
    return list(SpreadsheetReader(io.BytesIO(data), name=name, columns=columns, **kwargs).rows())


def refusal(data: bytes, *, name: str = "rates.xlsx", columns=COLUMNS, **kwargs):
    with pytest.raises(SpreadsheetError) as caught:
        read(data, name=name, columns=columns, **kwargs)
    return caught.value.problem


# -- reading


def test_xlsx_rows_are_read_with_sheet_and_row_numbers():
    rows = read(
        xlsx_bytes(
            [HEADER, ["a", 1.5, datetime.date(2008, 9, 1), 10, "CHF"], [], ["b", "2,5", None]], title="Tasas"
        )
    )
    assert [(r.sheet, r.number) for r in rows] == [("Tasas", 2), ("Tasas", 4)]
    assert rows[0].values["code"] == "a"
    assert rows[0].values["valid_from"] == datetime.datetime(2008, 9, 1)
    assert rows[1].values == {"code": "b", "rate": "2,5"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters_are_sniffed(encoding, delimiter):
    data = csv_bytes(
        [HEADER, ["cambio-señal", "2.65", "", "", ""], ["b", "3", "", "", ""]],
        delimiter=delimiter,
        encoding=encoding,
    )
    rows = read(data, name="rates.csv")
    assert [r.values["code"] for r in rows] == ["cambio-señal", "b"]
    assert rows[0].values["rate"] == "2.65"


def test_ods_rows_are_read_and_repeated_blank_rows_are_not_walked():
    million_blank = (
        '<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>'
    )
    data = ods_bytes([HEADER, ["a", 2.65, None, None, None]], title="Tasas", extra_rows_xml=million_blank)
    rows = read(data, name="rates.ods")
    assert [(r.sheet, r.number, r.values["code"]) for r in rows] == [("Tasas", 2, "a")]
    assert rows[0].values["rate"] == Decimal("2.65")


def test_ods_value_after_repeated_blank_rows_is_refused_at_its_row():
    blank = '<table:table-row table:number-rows-repeated="500"><table:table-cell/></table:table-row>'
    late = '<table:table-row><table:table-cell office:value-type="string"><text:p>late</text:p></table:table-cell></table:table-row>'
    problem = refusal(ods_bytes([HEADER, ["a", 2.65]], extra_rows_xml=blank + late), name="rates.ods")
    assert (problem.sheet, problem.row) == ("Hoja1", 503)
    assert problem.text().startswith("a value after 500 blank rows (rows 3 to 502)")


def test_header_labels_in_either_language_are_accepted():
    from imports.registry import get_importer

    header = ["código", "Base Currency", "quote_currency", "tipo de cambio", "valid_from", "valid_to"]
    rows = read(
        csv_bytes([header, ["x", "CHF", "PEN", "2.65", "2008-09-01", "2008-12-31"]]),
        name="r.csv",
        columns=get_importer("exchange-rates").columns,
    )
    assert rows[0].values["code"] == "x" and rows[0].values["base_currency"] == "CHF"


# -- hostile files


def test_not_a_spreadsheet_is_refused_by_its_bytes_not_its_name():
    problem = refusal(b"%PDF-1.4\x00\x01binary", name="rates.xlsx")
    assert problem.file == "rates.xlsx"
    assert "not a spreadsheet" in problem.text()


def test_zip_that_is_not_a_workbook_is_refused():
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "not a spreadsheet" in refusal(stream.getvalue()).text()


def test_zip_bomb_is_refused_before_it_is_inflated(monkeypatch):
    from core.spreadsheets import readers

    monkeypatch.setattr(readers, "MAX_UNPACKED_BYTES", 1024 * 1024)
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", "<sst>" + " " * 5_000_000 + "</sst>")
    assert len(stream.getvalue()) < 100_000
    assert "unpacks to more than 1 MB" in refusal(stream.getvalue()).text()


def test_old_xls_is_refused_with_advice():
    assert ".xlsx" in refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100).text()


def test_file_over_the_size_limit_is_refused():
    problem = refusal(xlsx_bytes([HEADER]), max_bytes=100)
    assert "larger than" in problem.text()


def test_missing_column_is_located():
    problem = refusal(xlsx_bytes([["code", "valid_from"], ["a", None]]))
    assert (problem.sheet, problem.row) == ("Hoja1", 1)
    assert "missing columns rate" in problem.text()


def test_unknown_column_is_located():
    problem = refusal(xlsx_bytes([[*HEADER, "colour"], ["a", 1]]))
    assert (problem.row, problem.column, problem.value) == (1, "F", "colour")
    assert "unknown column" in problem.text()


def test_duplicated_column_is_located():
    problem = refusal(csv_bytes([["code", "rate", "code"], ["a", "1", "b"]]), name="r.csv")
    assert (problem.row, problem.column) == (1, "C")
    assert "appears twice" in problem.text()


def test_formula_is_refused_at_its_cell():
    problem = refusal(xlsx_bytes([HEADER, ["a", 1], ["b", "=B2*2"]]))
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("Hoja1", 3, "B (rate)", "=B2*2")
    assert "formulas" in problem.text()


def test_ods_formula_is_refused():
    problem = refusal(
        ods_bytes(
            [HEADER, ["a", {"table:formula": "of:=1+1", "office:value-type": "float", "office:value": "2"}]]
        ),
        name="r.ods",
    )
    assert (problem.row, problem.column) == (2, "B")


def test_merged_cells_are_refused():
    problem = refusal(xlsx_bytes([HEADER, ["a", 1, None, None, None]], merge="A2:B2"))
    assert "merged cells (A2:B2)" in problem.text()


def test_empty_sheet_is_refused():
    assert "sheet is empty" in refusal(xlsx_bytes([])).text()
    assert "file is empty" in refusal(b"").text()


def test_a_value_after_a_run_of_blank_rows_is_refused_not_dropped():
    import time

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Hoja1")
    sheet.append(HEADER)
    sheet.append(["a", 1])
    for _ in range(MAX_BLANK_ROWS + 5):
        sheet.append([None, ""])
    sheet.append(["below the data", 1])
    stream = io.BytesIO()
    workbook.save(stream)
    started = time.perf_counter()
    problem = refusal(stream.getvalue())
    assert time.perf_counter() - started < 2
    assert problem.row == MAX_BLANK_ROWS + 8
    assert f"a value after {MAX_BLANK_ROWS + 5} blank rows" in problem.text()


def test_blank_rows_between_rows_are_skipped():
    rows = read(xlsx_bytes([HEADER, ["a", 1], *[[None]] * 10, ["b", 2]]))
    assert [(r.number, r.values["code"]) for r in rows] == [(2, "a"), (13, "b")]


def test_a_sheet_declaring_a_million_rows_is_not_walked():
    # A single value far down: openpyxl would yield a million empty rows before it.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["a", 1])
    sheet.cell(row=1_000_000, column=1, value="far away")
    stream = io.BytesIO()
    workbook.save(stream)
    problem = refusal(stream.getvalue())
    assert (problem.row, problem.params["blank"]) == (1_000_000, 999_997)


def test_huge_cell_is_refused():
    problem = refusal(xlsx_bytes([HEADER, ["x" * 10_001, 1]]))
    assert (problem.row, problem.column) == (2, "A (code)")
    assert len(problem.value) <= 80


def test_huge_csv_cell_is_refused():
    problem = refusal(csv_bytes([HEADER, ["x" * 20_000, "1"]]), name="r.csv")
    assert problem.row == 2 and "longer than" in problem.text()


def test_csv_that_is_not_the_sniffed_encoding_is_located():
    data = csv_bytes([HEADER] + [["a" * 20, "1"]] * 5000) + "ñ,1\r\n".encode("latin-1")
    problem = refusal(data, name="r.csv")
    assert problem.row == 5002 and "UTF-8" in problem.text()


# -- typed cells


def test_date_where_a_number_belongs():
    with pytest.raises(CellError) as caught:
        COLUMNS[1].parse({"rate": datetime.datetime(2008, 1, 1)}, locale=NumberLocale.DOT)
    assert "found a date" in caught.value.message


def test_text_in_a_money_column():
    with pytest.raises(CellError) as caught:
        COLUMNS[3].parse({"amount": "about ten", "amount_currency": "CHF"}, locale=NumberLocale.DOT)
    assert "expected an amount" in caught.value.message


def test_unknown_currency_names_its_column():
    with pytest.raises(CellError) as caught:
        COLUMNS[3].parse({"amount": 10, "amount_currency": "XYZ"}, locale=NumberLocale.DOT)
    assert caught.value.column == "amount_currency"
    assert "ISO 4217" in caught.value.message


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("4'087,460.00", NumberLocale.SWISS, Decimal("4087460.00")),
        ("152.849,00", NumberLocale.COMMA, Decimal("152849.00")),
        ("28,154", NumberLocale.DOT, Decimal("28154")),
        ("28,154", NumberLocale.COMMA, Decimal("28.154")),
        ("(23'940)", NumberLocale.SWISS, Decimal("-23940")),
    ],
)
def test_amounts_are_read_with_the_file_locale(text, locale, expected):
    assert COLUMNS[3].parse({"amount": text, "amount_currency": "chf"}, locale=locale) == Money(
        expected, "CHF"
    )


def test_blank_required_cell():
    with pytest.raises(CellError):
        COLUMNS[0].parse({}, locale=NumberLocale.DOT)


# -- writing


def test_xlsx_export_writes_money_as_amount_and_currency():
    stream = io.BytesIO()
    write_xlsx(
        stream,
        sheet="Facts",
        columns=COLUMNS,
        rows=[
            {
                "code": "a",
                "rate": Decimal("2.65"),
                "valid_from": datetime.date(2008, 9, 1),
                "amount": Money(Decimal("104112.50"), "CHF"),
            },
        ],
    )
    sheet = load_workbook(io.BytesIO(stream.getvalue()), read_only=True).worksheets[0]
    header, row = list(sheet.iter_rows(values_only=True))
    assert list(header) == HEADER
    assert row[3] == 104112.5 and row[4] == "CHF"
    # The amount stays a number, shown with two decimals; a rate keeps its own.
    cells = list(load_workbook(io.BytesIO(stream.getvalue())).worksheets[0].iter_rows(min_row=2))[0]
    assert cells[3].data_type == "n" and cells[3].number_format == "#,##0.00"
    assert cells[1].number_format == "General"


def test_csv_export_writes_money_as_amount_and_currency_and_reads_back():
    text = io.StringIO()
    write_csv(
        text,
        columns=COLUMNS,
        rows=[{"code": "=cmd", "rate": Decimal("1234.5"), "amount": Money(Decimal("-23940.00"), "PEN")}],
        locale=NumberLocale.COMMA,
    )
    lines = text.getvalue().splitlines()
    assert lines[0] == ";".join(HEADER)
    assert lines[1] == "'=cmd;1234,5;;-23940,00;PEN"
    rows = read(lines[1].replace("'=cmd", "c").join([lines[0] + "\n", ""]).encode() + b"\n", name="r.csv")
    value = COLUMNS[3].parse(rows[0].values, locale=NumberLocale.COMMA)
    assert value == Money(Decimal("-23940.00"), "PEN")


def _with_sheet_xml(sheet_xml: str) -> bytes:
    """An openpyxl workbook whose first sheet is replaced by ``sheet_xml`` (as other programs write it)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["x"]])))
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as target:
        for info in source.infolist():
            data = sheet_xml.encode() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info, data)
    return stream.getvalue()


def test_xlsx_cell_kinds_other_programs_write():
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>code</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>rate'
        "</x:t></x:is></x:c></x:row>"
        '<x:row r="3"><x:c t="inlineStr"><x:is><x:r><x:t>cam</x:t></x:r><x:r><x:t>bio</x:t></x:r>'
        "<x:rPh><x:t>ignored</x:t></x:rPh></x:is></x:c><x:c><x:v>1.5E1</x:v></x:c></x:row>"
        '<x:row r="4"><x:c r="A4" t="b"><x:v>1</x:v></x:c><x:c r="B4" t="e"><x:v>#DIV/0!</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    rows = read(_with_sheet_xml(sheet), columns=COLUMNS[:2])
    assert [(r.number, r.values) for r in rows] == [
        (3, {"code": "cambio", "rate": 15.0}),
        (4, {"code": True, "rate": "#DIV/0!"}),
    ]


def test_xlsx_shared_formula_is_refused():
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c><c r="B1" t="inlineStr"><is><t>rate</t>'
        '</is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="B2"><f t="shared" '
        'si="0"/><v>3</v></c></row></sheetData></worksheet>'
    )
    problem = refusal(_with_sheet_xml(sheet), columns=COLUMNS[:2])
    assert (problem.row, problem.column, problem.value) == (2, "B (rate)", "=")


def test_xlsx_with_a_doctype_is_refused():
    sheet = '<?xml version="1.0"?><!DOCTYPE worksheet><worksheet><sheetData/></worksheet>'
    problem = refusal(_with_sheet_xml(sheet), columns=COLUMNS[:2])
    assert problem.file == "rates.xlsx"
    assert problem.text().startswith("the file declares an XML DOCTYPE or entities")
    assert problem.params["reason"].startswith("xl/worksheets/sheet1.xml: DTDForbidden(name='worksheet'")


# -- hostile XML: refused before an entity is expanded or fetched

# Ten entities of ten references each: &lol9; would expand to a billion "lol".
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    + "]>"
)
EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
HOSTILE = pytest.mark.parametrize(
    ("doctype", "reference"),
    [(BILLION_LAUGHS, "&lol9;"), (EXTERNAL_ENTITY, "&secret;"), ("<!DOCTYPE x>", "")],
    ids=["billion-laughs", "external-entity", "doctype"],
)


def _with_part(data: bytes, part: str, edit) -> bytes:
    """The ZIP ``data`` with the text of ``part`` passed through ``edit``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info, edit(content.decode()).encode() if info.filename == part else content)
    return stream.getvalue()


def _declare(doctype: str):
    """An edit that puts ``doctype`` after the XML declaration, where a DOCTYPE goes."""

    def edit(xml: str) -> str:
        declaration, _, rest = xml.partition("?>") if xml.startswith("<?xml") else ("", "", xml)
        return f"{declaration}{'?>' if declaration else ''}{doctype}{rest}"

    return edit


def _assert_hostile(problem, name: str) -> None:
    assert problem.file == name
    assert problem.text().startswith("the file declares an XML DOCTYPE or entities")
    assert "Forbidden(" in problem.params["reason"]


@HOSTILE
def test_ods_declaring_entities_or_a_doctype_is_refused(doctype, reference):
    data = ods_bytes([HEADER, ["ENTITY", 1]])
    data = _with_part(data, "content.xml", lambda xml: _declare(doctype)(xml).replace("ENTITY", reference))
    problem = refusal(data, name="rates.ods")
    _assert_hostile(problem, "rates.ods")
    assert problem.params["reason"].startswith("content.xml: ")


@HOSTILE
@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml"])
def test_xlsx_declaring_entities_or_a_doctype_is_refused(part, doctype, reference):
    # openpyxl parses the workbook and its styles (through defusedxml), pcc the sheet.
    data = _with_part(xlsx_bytes([HEADER, ["a", 1]]), part, _declare(doctype))
    if part != "xl/worksheets/sheet1.xml" and not reference:
        # defusedxml, as openpyxl calls it, lets a bare DOCTYPE through: harmless without entities.
        assert [r.values for r in read(data)] == [{"code": "a", "rate": 1}]
        return
    _assert_hostile(refusal(data), "rates.xlsx")


def test_malformed_ods_xml_is_located():
    data = _with_part(ods_bytes([HEADER]), "content.xml", lambda xml: xml.replace("</table:table>", ""))
    problem = refusal(data, name="rates.ods")
    assert problem.file == "rates.ods"
    assert problem.text().startswith("the ODS file cannot be read (content.xml: mismatched tag")
