"""Hostile spreadsheets (issue #14): each is refused in under a second with a located error.

The files are built here from bytes: XLSX from hand-written XML in a ZIP, ODS from a ``content.xml``
with ``table:number-rows-repeated``, CSV from encoded text. A part that unpacks to hundreds of
megabytes is deflated once per megabyte and the block repeated (:func:`deflated`), so building it
takes milliseconds and no memory; the archive around it is written by :func:`zip_archive`.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from collections.abc import Iterable
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import ExchangeRate, ImportStatus
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.readers import SpreadsheetReader
from imports.services import import_commit, import_dry_run, import_start
from imports.writes import BATCH_SIZE
from tests.core.test_spreadsheets import csv_bytes, ods_bytes

# The bound on the work one file costs; generous beside the milliseconds a refusal takes.
SECOND = 1.0

COLUMNS = [Column("code", "code", max_length=80), Column("rate", "rate", ColumnType.DECIMAL)]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


# -- building the files


def deflated(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate data of ``head + block * times + tail``, its CRC-32 and its size.

    After a full flush the compressor starts afresh, so ``block`` compresses to the same bytes
    every time: compressed once, repeated ``times`` times.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = [compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)]
    packed_block = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    data.extend([packed_block] * times)
    data.append(compressor.compress(tail) + compressor.flush())
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return b"".join(data), crc, len(head) + len(block) * times + len(tail)


def zip_archive(parts: Iterable[tuple[str, bytes | tuple[bytes, int, int]]]) -> bytes:
    """A ZIP of ``parts``: bytes are deflated here, a ``(data, crc, size)`` from :func:`deflated` is
    stored as it is (zipfile cannot write data that is already deflated)."""
    out, central = io.BytesIO(), []
    for name, content in parts:
        if isinstance(content, bytes):
            packed, crc, size = deflated(content, b"", 0, b"")
        else:
            packed, crc, size = content
        encoded = name.encode()
        offset = out.tell()
        common = struct.pack("<HHHHHIII", 20, 0, zipfile.ZIP_DEFLATED, 0, 0x21, crc, len(packed), size)
        out.write(b"PK\x03\x04" + common + struct.pack("<HH", len(encoded), 0) + encoded + packed)
        central.append(
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + common
            + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(central), len(central), len(directory), start, 0)
    )
    return out.getvalue()


def deflated_zip(data: bytes) -> bytes:
    """The ZIP ``data`` with its parts deflated (``ods_bytes`` stores them)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    return zip_archive([(info.filename, source.read(info)) for info in source.infolist()])


