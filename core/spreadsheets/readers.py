"""Read the spreadsheets users upload to pcc: XLSX, CSV and ODS.

Reading streams one row at a time (XLSX sheets through expat, ``csv`` over a text wrapper, ODS
through defusedxml's ``iterparse``), so memory does not grow with the file. Every refusal is a
:class:`SpreadsheetError` carrying a located :class:`Problem` (file, sheet, row, column, value,
what was expected) whose message is a translatable msgid rendered in the reader's language.

Cells are returned raw (``str``, ``int``, ``float``, ``datetime``, ``bool`` or ``None``); turning
them into typed values is :class:`Column`'s job, with the file's number locale.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import math
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO
from xml.parsers.expat import ExpatError, ParserCreate

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError, iterparse
from django.conf import settings
from django.utils.translation import gettext_noop
from openpyxl.utils.datetime import from_excel, from_ISO8601

from core.spreadsheets.columns import Column, ColumnType, _is_blank, _text
from core.spreadsheets.errors import Problem, SpreadsheetError

# Limits, each a setting (PCC_IMPORT_*, README): what a reasonable spreadsheet holds. A file past one
# is refused, located, before the part that breaks it is read.
MAX_FILE_BYTES = settings.PCC_IMPORT_MAX_BYTES
MAX_UNPACKED_BYTES = settings.PCC_IMPORT_MAX_UNPACKED_BYTES
MAX_UNPACK_RATIO = settings.PCC_IMPORT_MAX_UNPACK_RATIO
MAX_SHARED_STRINGS_BYTES = settings.PCC_IMPORT_MAX_SHARED_STRINGS_BYTES
MAX_CELL_CHARS = settings.PCC_IMPORT_MAX_CELL_CHARS
MAX_ROWS = settings.PCC_IMPORT_MAX_ROWS
MAX_COLUMNS = settings.PCC_IMPORT_MAX_COLUMNS
MAX_BLANK_ROWS = settings.PCC_IMPORT_MAX_BLANK_ROWS
MAX_REPEATED_ROWS = settings.PCC_IMPORT_MAX_REPEATED_ROWS
# Parts smaller than this unpacked are read in milliseconds, however well they compress.
RATIO_FLOOR_BYTES = 1024 * 1024
SNIFF_BYTES = 64 * 1024

XLSX, CSV, ODS = "xlsx", "csv", "ods"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

_PLAIN_VALUES = (str, int, float, Decimal, bool, datetime.date, datetime.time, datetime.timedelta)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


@dataclass(frozen=True)
class Row:
    sheet: str
    number: int  # 1-based, as the spreadsheet program shows it
    values: dict[str, Any]


def sniff_format(head: bytes) -> str | None:
    """The format from the magic bytes, never from the name: "zip" (xlsx, ods), "xls", csv, or None."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return CSV
    # Binary files are full of NUL bytes; a stray one in a text file is refused at its cell instead.
    if head[:SNIFF_BYTES].count(b"\x00") * 100 > len(head[:SNIFF_BYTES]):
        return None
    return CSV


# Python's codec and the name users know it by (shown in the preview and in errors).
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}


