"""Generated spreadsheets for every importable kind, and what a dry run of one must do (issue #14, item 8).

A :class:`Case` is one file: a kind, a format (CSV, XLSX, ODS), a header and rows of raw cells.
:func:`cases` draws them with hypothesis, starting from rows that import (the kind's export of the
loaded PCC, or its template's example row) and spoiling some: wrong types, blank or hostile cells
(formulas, NUL, huge and negative numbers, dates of year 1), missing, extra or doubled columns,
blank rows, a row twice (a duplicate key), odd encodings and stray bytes in a CSV.

:func:`run_case` runs a case through the service the import page uses (``import_start`` then
``import_dry_run``) and returns an :class:`Outcome`; :func:`check_outcome` states what every dry run
must do: no unexpected error, every error with a message and a place, and nothing written.
``tests/imports/test_fuzz_imports.py`` runs a few hundred cases (hypothesis profile ``ci``, the
default), ``bench/fuzz_imports.py`` thousands (profile ``fuzz``).
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import os
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from core.models import ImportStatus
from core.spreadsheets.columns import ColumnType, NumberLocale
from core.spreadsheets.errors import Problem
from core.spreadsheets.writers import export_cells, header_row
from imports.registry import Importer, registry
from imports.services import import_dry_run, import_start

settings.register_profile(
    "ci",
    max_examples=15,  # per kind: 14 kinds, 210 files
    derandomize=True,  # the same files every run: CI is red for a change, not for a draw (bench/ explores)
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    max_examples=300,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

FORMATS = ("csv", "xlsx", "ods")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252")
UNEXPECTED = "unexpected error"  # in the English message of an import that crashed

# -- cells


FORMULAS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    " =1",
    '\t=HYPERLINK("http://x")',
    "=",
    "==",
    "=cmd|' /C calc'!A0",
]
NUMBERS_AS_TEXT = [
    "-5",
    "(5)",
    "1,234",
    "1.234,56",
    "1'000",
    "1_000",
    "1e2",
    "1e400",
    "-1e400",
    "NaN",
    "inf",
    "-0",
    "٣",
    "9" * 40,
    "0x10",
    "12 %",
    "CHF 5",
    "—",
    "n.d.",
    "1.2.3",
]
NUMBERS = [0, -1, -5, 10**15, -(10**15), 10**30, 2**63, 1e308, -1e308, 1e-30, 0.1, -0.0, Decimal("1e-20")]
DATES = [
    datetime.date(1, 1, 1),
    datetime.date(9999, 12, 31),
    datetime.date(2008, 9, 1),
    datetime.datetime(2008, 9, 30, 13, 45),
    "2008-02-30",
    "30/09/2008",
    "09/30/2008",
    "2008-9-1",
    "0000-00-00",
    "1900-01-00",
]
TEXTS = [
    "",
    "   ",
    "sí",
    "no",
    "x",
    "Ñandú «ü» – “quoted” €",
    "line\nbreak",
    "tab\there",
    "a\x00b",
    "\ufeffbom",
    "\u202eright-to-left",
    "😀",
    "<script>alert(1)</script>",
    "CHF",
    "chf",
    "XXX",
    "EURO",
    "pcc",
    "programa-cuadro-1",
]


def _weird_text() -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


def hostile_cell(column_type: str, max_length: int | None) -> st.SearchStrategy[Any]:
    """A cell a column of ``column_type`` should refuse or take, drawn to favour the borders."""
    long = [("y" * ((max_length or 60) + 1))]
    options = [
        st.sampled_from(TEXTS),
        st.sampled_from(FORMULAS),
        st.sampled_from(NUMBERS),
        st.sampled_from(NUMBERS_AS_TEXT),
        st.sampled_from(DATES),
        st.booleans(),
        st.none(),
        st.sampled_from(long),
        _weird_text(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False, allow_infinity=False),
    ]
    if column_type in (ColumnType.DECIMAL, ColumnType.INTEGER, ColumnType.MONEY):
        options += [st.sampled_from(NUMBERS), st.sampled_from(NUMBERS_AS_TEXT)]
    if column_type == ColumnType.DATE:
        options += [st.sampled_from(DATES), st.dates().map(lambda d: d.isoformat())]
    return st.one_of(options)


# -- the case


@dataclass
class Case:
    kind: str
    format: str
    headers: list[Any]
    rows: list[list[Any]]
    locale: str = NumberLocale.DOT
    encoding: str = "utf-8"
    delimiter: str = ","
    stray_bytes: bytes = b""  # inserted into a CSV at ``stray_at`` (a fraction of its length)
    stray_at: float = 0.5
    blank_rows_before: int = 0
    spoiled: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"fuzz-{self.kind}.{self.format}"

    def data(self) -> bytes:
        table = [[] for _ in range(self.blank_rows_before)] + [self.headers, *self.rows]
        if self.format == "csv":
            return self._csv(table)
        if self.format == "xlsx":
            return xlsx_file(table)
        return ods_file(table)

    def _csv(self, table: list[list[Any]]) -> bytes:
        text = io.StringIO()
        writer = csv.writer(text, delimiter=self.delimiter)
        writer.writerows([[_csv_text(v, self.locale) for v in row] for row in table])
        try:
            data = text.getvalue().encode(self.encoding)
        except UnicodeEncodeError:
            data = text.getvalue().encode("utf-8")
        if self.stray_bytes:
            at = int(len(data) * self.stray_at)
            data = data[:at] + self.stray_bytes + data[at:]
        return data


def _csv_text(value: Any, locale: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        text = f"{value:f}" if isinstance(value, Decimal) else repr(value)
        return text.replace(".", ",") if locale == NumberLocale.COMMA else text
    return str(value)


def xlsx_file(table: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Hoja1"
    for row in table:
        cells = []
        for value in row:
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl writes no control character
            elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
                value = float(value)
            cells.append(value)
        sheet.append(cells)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _ods_cell(value: Any) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        flag = "true" if value else "false"
        return f'<table:table-cell office:value-type="boolean" office:boolean-value="{flag}"><text:p>{flag}</text:p></table:table-cell>'
    if isinstance(value, int | float | Decimal):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if isinstance(value, datetime.date):
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
            f"<text:p>{value.isoformat()}</text:p></table:table-cell>"
        )
    # Control characters are not XML: such a file is ill-formed, which the reader must say, located.
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def ods_file(table: list[list[Any]]) -> bytes:
    body = "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
        if row
        else "<table:table-row><table:table-cell/></table:table-row>"
        for row in table
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Hoja1">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content.encode("utf-8", "surrogatepass"))
    return stream.getvalue()


# -- rows that import


def base_rows(importer: Importer, user) -> list[list[Any]]:
    """Rows of ``importer``'s columns that import as they are: up to 30 of its export of what ``user``
    sees (the loaded PCC), or its template's example row when it has none."""
    rows = []
    for number, values in enumerate(importer.export_rows(user)):
        if number >= 30:
            break
        rows.append(export_cells(importer.columns, values))
    if not rows:
        rows = [export_cells(importer.columns, values) for values in importer.template_rows()]
    return rows