def xlsx(sheet_data: str | tuple[bytes, int, int], *, shared_strings=None, styles: str = "") -> bytes:
    """A workbook of one sheet, "Hoja1", whose ``<sheetData>`` is ``sheet_data`` (or a whole deflated sheet)."""
    types = [
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
    ]
    relationships = [
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    ]
    parts: list[tuple[str, bytes | tuple[bytes, int, int]]] = []
    if shared_strings is not None:
        types.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        relationships.append(
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
        )
        if isinstance(shared_strings, list):
            items = "".join(f"<si><t>{escape(text)}</t></si>" for text in shared_strings)
            shared_strings = f'<sst xmlns="{MAIN}" count="{len(shared_strings)}">{items}</sst>'.encode()
        parts.append(("xl/sharedStrings.xml", shared_strings))
    if styles:
        types.append(
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        )
        relationships.append(f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>')
        parts.append(("xl/styles.xml", f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>'.encode()))
    sheet = (
        sheet_data
        if isinstance(sheet_data, tuple)
        else f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>'.encode()
    )
    return zip_archive(
        [
            (
                "[Content_Types].xml",
                (
                    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/'
                    'vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>' + "".join(types) + "</Types>"
                ).encode(),
            ),
            (
                "_rels/.rels",
                f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
                f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'.encode(),
            ),
            (
                "xl/workbook.xml",
                f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
                '<sheet name="Hoja1" sheetId="1" r:id="rId1"/></sheets></workbook>'.encode(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{"".join(relationships)}</Relationships>'.encode(),
            ),
            *parts,
            ("xl/worksheets/sheet1.xml", sheet),
        ]
    )


def row(number: int, *cells: str) -> str:
    """A ``<row>`` of inline-string cells from column A, or of raw ``<c>`` elements (starting with "<")."""
    xml = "".join(
        cell
        if cell.startswith("<")
        else f'<c r="{_letter(i)}{number}" t="inlineStr"><is><t>{cell}</t></is></c>'
        for i, cell in enumerate(cells)
    )
    return f'<row r="{number}">{xml}</row>'


def _letter(index: int) -> str:
    from core.spreadsheets.readers import column_letter

    return column_letter(index)


def refused(data: bytes, name: str, columns=COLUMNS):
    """The located problem a file is refused with, asserting it was found in under a second."""
    started = time.perf_counter()
    with pytest.raises(SpreadsheetError) as caught:
        list(SpreadsheetReader(io.BytesIO(data), name=name, columns=columns).rows())
    elapsed = time.perf_counter() - started
    assert elapsed < SECOND, f"{name} took {elapsed:.2f} s to refuse"
    problem = caught.value.problem
    assert problem.file == name
    return problem


def read(data: bytes, name: str, columns=COLUMNS) -> tuple[SpreadsheetReader, list]:
    reader = SpreadsheetReader(io.BytesIO(data), name=name, columns=columns)
    return reader, list(reader.rows())


HEADER = row(1, "code", "rate")


# -- bounded work: refused before reading what no reasonable spreadsheet holds


def test_a_header_row_numbered_a_hundred_million_is_refused_at_once():
    data = xlsx(row(100_000_000, "code", "rate") + row(100_000_001, "a", "1"))
    assert len(data) < 2_500  # the file: 2,303 bytes
    problem = refused(data, "far.xlsx")
    assert (problem.sheet, problem.row) == ("Hoja1", 100_000_000)
    assert problem.text() == "a value in row 100000000, past the 1000000 rows a file may hold; split the file"


def test_an_ods_row_repeated_two_million_times_is_refused_at_once():
    repeated = (
        '<table:table-row table:number-rows-repeated="2000000"><table:table-cell office:value-type="string">'
        '<text:p>a</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row>"
    )
    data = deflated_zip(ods_bytes([["code", "rate"]], extra_rows_xml=repeated))
    assert len(data) < 1_000  # the file: 811 bytes
    problem = refused(data, "repeated.ods")
    assert (problem.sheet, problem.row) == ("Hoja1", 2)
    assert problem.text().startswith("the row is repeated 2000000 times (table:number-rows-repeated)")


def test_an_ods_row_repeated_within_the_limit_is_read():
    repeated = (
        '<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string">'
        "<text:p>a</text:p></table:table-cell></table:table-row>"
    )
    _reader, rows = read(ods_bytes([["code", "rate"]], extra_rows_xml=repeated), "r.ods")
    assert [r.number for r in rows] == [2, 3, 4]


def test_one_cell_of_500_mb_in_a_512_kb_xlsx_is_refused_before_it_is_read():
    head = f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>'.encode()
    sheet = deflated(head, b"x" * (1024 * 1024), 500, b"</t></is></c></row></sheetData></worksheet>")
    data = xlsx(sheet)
    assert len(data) < 600 * 1024 and sheet[2] > 500 * 1024 * 1024
    problem = refused(data, "big-cell.xlsx")
    assert problem.params["part"] == "xl/worksheets/sheet1.xml"
    assert "unpacks to" in problem.text() and "times its packed size" in problem.text()


def test_a_cell_longer_than_the_limit_is_refused_before_the_rest_of_it_is_read(monkeypatch):
    from core.spreadsheets import readers

    # Under the packing ratio (the text is not a single letter), so the sheet itself is read.
    monkeypatch.setattr(readers, "MAX_UNPACK_RATIO", 10_000)
    head = f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>'.encode()
    sheet = deflated(head, b"0123456789" * 100_000, 50, b"</t></is></c></row></sheetData></worksheet>")
    problem = refused(xlsx(sheet), "long-cell.xlsx")
    assert (problem.row, problem.column) == (2, "A (code)")
    assert problem.text() == "a cell longer than 10000 characters"


def test_480_mb_of_shared_strings_in_a_small_xlsx_are_refused_before_openpyxl_reads_them():
    item = b"<si><t>" + b"y" * 10_000 + b"</t></si>"
    strings = deflated(f'<sst xmlns="{MAIN}">'.encode(), item * 100, 480, b"</sst>")
    data = xlsx(HEADER + row(2, '<c r="A2" t="s"><v>0</v></c>'), shared_strings=strings)
    assert len(data) < 1_300_000 and strings[2] > 480_000_000
    problem = refused(data, "strings.xlsx")
    assert problem.params["part"] == "xl/sharedStrings.xml"


def test_shared_strings_past_their_size_limit_are_refused(monkeypatch):
    from core.spreadsheets import readers

    monkeypatch.setattr(readers, "MAX_SHARED_STRINGS_BYTES", 1024 * 1024)
    strings = [f"code-{n:07d}-{n * 7919 % 1000003:07d}" for n in range(60_000)]
    problem = refused(xlsx(HEADER, shared_strings=strings), "strings.xlsx")
    assert problem.text() == "the shared strings (xl/sharedStrings.xml) unpack to more than 1 MB"


# -- nothing silently ignored


def test_a_value_past_the_last_column_is_refused_at_its_cell():
    data = xlsx(HEADER + row(2, "a", "1", '<c r="GS2" t="inlineStr"><is><t>lost</t></is></c>'))
    problem = refused(data, "wide.xlsx")
    assert (problem.row, problem.column, problem.value) == (2, "GS", "lost")
    assert problem.text() == "a value in column GS, past the 200 columns a file may have"


def test_blank_formatted_cells_past_the_last_column_are_no_error():
    _reader, rows = read(xlsx(HEADER + row(2, "a", "1", '<c r="XFD2" s="0"/>')), "wide.xlsx")
    assert rows[0].values == {"code": "a", "rate": "1"}


def test_a_csv_value_past_the_last_column_is_refused():
    data = csv_bytes([["code", "rate"], ["a", "1", *[""] * 250, "lost"]])
    problem = refused(data, "wide.csv")
    assert (problem.row, problem.column, problem.value) == (2, "IS", "lost")


def test_an_ods_value_past_the_last_column_is_refused():
    far = (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="300"/>'
        '<table:table-cell office:value-type="string"><text:p>lost</text:p></table:table-cell></table:table-row>'
    )
    problem = refused(ods_bytes([["code", "rate"]], extra_rows_xml=far), "wide.ods")
    assert (problem.row, problem.value) == (2, "lost")
    assert problem.column == "KP"  # the 302nd column


def test_a_row_after_a_hundred_blank_rows_is_refused_not_dropped():
    data = xlsx(HEADER + row(2, "a", "1") + row(103, "b", "2"))
    problem = refused(data, "gap.xlsx")
    assert problem.row == 103
    assert problem.text().startswith("a value after 100 blank rows (rows 3 to 102)")


def test_windows_1252_text_is_read_as_windows_1252_and_said_so():
    data = "code,rate\r\n“quoted” – 5 €,1\r\n".encode("cp1252")
    reader, rows = read(data, "cp1252.csv")
    assert rows[0].values["code"] == "“quoted” – 5 €"
    assert reader.source() == {"format": "CSV", "encoding": "Windows-1252"}


def test_text_in_no_known_encoding_is_refused_with_its_byte_and_row():
    data = b"code,rate\r\nok,1\r\nbad\x81byte,2\r\n"  # 0x81: no character in Windows-1252, not UTF-8
    problem = refused(data, "unknown.csv")
    assert problem.row == 3
    assert problem.text() == "the text is neither UTF-8 nor Windows-1252 (byte 0x81); save the file as UTF-8"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_its_byte_order_mark_is_read(codec):
    text = "code;rate\r\ncambio-señal;2,65\r\n"
    data = (b"\xfe\xff" + text.encode("utf-16-be")) if codec == "utf-16-be" else text.encode("utf-16")
    reader, rows = read(data, "utf16.csv")
    assert [r.values for r in rows] == [{"code": "cambio-señal", "rate": "2,65"}]
    assert reader.source()["encoding"] == "UTF-16"


def test_a_nul_byte_after_the_first_64_kb_is_refused_at_its_cell():
    lines = ["code,rate"] + [f"code-{n:06d},1" for n in range(8_000)] + ["bad\x00code,1"]
    data = "\r\n".join(lines).encode()
    assert data.index(b"\x00") > 64 * 1024
    problem = refused(data, "nul.csv")
    assert (problem.row, problem.column) == (8_002, "A (code)")
    assert problem.value == "bad\\0code"
    assert problem.text().startswith("the cell holds a NUL character")


def test_a_cell_reference_that_is_not_a_column_and_row_is_refused():
    data = xlsx(HEADER + '<row r="2"><c r="1A" t="inlineStr"><is><t>lost</t></is></c></row>')
    problem = refused(data, "ref.xlsx")
    assert (problem.row, problem.value) == (2, "1A")
    assert problem.text().startswith("the cell reference 1A is not a column and a row")


# -- every error located


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("<v>NaN</v>", "the cell is stored as a number but holds NaN; expected a finite number"),
        ("<v>inf</v>", "the cell is stored as a number but holds inf; expected a finite number"),
        ("<v>1E999</v>", "the cell is stored as a number but holds 1E999; expected a finite number"),
        ("<v>twelve</v>", "the cell is stored as a number but holds twelve; expected a finite number"),
    ],
)
def test_a_number_cell_that_holds_no_finite_number_is_located(cell, message):
    problem = refused(xlsx(HEADER + row(2, "a", f'<c r="B2">{cell}</c>')), "nan.xlsx")
    assert (problem.sheet, problem.row, problem.column) == ("Hoja1", 2, "B (rate)")
    assert problem.text() == message


def test_a_shared_string_out_of_range_is_located():
    data = xlsx(HEADER + row(2, '<c r="A2" t="s"><v>7</v></c>'), shared_strings=["only one"])
    problem = refused(data, "strings.xlsx")
    assert (problem.row, problem.column) == (2, "A (code)")
    assert problem.text() == "the cell refers to shared string 7, but the file holds 1; the file is damaged"


def test_a_bad_style_is_located():
    problem = refused(xlsx(HEADER + row(2, "a", '<c r="B2" s="bold"><v>1</v></c>')), "style.xlsx")
    assert (problem.row, problem.column, problem.value) == (2, "B (rate)", "bold")


DATE_STYLES = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ('<c r="B2" t="d"><v>2008-13-45</v></c>', "the cell is stored as a date but holds 2008-13-45"),
        ('<c r="B2" s="1"><v>1E300</v></c>', "the date cell holds 1E300, which is no date a sheet can show"),
    ],
)
@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_a_bad_date_cell_is_located(cell, message):
    problem = refused(xlsx(HEADER + row(2, "a", cell), styles=DATE_STYLES), "date.xlsx")
    assert (problem.row, problem.column) == (2, "B (rate)")
    assert problem.text().startswith(message)


