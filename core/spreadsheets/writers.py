"""Write rows as the spreadsheets pcc hands out: XLSX (templates, exports) and CSV."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.translation import gettext

from core.formatting import xlsx_number_format
from core.spreadsheets.columns import Column, ColumnType, NumberLocale
from core.spreadsheets.formulas import escape_formula, is_formula_like


def header_row(columns: Sequence[Column]) -> list[str]:
    return [h for column in columns for h in column.headers]


def export_cells(columns: Sequence[Column], values: dict[str, Any]) -> list[Any]:
    """The cells of one row; money becomes its amount and its currency, never an empty cell."""
    return [cell for column in columns for cell in column.export(values.get(column.name))]


def write_xlsx(
    stream: BinaryIO,
    *,
    sheet: str,
    columns: Sequence[Column],
    rows: Iterable[dict[str, Any]],
    validations: bool = False,
    created: datetime.datetime | None = None,
) -> None:
    """Write rows (dicts keyed by column name) as one sheet, streaming (xlsxwriter ``constant_memory``).

    Formula-like text is written with a quote prefix (:mod:`core.spreadsheets.formulas`).
    ``validations`` adds drop-down lists on choice and currency columns (for templates). ``created``
    fixes the file's creation date, so the same rows give the same bytes (files kept in git).
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        stream,
        {"constant_memory": True, "in_memory": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    if created is not None:
        workbook.set_properties({"created": created})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    text_format = workbook.add_format({"quote_prefix": True})
    # Money stays a number, shown with two decimals (core.formatting's format code).
    money_format = workbook.add_format({"num_format": xlsx_number_format(places=2)})
    number_formats = [
        money_format if column.type == ColumnType.MONEY and position == 0 else None
        for column in columns
        for position, _header in enumerate(column.headers)
    ]
    headers = header_row(columns)
    worksheet.write_row(0, 0, headers, bold)
    worksheet.freeze_panes(1, 0)
    for index, header in enumerate(headers):
        worksheet.set_column(index, index, max(12, len(header) + 2))
    number = 0
    for number, values in enumerate(rows, start=1):
        for index, cell in enumerate(export_cells(columns, values)):
            if cell is None or cell == "":
                continue
            if isinstance(cell, datetime.date):
                worksheet.write_datetime(number, index, cell, date_format)
            elif isinstance(cell, Decimal):
                # xlsx stores numbers as binary floats; money keeps its two decimals exactly.
                worksheet.write_number(number, index, float(cell), number_formats[index])
            elif isinstance(cell, bool):
                worksheet.write_boolean(number, index, cell)
            elif isinstance(cell, int | float):
                worksheet.write_number(number, index, cell)
            else:
                text = str(cell)
                worksheet.write_string(number, index, text, text_format if is_formula_like(text) else None)
    if validations:
        index = 0
        last_row = max(number, 1000)
        for column in columns:
            for header in column.headers:
                choices: Sequence[str] = ()
                if column.type == ColumnType.CHOICE:
                    choices = column.choices
                elif header.endswith("_currency") or column.type == ColumnType.CURRENCY:
                    choices = [code for code, _label in settings.CURRENCY_CHOICES]
                if choices and sum(len(c) + 1 for c in choices) <= 255:
                    worksheet.data_validation(
                        1,
                        index,
                        last_row,
                        index,
                        {
                            "validate": "list",
                            "source": list(choices),
                            "error_title": str(column.label or column.name)[:32],
                            "error_message": gettext("Choose a value from the list."),
                        },
                    )
                index += 1
    workbook.close()


def write_csv(
    stream: io.TextIOBase,
    *,
    columns: Sequence[Column],
    rows: Iterable[dict[str, Any]],
    locale: str = NumberLocale.DOT,
    header: bool = True,
) -> None:
    """Write rows as CSV; with the ``1.234,56`` locale, decimals use a comma and fields a semicolon.

    Formula-like text gets an apostrophe in front (:func:`~core.spreadsheets.formulas.escape_formula`).
    """
    comma = locale == NumberLocale.COMMA
    writer = csv.writer(stream, delimiter=";" if comma else ",")
    if header:
        writer.writerow(header_row(columns))
    for values in rows:
        cells = []
        for cell in export_cells(columns, values):
            if cell is None:
                cells.append("")
            elif isinstance(cell, Decimal | float):
                text = f"{cell:f}" if isinstance(cell, Decimal) else repr(cell)
                cells.append(text.replace(".", ",") if comma else text)
            elif isinstance(cell, datetime.date):
                cells.append(cell.isoformat())
            else:
                cells.append(escape_formula(str(cell)))
        writer.writerow(cells)