@st.composite
def cases(draw, importer: Importer, rows: list[list[Any]]) -> Case:
    """One file of ``importer``'s kind built from the importable ``rows``, spoiled in a few ways."""
    headers: list[Any] = list(header_row(importer.columns))
    kinds = [c.type for c in importer.columns for _h in c.headers]
    lengths = [c.max_length for c in importer.columns for _h in c.headers]
    case = Case(kind=importer.kind, format=draw(st.sampled_from(FORMATS)), headers=headers, rows=[])
    spoiled = case.spoiled
    chosen = draw(st.lists(st.sampled_from(range(len(rows))), max_size=6, unique=True)) if rows else []
    table = [list(rows[i]) for i in chosen]
    if not draw(st.integers(0, 4)):  # one in five files as exported, never spoiled
        case.rows = table
        return case

    # Cells.
    for row in table:
        for index in range(len(row)):
            if draw(st.integers(0, 9)) == 0:
                row[index] = draw(hostile_cell(kinds[index], lengths[index]))
                spoiled.append(f"cell {headers[index]}={row[index]!r}")
    # Rows: a row twice (its key twice), blank rows, a row of hostile cells, a row longer than the header.
    if table and draw(st.booleans()):
        table.insert(draw(st.integers(0, len(table))), list(draw(st.sampled_from(table))))
        spoiled.append("a row twice")
    if draw(st.integers(0, 3)) == 0:
        blank = draw(st.sampled_from([1, 5, 100, 101, 150]))
        at = draw(st.integers(0, len(table)))
        table[at:at] = [[None] * len(headers)] + [[] for _ in range(blank - 1)]
        spoiled.append(f"{blank} blank rows at {at}")
    if draw(st.integers(0, 3)) == 0:
        table.append([draw(hostile_cell(t, n)) for t, n in zip(kinds, lengths, strict=True)])
        spoiled.append("a row of hostile cells")
    if table and draw(st.integers(0, 5)) == 0:
        table[-1] = [*table[-1], *([None] * draw(st.integers(0, 3))), draw(hostile_cell(ColumnType.TEXT, 10))]
        spoiled.append("a value past the last column")
    # Columns: missing, unknown, twice, reordered, renamed.
    column_change = draw(st.integers(0, 6))
    if column_change == 0 and len(headers) > 1:
        gone = draw(st.integers(0, len(headers) - 1))
        spoiled.append(f"column {headers[gone]} missing")
        del headers[gone]
        for row in table:
            if gone < len(row):
                del row[gone]
    elif column_change == 1:
        headers.append(draw(st.sampled_from(["extra", "notes", "", "=SUM(A1)", "Código", headers[0]])))
        spoiled.append(f"extra column {headers[-1]!r}")
    elif column_change == 2:
        order = draw(st.permutations(range(len(headers))))
        case.headers = headers = [headers[i] for i in order]
        table = [[row[i] if i < len(row) else None for i in order] + row[len(order) :] for row in table]
        spoiled.append("columns reordered")
    elif column_change == 3:
        index = draw(st.integers(0, len(headers) - 1))
        headers[index] = draw(st.sampled_from([str(headers[index]).upper(), f" {headers[index]} ", 5, None]))
        spoiled.append(f"header {index} written {headers[index]!r}")
    case.rows = table
    if draw(st.integers(0, 5)) == 0:
        case.blank_rows_before = draw(st.sampled_from([1, 3]))
        spoiled.append("blank rows before the header")
    # The file: numbers, encodings, stray bytes.
    case.locale = draw(st.sampled_from(NumberLocale.values))
    if case.format == "csv":
        case.encoding = draw(st.sampled_from(ENCODINGS))
        case.delimiter = draw(
            st.sampled_from([",", ";", ";" if case.locale == NumberLocale.COMMA else ",", "\t"])
        )
        if draw(st.integers(0, 5)) == 0:
            case.stray_bytes = draw(
                st.sampled_from([b"\x81", b"\x00", b"\xff\xfe", b"\xc3", b"\r", b'"', b"\x1a"])
            )
            case.stray_at = draw(st.floats(0, 1))
            spoiled.append(f"stray bytes {case.stray_bytes!r}")
        if case.encoding != "utf-8":
            spoiled.append(f"encoded {case.encoding}")
    if not table and not draw(st.integers(0, 3)):
        case.headers = []
        spoiled.append("no header")
    return case


