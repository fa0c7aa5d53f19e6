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
import re
import zipfile
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

# Limits; each can be lowered or raised in settings (PCC_IMPORT_*).
MAX_FILE_BYTES = getattr(settings, "PCC_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
MAX_UNPACKED_BYTES = getattr(settings, "PCC_IMPORT_MAX_UNPACKED_BYTES", 512 * 1024 * 1024)
MAX_CELL_CHARS = 10_000
MAX_ROWS = getattr(settings, "PCC_IMPORT_MAX_ROWS", 1_000_000)
MAX_COLUMNS = 200
# A run of this many blank rows ends the data: a sheet padded with a million formatted but empty
# rows is read in milliseconds instead of being walked to its end.
MAX_BLANK_ROWS = 100
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
    """The format from the magic bytes, never from the name: xlsx, ods, csv, or None."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if b"\x00" in head[:SNIFF_BYTES]:
        return None
    return CSV


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
        self.format = self._detect()

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
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                # A small archive that inflates to gigabytes (a "zip bomb") is refused before reading.
                raise self.error(
                    gettext_noop("the file unpacks to more than %(max)s MB"),
                    {"max": MAX_UNPACKED_BYTES // 1024 // 1024},
                )
            if "xl/workbook.xml" in names:
                self.archive = archive
                return XLSX
            if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                self.archive = archive
                return ODS
            raise self.error(gettext_noop("not a spreadsheet: expected an XLSX, ODS or CSV file"))
        if kind is None:
            raise self.error(gettext_noop("not a spreadsheet: expected an XLSX, ODS or CSV file"))
        return CSV

    # -- iteration

    def __iter__(self) -> Iterator[Row]:
        cells = {XLSX: self._xlsx_rows, CSV: self._csv_rows, ODS: self._ods_rows}[self.format]()
        header_row = None
        for number, raw in cells:
            if header_row is None:
                if all(_is_blank(v) for v in raw):
                    continue
                header_row = number
                self._read_header(raw, number)
                continue
            yield self._row(raw, number)
        if header_row is None:
            raise self.error(
                gettext_noop("the sheet is empty: expected a header row with the columns %(columns)s"),
                {"columns": ", ".join(self.expected_headers) or "…"},
            )

    def rows(self) -> Iterator[Row]:
        """Only the non-blank data rows, stopping at a long run of blank rows."""
        blank = 0
        count = 0
        for row in self:
            count += 1
            if count > MAX_ROWS:
                raise self.error(
                    gettext_noop("more than %(max)s rows; split the file"), {"max": MAX_ROWS}, row=row.number
                )
            if not row.values:  # _row() leaves blank cells out
                blank += 1
                if blank >= MAX_BLANK_ROWS:
                    return
                continue
            blank = 0
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
                if value[:1] == "=" or len(value) > MAX_CELL_CHARS:
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
            self.estimated_rows = max(0, (worksheet.max_row or 1) - 1)
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
        finally:
            workbook.close()

    # -- CSV

    def _csv_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        self.sheet = ""
        head = self.stream.read(SNIFF_BYTES)
        self.stream.seek(0)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        else:
            try:
                codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "latin-1"
        delimiter = _sniff_delimiter(head.decode(encoding, errors="replace"))
        number = 0

        def lines() -> Iterator[str]:
            # Decoded line by line (not by 8 KB blocks) so a bad byte is reported at its row.
            for line in self.stream:
                try:
                    yield line.decode(encoding)
                except UnicodeDecodeError:
                    raise self.error(
                        gettext_noop("the text is not %(encoding)s; save the file as UTF-8"),
                        {"encoding": encoding},
                        row=number + 1,
                    ) from None

        csv.field_size_limit(MAX_CELL_CHARS + 1)
        reader = csv.reader(lines(), delimiter=delimiter)
        try:
            for number, values in enumerate(reader, start=1):  # noqa: B007 (lines() reads it)
                if len(values) > MAX_COLUMNS:
                    raise self.error(
                        gettext_noop("more than %(max)s columns"), {"max": MAX_COLUMNS}, row=number
                    )
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
                for cell in element:
                    if (
                        cell.tag == covered
                        or cell.get(f"{{{ns_table}}}number-columns-spanned", "1") != "1"
                        or cell.get(f"{{{ns_table}}}number-rows-spanned", "1") != "1"
                    ):
                        raise self.error(
                            gettext_noop("merged cells are not imported; unmerge them"),
                            row=number + 1,
                            column=column_letter(len(values)),
                        )
                    if cell.tag != cell_tag:
                        continue
                    if cell.get(f"{{{ns_table}}}formula"):
                        raise self.error(
                            gettext_noop("formulas are not imported; paste the values instead"),
                            row=number + 1,
                            column=column_letter(len(values)),
                            value=_shown(cell.get(f"{{{ns_table}}}formula")),
                        )
                    value = _ods_value(cell, ns_office, value_type, p_tag)
                    repeat = min(int(cell.get(repeat_cols, "1")), MAX_COLUMNS - len(values))
                    values.extend([value] * repeat)
                    if len(values) >= MAX_COLUMNS:
                        break
                while values and values[-1] is None:
                    values.pop()
                repeat = int(element.get(repeat_rows, "1"))
                element.clear()
                if not values:
                    # A blank row repeated a million times is one element: count it, don't walk it.
                    for _ in range(min(repeat, MAX_BLANK_ROWS)):
                        number += 1
                        yield number, ()
                    number += max(0, repeat - MAX_BLANK_ROWS)
                    continue
                for _ in range(repeat):
                    number += 1
                    yield number, values

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


class _SheetParser:
    """Rows of one XLSX worksheet, parsed with expat, with the values openpyxl's read-only mode gives.

    openpyxl builds a dictionary and an element per cell; this walks the XML once with three
    callbacks and keeps only the row being read, so reading costs a fraction of openpyxl's
    time in constant memory. openpyxl still reads the workbook's shared strings, date styles and
    epoch. Blank rows between two rows are yielded as empty tuples (the caller stops after a run
    of them), formulas as :class:`_Formula`.
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
        previous = 0
        while True:
            chunk = source.read(self.CHUNK)
            parser.Parse(chunk, not chunk)
            for number, cells in self.done:
                # The sheet XML leaves out empty rows; the spreadsheet program shows them.
                for blank in range(previous + 1, number):
                    yield blank, ()
                previous = number
                values = [None] * (max(cells) + 1) if cells else []
                for index, value in cells.items():
                    values[index] = value
                yield number, values
            self.done.clear()
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
            self.style = int(style) if style else 0
            reference = attrs.get("r")
            self.column = _column_index(reference) if reference else self.column + 1
            self.value = self.formula = self.inline = None
        elif name == "v" or name == "f":
            self.text = []
        elif name == "row":
            number = attrs.get("r")
            self.row = int(number) if number else self.row + 1
            self.cells = {}
            self.column = 0
        elif name == "is":
            self.inline = []
        elif name == "t" and self.inline is not None and not self.phonetic:
            self.text = []
        elif name == "rPh":
            self.phonetic = True

    def characters(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, name: str) -> None:
        name = name.rpartition(":")[2]
        if name == "c":
            if self.column <= MAX_COLUMNS:
                value = self.cell_value()
                if value is not None:
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
        if kind == "n":
            number = float(text) if "." in text or "E" in text or "e" in text else int(text)
            if self.style in self.date_styles:
                try:
                    return from_excel(number, self.epoch, timedelta=self.style in self.timedelta_styles)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.shared_strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's cached text) and "e" (an error such as #DIV/0!)


def _column_index(reference: str) -> int:
    """``"B12"`` → 2 (1-based)."""
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
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
