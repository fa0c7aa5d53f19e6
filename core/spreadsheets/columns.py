"""Typed columns: what an importable kind expects in each column, and the cell parsers.

Cells arrive raw (``str``, ``int``, ``float``, ``datetime``, ``bool`` or ``None``);
:meth:`Column.parse` turns them into typed values with the file's :class:`NumberLocale`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from djmoney.money import Money
from moneyed import CURRENCIES

from core.numbers import NumberFormatError, number_style
from core.spreadsheets.errors import CellError
from core.spreadsheets.formulas import unescape_formula
from core.validators import date_in_window, date_window


class NumberLocale(models.TextChoices):
    """How the numbers of a file are written; the decimal separator settles ``1,234`` vs ``1.234``."""

    DOT = "dot", "1,234.56"
    COMMA = "comma", "1.234,56"
    SWISS = "swiss", "1'234.56"

    @property
    def decimal_separator(self) -> str:
        return "," if self == NumberLocale.COMMA else "."


class ColumnType(models.TextChoices):
    TEXT = "text", _("text")
    DECIMAL = "decimal", _("number")
    INTEGER = "integer", _("whole number")
    MONEY = "money", _("amount")
    CURRENCY = "currency", _("currency code")
    DATE = "date", _("date")
    CHOICE = "choice", _("one of a list")
    BOOLEAN = "boolean", _("yes/no")


_TEXT, _DECIMAL, _INTEGER, _MONEY, _CURRENCY, _DATE, _CHOICE, _BOOLEAN = (t.value for t in ColumnType)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
_TRUE = {"1", "yes", "sí", "si", "true", "x", "y", "s"}
_FALSE = {"0", "no", "false", "n", ""}


@dataclass(frozen=True)
class Column:
    """One column of an importable kind.

    A ``MONEY`` column is two columns in files: ``<name>`` (the amount) and ``<name>_currency``.
    """

    name: str
    label: Any = ""
    type: str = ColumnType.TEXT
    required: bool = True
    choices: Sequence[str] = ()
    max_length: int | None = None
    example: Any = None
    help_text: Any = ""

    @property
    def headers(self) -> tuple[str, ...]:
        if self.type == ColumnType.MONEY:
            return (self.name, f"{self.name}_currency")
        return (self.name,)

    def parse(self, values: dict[str, Any], *, locale: str) -> Any:
        """The typed value of this column in a row of raw cells (keyed by header); raises :class:`CellError`."""
        raw = values.get(self.name)
        if self.type == _MONEY:
            amount = self._decimal(raw, locale)
            currency_raw = values.get(f"{self.name}_currency")
            if amount is None:
                if self.required:
                    raise CellError(gettext_noop("a value is required"))
                return None
            try:
                currency = parse_currency(currency_raw)
            except CellError as error:
                error.column = f"{self.name}_currency"
                raise
            return Money(amount, currency)
        if _is_blank(raw):
            if self.required:
                raise CellError(gettext_noop("a value is required"))
            return None if self.type != _TEXT else ""
        kind = self.type
        # Plain string comparisons: this runs for every cell of a large file.
        if kind == _TEXT:
            text = _text(raw)
            if self.max_length and len(text) > self.max_length:
                raise CellError(gettext_noop("at most %(max)s characters expected"), {"max": self.max_length})
            return text
        if kind == _DECIMAL:
            return self._decimal(raw, locale)
        if kind == _DATE:
            return parse_date(raw)
        if kind == _CURRENCY:
            return parse_currency(raw)
        if kind == _INTEGER:
            number = self._decimal(raw, locale)
            if number is None or number != number.to_integral_value():
                raise CellError(gettext_noop("expected a whole number"))
            return int(number)
        if kind == _BOOLEAN:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise CellError(gettext_noop("expected yes or no"))
        text = _text(raw)
        if text not in self.choices:
            raise CellError(
                gettext_noop("expected one of: %(choices)s"), {"choices": ", ".join(self.choices)}
            )
        return text

    def _decimal(self, raw: Any, locale: str) -> Decimal | None:
        if _is_blank(raw):
            if self.required:
                raise CellError(gettext_noop("a value is required"))
            return None
        return parse_number(raw, locale=locale)

    def export(self, value: Any) -> tuple:
        """The cells of this column for ``value`` (two for money: amount and currency)."""
        if self.type == ColumnType.MONEY:
            if value is None:
                return (None, None)
            return (value.amount, str(value.currency))
        return (value,)


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat() if raw.time() == datetime.time() else raw.isoformat()
    # A CSV export escaped formula-like text with an apostrophe: read back, it is the text exported.
    return unescape_formula(str(raw).strip())


def parse_number(raw: Any, *, locale: str) -> Decimal:
    """A decimal from a cell: numeric cells as they are, text with the file's decimal separator."""
    if isinstance(raw, bool):
        raise CellError(gettext_noop("expected a number, found yes/no"))
    if isinstance(raw, datetime.date | datetime.time):
        raise CellError(gettext_noop("expected a number, found a date"))
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        # repr() is the shortest text that reads back as the same float: 0.1 stays 0.1.
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw
    try:
        parsed = number_style(locale).parse(str(raw))
    except NumberFormatError as error:
        raise CellError(
            gettext_noop("expected an amount written %(format)s (%(reason)s)"),
            {"format": NumberLocale(locale).label, "reason": error.reason},
        ) from None
    if parsed.value is None:
        raise CellError(gettext_noop("expected a number, found %(marker)s"), {"marker": parsed.marker})
    return parsed.value


def parse_currency(raw: Any) -> str:
    code = _text(raw).upper() if not _is_blank(raw) else ""
    if not code:
        raise CellError(gettext_noop("a currency code is required"))
    if code not in CURRENCIES or not re.fullmatch(r"[A-Z]{3}", code):
        raise CellError(gettext_noop("expected an ISO 4217 currency code such as CHF, USD or PEN"))
    return code


def parse_date(raw: Any) -> datetime.date:
    """A date from a cell, within the accepted years (:func:`core.validators.date_window`)."""
    date = _date(raw)
    if not date_in_window(date):
        first, last = date_window()
        raise CellError(
            gettext_noop("expected a date between %(first)s and %(last)s"),
            {"first": first.isoformat(), "last": last.isoformat()},
        )
    return date


def _date(raw: Any) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        raise CellError(gettext_noop("expected a date, found a number"))
    text = str(raw).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(gettext_noop("expected a date such as 2008-09-30 or 30/09/2008"))