# -- running one


@dataclass
class Outcome:
    status: str
    error_count: int
    errors: list[dict]
    reason: str
    message: str
    logged: list[str]
    written: dict[str, tuple[int, int]]  # model: (count before, count after), for the ones that changed
    crash: str = ""  # an exception that left the service

    @property
    def server_error(self) -> bool:
        return bool(self.crash or self.logged or UNEXPECTED in self.message or UNEXPECTED in self.reason)

    @property
    def accepted(self) -> bool:
        return self.status == ImportStatus.DRY_RUN and not self.error_count

    @property
    def first_reason(self) -> str:
        """The msgid of the first error (the file's reason first), for counting refusals by reason."""
        return self.errors[0]["message"] if self.errors else self.reason

    def unlocated(self) -> list[dict]:
        """The errors with no message or no place to look (file and row, column or sheet; file-level
        reasons name the file)."""
        bad = []
        for index, error in enumerate(self.errors):
            problem = Problem.from_json(error)
            try:
                text = problem.text()
            except (KeyError, TypeError, ValueError):
                bad.append({**error, "why": "its message does not render with its parameters"})
                continue
            if not text.strip():
                bad.append({**error, "why": "no message"})
            elif not problem.file:
                bad.append({**error, "why": "no file"})
            elif problem.row is None and not (index == 0 and self.status == ImportStatus.FAILED):
                bad.append({**error, "why": "a row error without its row"})
        if self.status == ImportStatus.FAILED and not self.errors:
            bad.append({"why": "refused without an error", "reason": self.reason})
        return bad


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(
            f"{record.name}: {record.getMessage()} {record.exc_info[1]!r}"
            if record.exc_info
            else record.getMessage()
        )