def sniff_encoding(head: bytes) -> str:
    """The codec of a CSV's text: UTF-8 (BOM or not), UTF-16 with its BOM, else Windows-1252.

    Windows-1252, not Latin-1: Excel on Windows writes “ ” – € as 0x93 0x94 0x96 0x80, which Latin-1
    reads as control characters. Raises ``UnicodeDecodeError`` when the text is none of these.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        head.decode("cp1252")
        return "cp1252"


class SpreadsheetReader:
    """Rows of the first sheet of an uploaded file, checked against ``columns``.

    ``for row in reader`` yields :class:`Row` objects; file-level problems raise
    :class:`SpreadsheetError` (before the first row for header problems, at the row otherwise).
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        name: str,
        columns: Sequence[Column] | None = None,
        max_bytes: int | None = None,
    ):
        self.stream = stream
        self.name = name
        self.columns = list(columns or [])
        self.max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
        self.sheet = ""
        self.headers: list[str] = []
        self.estimated_rows = 0  # data rows the file declares (xlsx dimension), 0 when unknown
        self.header_row = 0
        self.encoding = ""  # a CSV's codec (see ENCODING_NAMES)
        self.format = self._detect()

    def source(self) -> dict[str, str]:
        """How the file is read, for the preview: its format and, for a CSV, its encoding."""
        if self.format != CSV:
            return {"format": self.format.upper()}
        return {"format": "CSV", "encoding": ENCODING_NAMES[self.encoding]}

    def error(self, message: str, params: dict | None = None, **where) -> SpreadsheetError:
        where.setdefault("sheet", self.sheet)
        return SpreadsheetError(Problem(message, params or {}, file=self.name, **where))

    def hostile_xml(self, error: DefusedXmlException, part: str = "") -> SpreadsheetError:
        # No spreadsheet program writes a DOCTYPE or an entity: one is an entity-expansion ("billion
        # laughs") or external-entity attack, refused before anything is expanded or fetched.
        return self.error(
            gettext_noop(
                "the file declares an XML DOCTYPE or entities, which spreadsheets never contain; "
                "it is not read (%(reason)s)"
            ),
            {"reason": f"{part}: {error}" if part else str(error)},
        )

    # -- detection

    def _detect(self) -> str:
        self.stream.seek(0, io.SEEK_END)
        size = self.stream.tell()
        self.stream.seek(0)
        if size > self.max_bytes:
            raise self.error(
                gettext_noop("the file is larger than %(max)s MB"),
                {"max": round(self.max_bytes / 1024 / 1024, 1)},
            )
        if size == 0:
            raise self.error(gettext_noop("the file is empty"))
        head = self.stream.read(SNIFF_BYTES)
        self.stream.seek(0)
        kind = sniff_format(head)
        if kind == "xls":
            raise self.error(gettext_noop("old Excel 97-2003 (.xls) files are not read; save it as .xlsx"))
        if kind == "zip":
            try:
                archive = zipfile.ZipFile(self.stream)
                names = set(archive.namelist())
            except (zipfile.BadZipFile, OSError):
                raise self.error(gettext_noop("not a spreadsheet: a damaged ZIP archive")) from None
            self._check_sizes(archive)
            if "xl/workbook.xml" in names:
                self.archive = archive
                return XLSX
            if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                self.archive = archive
                return ODS
            raise self.error(gettext_noop("not a spreadsheet: expected an XLSX, ODS or CSV file"))
        if kind is None:
            raise self.error(gettext_noop("not a spreadsheet: expected an XLSX, ODS or CSV file"))
        try:
            self.encoding = sniff_encoding(head)
        except UnicodeDecodeError as error:
            raise self.error(
                gettext_noop(
                    "the text is neither UTF-8 nor Windows-1252 (byte 0x%(byte)02X); save the file as UTF-8"
                ),
                {"byte": head[error.start]},
                row=head[: error.start].count(b"\n") + 1,
            ) from None
        return CSV

    def _check_sizes(self, archive: zipfile.ZipFile) -> None:
        """Refuse an archive whose parts unpack to what no spreadsheet holds, before reading any.

        The sizes are the archive's own declarations; zipfile stops a part at its declared size (and
        fails its checksum), so a part that lies about its size cannot unpack to more.
        """
        infos = archive.infolist()
        unpacked = sum(info.file_size for info in infos)
        if unpacked > MAX_UNPACKED_BYTES:
            # A small archive that inflates to gigabytes (a "zip bomb") is refused before reading.
            raise self.error(
                gettext_noop("the file unpacks to more than %(max)s MB"),
                {"max": MAX_UNPACKED_BYTES // 1024 // 1024},
            )
        for info in infos:
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_UNPACK_RATIO * max(
                info.compress_size, 1
            ):
                raise self.error(
                    gettext_noop(
                        "the part %(part)s unpacks to %(ratio)s times its packed size (%(size)s MB); "
                        "spreadsheets unpack to less than %(max)s times, so it is not read"
                    ),
                    {
                        "part": info.filename,
                        "ratio": info.file_size // max(info.compress_size, 1),
                        "size": round(info.file_size / 1024 / 1024, 1),
                        "max": MAX_UNPACK_RATIO,
                    },
                )
            if (
                info.filename.lower().endswith("sharedstrings.xml")
                and info.file_size > MAX_SHARED_STRINGS_BYTES
            ):
                raise self.error(
                    gettext_noop("the shared strings (%(part)s) unpack to more than %(max)s MB"),
                    {"part": info.filename, "max": MAX_SHARED_STRINGS_BYTES // 1024 // 1024},
                )

    # -- iteration

    def __iter__(self) -> Iterator[Row]:
        cells = {XLSX: self._xlsx_rows, CSV: self._csv_rows, ODS: self._ods_rows}[self.format]()
        header_row = None
        last_row = MAX_ROWS + 1  # the header and MAX_ROWS data rows
        try:
            for number, raw in cells:
                if number > last_row and not all(_is_blank(v) for v in raw):
                    raise self.error(
                        gettext_noop(
                            "a value in row %(row)s, past the %(max)s rows a file may hold; split the file"
                        ),
                        {"row": number, "max": MAX_ROWS},
                        row=number,
                    )
                if header_row is None:
                    if all(_is_blank(v) for v in raw):
                        continue
                    header_row = self.header_row = number
                    self._read_header(raw, number)
                    continue
                yield self._row(raw, number)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            # A part that does not unpack to what the archive declares (its size, its checksum).
            raise self.error(
                gettext_noop("not a spreadsheet: a damaged ZIP archive (%(reason)s)"), {"reason": str(error)}
            ) from None
        if header_row is None:
            raise self.error(
                gettext_noop("the sheet is empty: expected a header row with the columns %(columns)s"),
                {"columns": ", ".join(self.expected_headers) or "…"},
            )

    def rows(self) -> Iterator[Row]:
        """Only the non-blank data rows; a value after a long run of blank rows is refused, never dropped.

        Readers leave the blank rows out or count them without walking them (an ODS repeat, the
        gaps between XLSX rows), so a run of blank rows costs nothing however long it is.
        """
        count = 0
        previous = 0
        for row in self:
            if not row.values:  # _row() leaves blank cells out
                continue
            if row.number - (previous or self.header_row) > MAX_BLANK_ROWS:
                first = (previous or self.header_row) + 1
                raise self.error(
                    gettext_noop(
                        "a value after %(blank)s blank rows (rows %(first)s to %(last)s); the data must be "
                        "one block: delete the blank rows, or what is below them"
                    ),
                    {"blank": row.number - first, "first": first, "last": row.number - 1},
                    row=row.number,
                )
            previous = row.number
            count += 1
            if count > MAX_ROWS:
                raise self.error(
                    gettext_noop("more than %(max)s rows; split the file"), {"max": MAX_ROWS}, row=row.number
                )
            yield row

    @property
    def expected_headers(self) -> list[str]:
        return [h for column in self.columns for h in column.headers]

    def _read_header(self, raw: Sequence[Any], number: int) -> None:
        headers: list[str] = []
        seen: dict[str, int] = {}
        aliases = _header_aliases(self.columns)
        for index, value in enumerate(raw):
            letter = column_letter(index)
            if _is_blank(value):
                headers.append("")
                continue
            text = _text(value)
            key = aliases.get(text.casefold(), text) if self.columns else text
            if key in seen:
                raise self.error(
                    gettext_noop("the column %(header)s appears twice (also in column %(other)s)"),
                    {"header": text, "other": column_letter(seen[key])},
                    row=number,
                    column=letter,
                    value=text,
                )
            if self.columns and key not in aliases.values():
                raise self.error(
                    gettext_noop("unknown column %(header)s; expected the columns %(columns)s"),
                    {"header": text, "columns": ", ".join(self.expected_headers)},
                    row=number,
                    column=letter,
                    value=_shown(text),
                )
            seen[key] = index
            headers.append(key)
        required = [h for c in self.columns if c.required for h in c.headers]
        missing = [h for h in required if h not in seen]
        if missing:
            raise self.error(
                gettext_noop("missing columns %(missing)s"), {"missing": ", ".join(missing)}, row=number
            )
        while headers and not headers[-1]:
            headers.pop()
        self.headers = headers

    def _row(self, raw: Sequence[Any], number: int) -> Row:
        values: dict[str, Any] = {}
        headers = self.headers
        for index, value in enumerate(raw):
            if value is None or value == "":
                continue
            if type(value) is str:
                if value.isspace():
                    continue
                # "=" also after leading whitespace: " =SUM(A1:A9)" is a formula to a spreadsheet program.
                first = value[:1]
                if (
                    first == "="
                    or (first.isspace() and value.lstrip()[:1] == "=")
                    or len(value) > MAX_CELL_CHARS
                    or "\x00" in value
                ):
                    self._refuse_text(value, index, number)
            elif not isinstance(value, _PLAIN_VALUES):
                # openpyxl returns array and data-table formulas as objects, not "=…" text.
                raise self.error(
                    gettext_noop("formulas are not imported; paste the values instead"),
                    row=number,
                    column=self._column_name(index),
                    value=_shown(value),
                )
            header = headers[index] if index < len(headers) else ""
            if not header:
                raise self.error(
                    gettext_noop("a value under a column without a header"),
                    row=number,
                    column=column_letter(index),
                    value=_shown(value),
                )
            values[header] = value
        return Row(self.sheet, number, values)

    def _refuse_text(self, value: str, index: int, number: int) -> None:
        if len(value) > MAX_CELL_CHARS:
            raise self.error(
                gettext_noop("a cell longer than %(max)s characters"),
                {"max": MAX_CELL_CHARS},
                row=number,
                column=self._column_name(index),
                value=_shown(value),
            )
        if "\x00" in value:
            # The database refuses the character: found here, not as an unexpected error at commit.
            raise self.error(
                gettext_noop("the cell holds a NUL character (byte 0), which text never contains"),
                row=number,
                column=self._column_name(index),
                value=_shown(value.replace("\x00", "\\0")),
            )
        raise self.error(
            gettext_noop("formulas are not imported; paste the values instead"),
            row=number,
            column=self._column_name(index),
            value=_shown(value),
        )

    def _column_name(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return f"{column_letter(index)} ({header})" if header else column_letter(index)

    # -- XLSX

    def _xlsx_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        from openpyxl import load_workbook

        try:
            # openpyxl parses the workbook's own parts (workbook, styles, shared strings) with
            # defusedxml, which pyproject installs: a DOCTYPE is let through, an entity is refused.
            workbook = load_workbook(self.stream, read_only=True, data_only=False)
        except Exception as error:  # openpyxl raises many kinds on a damaged workbook
            if isinstance(error.__cause__, DefusedXmlException):  # openpyxl wraps it in a ValueError
                raise self.hostile_xml(error.__cause__) from None
            raise self.error(
                gettext_noop("the XLSX file cannot be read (%(reason)s)"), {"reason": type(error).__name__}
            ) from None
        try:
            worksheet = workbook.worksheets[0] if workbook.worksheets else None
            if worksheet is None:
                raise self.error(gettext_noop("the workbook has no sheet"))
            self.sheet = worksheet.title
            # openpyxl's public API (worksheet.iter_rows(values_only=True)) reads the same rows 2.7 to
            # 2.9 times slower (bench/xlsx_reader.py, 100,000 rows: 7.1 s against 2.6 s), so pcc parses
            # the sheet XML itself and takes from openpyxl, through these private attributes, only
            # what it has already read: the sheet's path, shared strings and date styles.
            # tests/core/test_spreadsheets.py reads every kind of cell through them.
            path = worksheet._worksheet_path.lstrip("/")
            merged = _xlsx_first_merge(self.archive, path)
            if merged:
                raise self.error(
                    gettext_noop("merged cells (%(range)s) are not imported; unmerge them"),
                    {"range": merged},
                    column=merged.split(":")[0],
                )
            self.estimated_rows = min(MAX_ROWS, max(0, (worksheet.max_row or 1) - 1))
            parser = _SheetParser(
                shared_strings=worksheet._shared_strings,
                date_styles=workbook._date_formats,
                timedelta_styles=workbook._timedelta_formats,
                epoch=workbook.epoch,
            )
            with self.archive.open(path) as source:
                try:
                    yield from parser.rows(source)
                except DefusedXmlException as error:
                    raise self.hostile_xml(error, path) from None
                except ExpatError as error:
                    raise self.error(
                        gettext_noop("the XLSX file cannot be read (%(reason)s)"), {"reason": str(error)}
                    ) from None
                except _CellFault as fault:
                    where = fault.where or {"row": parser.row, "column": self._column_name(parser.column - 1)}
                    raise self.error(
                        fault.message, fault.params, value=_shown(fault.value), **where
                    ) from None
        finally:
            workbook.close()

    # -- CSV

    def _csv_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        self.sheet = ""
        encoding, name = self.encoding, ENCODING_NAMES[self.encoding]
        head = self.stream.read(SNIFF_BYTES)
        self.stream.seek(0)
        delimiter = _sniff_delimiter(head.decode(encoding, errors="replace"))
        number = 0

        def undecodable() -> SpreadsheetError:
            return self.error(
                gettext_noop("the text is not %(encoding)s throughout; save the file as UTF-8"),
                {"encoding": name},
                row=number + 1,
            )

        def lines() -> Iterator[str]:
            # Decoded line by line (not by 8 KB blocks) so a bad byte is reported at its row.
            for line in self.stream:
                try:
                    yield line.decode(encoding)
                except UnicodeDecodeError:
                    raise undecodable() from None

        def utf16_lines() -> Iterator[str]:
            # Two bytes a character: split into lines after decoding, not on the byte 0x0A.
            text = io.TextIOWrapper(self.stream, encoding=encoding, newline="")
            try:
                yield from text
            except UnicodeError:
                raise undecodable() from None
            finally:
                # The upload stays open for its owner; a refused file's rows may be dropped after it closed.
                if not self.stream.closed:
                    text.detach()

        csv.field_size_limit(MAX_CELL_CHARS + 1)
        reader = csv.reader(utf16_lines() if encoding == "utf-16" else lines(), delimiter=delimiter)
        try:
            for number, values in enumerate(reader, start=1):  # noqa: B007 (lines() reads it)
                if len(values) > MAX_COLUMNS:
                    past = next((i for i in range(MAX_COLUMNS, len(values)) if values[i].strip()), None)
                    if past is not None:
                        raise self._past_last_column(number, past, values[past])
                    del values[MAX_COLUMNS:]
                yield number, values
        except csv.Error as error:
            if "field larger" in str(error):
                raise self.error(
                    gettext_noop("a cell longer than %(max)s characters"),
                    {"max": MAX_CELL_CHARS},
                    row=number + 1,
                ) from None
            raise self.error(
                gettext_noop("the CSV text cannot be read (%(reason)s)"),
                {"reason": str(error)},
                row=number + 1,
            ) from None

    def _past_last_column(self, number: int, index: int, value: Any) -> SpreadsheetError:
        return self.error(
            gettext_noop("a value in column %(column)s, past the %(max)s columns a file may have"),
            {"column": column_letter(index), "max": MAX_COLUMNS},
            row=number,
            column=column_letter(index),
            value=_shown(value),
        )

    # -- ODS

    def _ods_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        ns_table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
        ns_office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
        ns_text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
        table, row_tag = f"{{{ns_table}}}table", f"{{{ns_table}}}table-row"
        cell_tag, covered = f"{{{ns_table}}}table-cell", f"{{{ns_table}}}covered-table-cell"
        p_tag = f"{{{ns_text}}}p"
        value_type, repeat_cols = f"{{{ns_office}}}value-type", f"{{{ns_table}}}number-columns-repeated"
        repeat_rows = f"{{{ns_table}}}number-rows-repeated"
        number = 0
        in_first_table = False
        with self.archive.open("content.xml") as source:
            events = iterparse(source, events=("start", "end"), forbid_dtd=True)
            for event, element in self._ods_events(events):
                if event == "start":
                    if element.tag == table:
                        if in_first_table or number:
                            return
                        in_first_table = True
                        self.sheet = element.get(f"{{{ns_table}}}name", "")
                    continue
                if element.tag == table:
                    return
                if element.tag != row_tag:
                    continue
                values: list[Any] = []
                position = 0  # the column of the next cell; blank cells take no room in ``values``
                for cell in element:
                    if (
                        cell.tag == covered
                        or cell.get(f"{{{ns_table}}}number-columns-spanned", "1") != "1"
                        or cell.get(f"{{{ns_table}}}number-rows-spanned", "1") != "1"
                    ):
                        raise self.error(
                            gettext_noop("merged cells are not imported; unmerge them"),
                            row=number + 1,
                            column=column_letter(position),
                        )
                    if cell.tag != cell_tag:
                        continue
                    if cell.get(f"{{{ns_table}}}formula"):
                        raise self.error(
                            gettext_noop("formulas are not imported; paste the values instead"),
                            row=number + 1,
                            column=column_letter(position),
                            value=_shown(cell.get(f"{{{ns_table}}}formula")),
                        )
                    value = _ods_value(cell, ns_office, value_type, p_tag)
                    repeat = self._ods_count(cell.get(repeat_cols, "1"), number + 1, position)
                    if value is None:
                        # LibreOffice ends each row with thousands of blank columns in one cell.
                        position += repeat
                        continue
                    if isinstance(value, Decimal) and not value.is_finite():
                        raise self.error(
                            gettext_noop("the cell holds %(value)s; expected a finite number"),
                            {"value": str(value)},
                            row=number + 1,
                            column=column_letter(position),
                            value=str(value),
                        )
                    if position + repeat > MAX_COLUMNS:
                        raise self._past_last_column(number + 1, max(position, MAX_COLUMNS), value)
                    values.extend([None] * (position - len(values)))
                    values.extend([value] * repeat)
                    position += repeat
                repeat = self._ods_count(element.get(repeat_rows, "1"), number + 1)
                element.clear()
                if not values:
                    # A blank row repeated a million times is one element: count it, don't walk it.
                    number += repeat
                    continue
                if repeat > MAX_REPEATED_ROWS:
                    raise self.error(
                        gettext_noop(
                            "the row is repeated %(count)s times (table:number-rows-repeated), more than "
                            "the %(max)s a file may repeat a row with values"
                        ),
                        {"count": repeat, "max": MAX_REPEATED_ROWS},
                        row=number + 1,
                    )
                for _ in range(repeat):
                    number += 1
                    yield number, values

    def _ods_count(self, raw: str, number: int, position: int | None = None) -> int:
        try:
            count = int(raw)
        except ValueError:
            count = 0
        if count < 1:
            raise self.error(
                gettext_noop("the ODS file cannot be read (%(reason)s)"),
                {"reason": f"content.xml: repeat count {raw!r}"},
                row=number,
                column=column_letter(position) if position is not None else "",
            )
        return count

    def _ods_events(self, events: Iterator) -> Iterator:
        try:
            yield from events
        except DefusedXmlException as error:
            raise self.hostile_xml(error, "content.xml") from None
        except ParseError as error:
            raise self.error(
                gettext_noop("the ODS file cannot be read (%(reason)s)"), {"reason": f"content.xml: {error}"}
            ) from None


class _Formula:
    """A formula cell as read from the sheet; never imported (its text is shown in the error)."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text


class _CellFault(Exception):
    """A cell the sheet XML writes wrongly, raised from the parser's callbacks; located by the reader."""

    def __init__(self, message: str, params: dict | None = None, value: Any = "", where: dict | None = None):
        super().__init__(message)
        self.message = message
        self.params = params or {}
        self.value = value
        self.where = where  # row and column when the parser's position is not the cell's


_DIGITS = "0123456789"


class _SheetParser:
    """Rows of one XLSX worksheet, parsed with expat, with the values openpyxl's read-only mode gives.

    openpyxl builds a dictionary and an element per cell; this walks the XML once with three
    callbacks and keeps only the row being read, so reading costs a fraction of openpyxl's
    time in constant memory. openpyxl still reads the workbook's shared strings, date styles and
    epoch. Only rows with cells are yielded, with their numbers: the rows the XML leaves out are
    not walked, however far the next row is. Formulas are yielded as :class:`_Formula`; a cell
    written wrongly raises :class:`_CellFault` at once (``row`` and ``column`` say where), as does
    a cell longer than ``MAX_CELL_CHARS``, before the rest of it is read.
    """

    CHUNK = 256 * 1024

    def __init__(self, *, shared_strings, date_styles, timedelta_styles, epoch):
        self.shared_strings = shared_strings
        self.date_styles = date_styles
        self.timedelta_styles = timedelta_styles
        self.epoch = epoch
        self.done: list[tuple[int, dict[int, Any]]] = []
        self.cells: dict[int, Any] = {}
        self.row = 0
        self.column = 0
        self.kind = "n"
        self.style = 0
        self.value: str | None = None
        self.formula: str | None = None
        self.inline: list[str] | None = None
        self.phonetic = False
        self.text: list[str] | None = None
        self.length = 0  # characters of the cell being read
        self.columns: dict[str, int] = {}  # column letters → 1-based index, met so far

    def rows(self, source: BinaryIO) -> Iterator[tuple[int, Sequence[Any]]]:
        parser = ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        # The guards defusedxml's parsers install, on the bare expat parser this speed needs.
        parser.StartDoctypeDeclHandler = self.refuse_doctype
        parser.EntityDeclHandler = self.refuse_entity
        parser.UnparsedEntityDeclHandler = self.refuse_unparsed_entity
        parser.ExternalEntityRefHandler = self.refuse_external_entity
        while True:
            chunk = source.read(self.CHUNK)
            fault = None
            try:
                parser.Parse(chunk, not chunk)
            except _CellFault as raised:
                # The rows read before the cell first (the header names the fault's column).
                fault = raised
            for number, cells in self.done:
                if not cells:
                    continue
                values = [None] * (max(cells) + 1)
                for index, value in cells.items():
                    values[index] = value
                yield number, values
            self.done.clear()
            if fault is not None:
                raise fault
            if not chunk:
                return

    def refuse_doctype(self, name, sysid, pubid, has_internal_subset) -> None:
        raise DTDForbidden(name, sysid, pubid)

    def refuse_entity(self, name, is_parameter_entity, value, base, sysid, pubid, notation_name) -> None:
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)

    def refuse_unparsed_entity(self, name, base, sysid, pubid, notation_name) -> None:
        raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)

    def refuse_external_entity(self, context, base, sysid, pubid) -> None:
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    def start(self, name: str, attrs: dict) -> None:
        name = name.rpartition(":")[2]
        if name == "c":
            self.kind = attrs.get("t", "n")
            style = attrs.get("s")
            reference = attrs.get("r")
            self.column = self.column_of(reference) if reference else self.column + 1
            self.style = self.style_of(style) if style else 0
            self.value = self.formula = self.inline = None
            self.length = 0
        elif name == "v" or name == "f":
            self.text = []
        elif name == "row":
            number = attrs.get("r")
            self.row = self.row_of(number) if number else self.row + 1
            self.cells = {}
            self.column = 0
        elif name == "is":
            self.inline = []
        elif name == "t" and self.inline is not None and not self.phonetic:
            self.text = []
        elif name == "rPh":
            self.phonetic = True

    def column_of(self, reference: str) -> int:
        letters = reference.rstrip(_DIGITS)
        index = self.columns.get(letters)
        if index is not None and len(letters) < len(reference):
            return index
        if len(letters) == len(reference) or not (
            letters.isascii() and letters.isalpha() and letters.isupper()
        ):
            # "1A" or "A": read as column 0, its value would be lost.
            raise _CellFault(
                gettext_noop(
                    "the cell reference %(reference)s is not a column and a row such as B12; the file is damaged"
                ),
                {"reference": _shown(reference)},
                value=reference,
                where={"row": self.row, "column": ""},
            )
        index = self.columns[letters] = _column_index(letters)
        return index

    def row_of(self, number: str) -> int:
        if not number.isdigit() or len(number) > 10 or int(number) < 1:
            raise _CellFault(
                gettext_noop("the row number %(number)s is not a whole number from 1; the file is damaged"),
                {"number": _shown(number)},
                value=number,
                where={"row": None, "column": ""},
            )
        return int(number)

    def style_of(self, style: str) -> int:
        if not style.isdigit():
            raise _CellFault(
                gettext_noop("the cell's style %(style)s is not a whole number; the file is damaged"),
                {"style": _shown(style)},
                value=style,
            )
        return int(style)

    def characters(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)
            self.length += len(data)
            if self.length > MAX_CELL_CHARS:
                raise _CellFault(
                    gettext_noop("a cell longer than %(max)s characters"),
                    {"max": MAX_CELL_CHARS},
                    value="".join(self.text)[:80],
                )

    def end(self, name: str) -> None:
        name = name.rpartition(":")[2]
        if name == "c":
            value = self.cell_value()
            if value is not None:
                if self.column > MAX_COLUMNS:
                    raise _CellFault(
                        gettext_noop(
                            "a value in column %(column)s, past the %(max)s columns a file may have"
                        ),
                        {"column": column_letter(self.column - 1), "max": MAX_COLUMNS},
                        value=value,
                    )
                self.cells[self.column - 1] = value
        elif name == "v":
            self.value = "".join(self.text)
            self.text = None
        elif name == "f":
            self.formula = "".join(self.text)
            self.text = None
        elif name == "t" and self.text is not None:
            self.inline.append("".join(self.text))
            self.text = None
        elif name == "rPh":
            self.phonetic = False
        elif name == "row":
            self.done.append((self.row, self.cells))

    def cell_value(self) -> Any:
        if self.formula is not None:
            return _Formula("=" + self.formula)
        kind, text = self.kind, self.value
        if kind == "inlineStr":
            return "".join(self.inline) if self.inline is not None else None
        if not text:
            return None
        try:
            if kind == "n":
                if "." in text or "E" in text or "e" in text:
                    number = float(text)
                    if not math.isfinite(number):  # "1E999"; "nan" and "inf" fail int() below
                        raise ValueError
                else:
                    number = int(text)
                if self.style in self.date_styles:
                    try:
                        return from_excel(number, self.epoch, timedelta=self.style in self.timedelta_styles)
                    except (OverflowError, ValueError):
                        raise _CellFault(
                            gettext_noop("the date cell holds %(value)s, which is no date a sheet can show"),
                            {"value": _shown(text)},
                            value=text,
                        ) from None
                return number
            if kind == "s":
                index = int(text)
                if not 0 <= index < len(self.shared_strings):
                    raise _CellFault(
                        gettext_noop(
                            "the cell refers to shared string %(index)s, but the file holds %(count)s; "
                            "the file is damaged"
                        ),
                        {"index": _shown(text), "count": len(self.shared_strings)},
                        value=text,
                    )
                return self.shared_strings[index]
            if kind == "b":
                if text not in ("0", "1"):
                    raise ValueError
                return text == "1"
            if kind == "d":
                value = from_ISO8601(text)
                if value is None:
                    raise ValueError
                return value
        except ValueError:
            raise _CellFault(
                _KIND_EXPECTED.get(kind, _KIND_EXPECTED["n"]), {"value": _shown(text)}, value=text
            ) from None
        return text  # "str" (a formula's cached text) and "e" (an error such as #DIV/0!)


_KIND_EXPECTED = {
    "n": gettext_noop("the cell is stored as a number but holds %(value)s; expected a finite number"),
    "s": gettext_noop(
        "the cell refers to shared string %(value)s, which is not a whole number; the file is damaged"
    ),
    "b": gettext_noop("the cell is stored as yes/no but holds %(value)s; expected 0 or 1"),
    "d": gettext_noop("the cell is stored as a date but holds %(value)s; expected a date such as 2008-09-30"),
}


def _column_index(letters: str) -> int:
    """``"B"`` → 2 (1-based)."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


def _ods_value(cell, ns_office: str, value_type: str, p_tag: str) -> Any:
    kind = cell.get(value_type)
    if kind in ("float", "percentage", "currency"):
        raw = cell.get(f"{{{ns_office}}}value")
        try:
            return Decimal(raw)
        except (InvalidOperation, TypeError):
            return raw
    if kind == "date":
        raw = cell.get(f"{{{ns_office}}}date-value", "")
        try:
            return datetime.datetime.fromisoformat(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return cell.get(f"{{{ns_office}}}boolean-value") == "true"
    paragraphs = ["".join(p.itertext()) for p in cell.iter(p_tag)]
    text = "\n".join(paragraphs)
    return text if text else None


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")


def _xlsx_first_merge(archive: zipfile.ZipFile, path: str) -> str:
    """The first merged range of a sheet, found by scanning the raw XML (read-only mode hides merges)."""
    path = path.lstrip("/")
    tail = b""
    with archive.open(path) as source:
        while chunk := source.read(1024 * 1024):
            window = tail + chunk
            if b"mergeCell" in window:
                match = _MERGE.search(window)
                if match:
                    return match.group(1).decode()
            tail = window[-512:]
    return ""


def _sniff_delimiter(sample: str) -> str:
    first_line = sample.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: first_line.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _header_aliases(columns: Sequence[Column]) -> dict[str, str]:
    """Accepted header spellings (casefolded) → header: the column name, and its label in every language."""
    from django.utils import translation

    aliases: dict[str, str] = {}
    for column in columns:
        for header in column.headers:
            aliases[header.casefold()] = header
        if column.label and column.type != ColumnType.MONEY:
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    aliases.setdefault(str(column.label).casefold(), column.name)
    return aliases


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
