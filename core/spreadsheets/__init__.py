"""Read and write the spreadsheets users exchange with pcc: XLSX, CSV and ODS.

By concept: :mod:`~core.spreadsheets.errors` (the located :class:`Problem` every refusal carries),
:mod:`~core.spreadsheets.columns` (typed columns and cell parsers),
:mod:`~core.spreadsheets.readers` (streaming XLSX, ODS and CSV readers, and their limits) and
:mod:`~core.spreadsheets.writers` (XLSX and CSV). The names below are the package's public API;
limits are read by the readers from their own module, so patch them there.
"""

from core.spreadsheets.columns import (
    Column,
    ColumnType,
    NumberLocale,
    parse_currency,
    parse_date,
    parse_number,
)
from core.spreadsheets.errors import CellError, Problem, SpreadsheetError
from core.spreadsheets.readers import (
    CSV,
    MAX_BLANK_ROWS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    ODS,
    XLSX,
    Row,
    SpreadsheetReader,
    column_letter,
    sniff_format,
)
from core.spreadsheets.writers import export_cells, header_row, write_csv, write_xlsx

__all__ = [
    "CSV",
    "MAX_BLANK_ROWS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "ODS",
    "XLSX",
    "CellError",
    "Column",
    "ColumnType",
    "NumberLocale",
    "Problem",
    "Row",
    "SpreadsheetError",
    "SpreadsheetReader",
    "column_letter",
    "export_cells",
    "header_row",
    "parse_currency",
    "parse_date",
    "parse_number",
    "sniff_format",
    "write_csv",
    "write_xlsx",
]