def _counts() -> dict[str, int]:
    """The rows of every importable kind's model and of its history, in one query."""
    tables = []
    for importer in registry().values():
        for model in (importer.model, getattr(getattr(importer.model, "history", None), "model", None)):
            if model is not None and model._meta.db_table not in tables:
                tables.append(model._meta.db_table)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))
        return dict(zip(tables, cursor.fetchone(), strict=True))


def run_case(case: Case, user) -> Outcome:
    """A dry run of ``case`` as the import page runs it (in English, for the messages)."""
    handler = _Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    before = _counts()
    crash = ""
    try:
        with translation.override("en"):
            record = import_start(
                user=user,
                kind=case.kind,
                upload=SimpleUploadedFile(case.name, case.data()),
                locale=case.locale,
            )
            try:
                record = import_dry_run(record=record)
            except Exception as error:  # the page would answer 500
                crash = f"{type(error).__name__}: {error}"
                record.refresh_from_db()
    finally:
        root.removeHandler(handler)
    after = _counts()
    return Outcome(
        status=record.status,
        error_count=record.error_count,
        errors=list(record.errors),
        reason=record.errors[0]["message"] if record.errors else "",
        message=record.message,
        logged=handler.seen,
        written={name: (before[name], after[name]) for name in before if before[name] != after[name]},
        crash=crash,
    )


def check_outcome(case: Case, outcome: Outcome) -> None:
    """What every dry run must do, whatever the file."""
    where = f"{case.name} spoiled by {case.spoiled}"
    assert not outcome.server_error, f"{where}: {outcome.crash or outcome.logged or outcome.message}"
    assert outcome.status in (ImportStatus.DRY_RUN, ImportStatus.FAILED), (where, outcome.status)
    assert not outcome.unlocated(), (where, outcome.unlocated())
    assert not outcome.written, (where, outcome.written)
    assert outcome.error_count >= len(outcome.errors)
    if not case.spoiled:
        # Rows as the kind exports them import again as they are.
        assert outcome.accepted, (where, outcome.errors[:3])


def tally(outcomes: list[Outcome]) -> dict[str, Any]:
    """Counts for the benchmark: accepted, refused by reason, server errors, unlocated errors."""
    refused = Counter(o.first_reason for o in outcomes if not o.accepted and not o.server_error)
    return {
        "files": len(outcomes),
        "accepted": sum(o.accepted for o in outcomes),
        "refused": sum(1 for o in outcomes if not o.accepted and not o.server_error),
        "server_errors": sum(o.server_error for o in outcomes),
        "unlocated": sum(bool(o.unlocated()) for o in outcomes),
        "written": sum(bool(o.written) for o in outcomes),
        "refused_by_reason": dict(refused.most_common()),
    }
