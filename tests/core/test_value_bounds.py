"""Dates and texts within bounds that are settings, for every import column as for the forms."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError

from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError
from core.spreadsheets.readers import SpreadsheetReader
from core.validators import validate_date_in_window, validate_text_length
from tests.core.test_spreadsheets import xlsx_bytes

DATE = Column("valid_from", type=ColumnType.DATE)


def date_refusal(raw) -> str | None:
    try:
        DATE.parse({"valid_from": raw}, locale="dot")
    except CellError as error:
        return error.message % error.params
    return None


@pytest.mark.parametrize("raw", ["0001-01-01", "31/12/9999", "1989-12-31", datetime.date(2101, 1, 1)])
def test_a_date_column_refuses_a_year_outside_the_window(raw):
    assert date_refusal(raw) == "expected a date between 1990-01-01 and 2100-12-31"


def test_a_date_cell_of_an_xlsx_in_year_9999_is_refused_like_a_typed_one():
    data = xlsx_bytes([["valid_from"], [datetime.datetime(9999, 12, 31)]])
    (row,) = SpreadsheetReader(io.BytesIO(data), name="r.xlsx", columns=[DATE]).rows()
    assert date_refusal(row.values["valid_from"]) == "expected a date between 1990-01-01 and 2100-12-31"


def test_the_sources_dates_are_inside_the_window():
    """The agreement runs from 1.9.2005 (source line 21); the extended phase ends in December 2008."""
    assert date_refusal("2005-09-01") is None and date_refusal("31/12/2008") is None


def test_the_window_and_the_text_limit_are_settings(settings):
    settings.PCC_DATE_MIN_YEAR, settings.PCC_DATE_MAX_YEAR, settings.PCC_TEXT_MAX_CHARS = 2005, 2012, 5
    assert date_refusal("2013-01-01") == "expected a date between 2005-01-01 and 2012-12-31"
    with pytest.raises(ValidationError):
        validate_date_in_window(datetime.date(2004, 12, 31))
    with pytest.raises(ValidationError) as caught:
        validate_text_length("Hamburgo")
    assert caught.value.params == {"max": 5, "length": 8}
    validate_text_length("Lyon")