def test_an_ods_number_that_is_not_finite_is_located():
    cell = {"office:value-type": "float", "office:value": "NaN"}
    problem = refused(ods_bytes([["code", "rate"], ["a", cell]]), "nan.ods")
    assert (problem.row, problem.column) == (2, "B")


# -- in the dry run: every error counted, the file's reason first


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_reason_a_file_was_refused_comes_first_after_hundreds_of_row_errors(admin_user, media):
    from tests.core.test_imports import HEADER as RATE_HEADER
    from tests.core.test_imports import rate_row

    # Past the first batch of rows, which are checked (their errors counted) before the file is refused.
    rows = [rate_row(f"r{n}", rate="many") for n in range(BATCH_SIZE)] + [rate_row("bad\x00code")]
    data = csv_bytes([RATE_HEADER, *rows])
    record = import_start(
        user=admin_user, kind="exchange-rates", upload=SimpleUploadedFile("rates.csv", data), locale="dot"
    )
    record = import_dry_run(record=record)
    assert record.status == ImportStatus.FAILED
    assert record.error_count == BATCH_SIZE + 1
    assert len(record.errors) == 500
    first = record.errors[0]
    assert (first["row"], first["column"]) == (BATCH_SIZE + 2, "A (code)")
    assert first["message"].startswith("the cell holds a NUL character")
    assert record.preview["source"] == {"format": "CSV", "encoding": "UTF-8"}


def test_the_preview_says_how_the_text_was_read(admin_user, media, client):
    from tests.core.test_imports import HEADER as RATE_HEADER
    from tests.core.test_imports import rate_row

    data = csv_bytes([RATE_HEADER, rate_row("cambio", description="“uno” – dos")], encoding="cp1252")
    record = import_start(
        user=admin_user, kind="exchange-rates", upload=SimpleUploadedFile("rates.csv", data), locale="dot"
    )
    record = import_dry_run(record=record)
    assert record.status == ImportStatus.DRY_RUN and record.error_count == 0
    client.force_login(admin_user)
    page = client.get(f"/imports/{record.pk}/").content.decode()
    assert "texto CSV leído como Windows-1252" in page  # in the user's language
    import_commit(record=record)
    assert ExchangeRate.objects.get(code="cambio").description == "“uno” – dos"


def test_a_nul_quoted_in_an_error_is_stored_visible_not_refused_by_the_database():
    """Found by the generated files on PostgreSQL: a header "period_sta<NUL>rt" quoted in the error made
    the error list unstorable (PostgreSQL keeps no NUL in text or JSON), so the dry run failed."""
    from core.spreadsheets.errors import Problem

    problem = Problem(
        message="unknown column %(header)s", params={"header": "period_sta\x00rt"}, file="p.csv"
    )
    stored = problem.as_json()
    assert stored["params"]["header"] == "period_sta\\x00rt"
    assert "\x00" not in repr(stored)
    assert "period_sta\\x00rt" in Problem.from_json(stored).text()
    # The message a failed import records as its reason (a status change, text) is as free of NUL.
    assert "\x00" not in problem.text() and "\x00" not in str(problem)
