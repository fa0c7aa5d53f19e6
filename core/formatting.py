"""The one place where figures and dates are written for a reader: pages, PDF, messages, admin, XLSX.

Numbers follow the reader's *style* (``User.number_format``, else their organisation's):

- ``ch`` (Swiss): ``4'087'460.00``, ``CHF 4'087'460.00``, ``50.0 %``, ``12.3 KB``;
- ``pe`` (Peruvian): ``4,087,460.00``, ``US$ 4,087,460.00``, ``50.0 %``, ``12.3 KB``.

- Rounding is :func:`core.money.round_amount` (half away from zero); a negative figure is written with a
  leading minus (``-23'940.00``); a missing one as ``—``.
- Money is always *currency label, space, amount*: the label is ``CHF`` or ``US$`` (never ``USD``), so
  ``4086384 CHF`` or ``USD 4,086,384`` is never written by pcc.
- A percentage has one decimal by default and a no-break space before the sign (``50.0 %``), in both
  styles (both write the decimal point); grouping applies as for amounts (``1'250.0 %``).
- A file size is in bytes below 1 KB (``812 B``), else KB/MB/GB of 1024 with one decimal.

Dates follow the reader's *language*, one pattern per language (:data:`DATE_PATTERNS`): day first
and numeric (``31.10.2008``, ``31.10.2008 14:05``) in English and Spanish alike, as both the Swiss and
the Peruvian documents write the day first; a numeric date also sidesteps the source's "Setiembre". Where
a month stands alone (schedules, plan periods) it is named by Django's catalogue: ``Oct 2008`` /
``oct 2008``, Spanish ``sep``/``septiembre`` (pcc's one spelling; the source's own text is quoted as is).

In an XLSX file a figure stays a number; :func:`xlsx_number_format` gives its format code (``#,##0.00``),
whose grouping mark the spreadsheet application draws in its user's locale (a format code cannot
write an apostrophe grouping for every magnitude).

The reader is set once per request by :class:`core.middleware.ReaderMiddleware` (and by
:func:`reading_as` for a PDF rendered in the background); functions taking ``style=None`` or
``language=None`` use the current reader's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import dateformat, timezone, translation
from django.utils.functional import LazyObject, empty

from core.money import round_amount
from core.numbers import number_style

SWISS, PERUVIAN = "ch", "pe"  # core.models.NumberFormat
STYLES = (SWISS, PERUVIAN)
DEFAULT_STYLE = PERUVIAN
CURRENCY_LABELS = {"USD": "US$"}
MISSING = "—"

# One date pattern (Django's date-format letters) per language; a language not listed uses "en"'s.
DATE_PATTERNS = {"en": "d.m.Y", "es": "d.m.Y"}
DATETIME_PATTERNS = {"en": "d.m.Y H:i", "es": "d.m.Y H:i"}
MONTH_PATTERNS = {"en": "M Y", "es": "b Y"}  # "Oct 2008", "oct 2008"
MONTH_ONLY_PATTERNS = {"en": "M", "es": "b"}

# The reader: a style ("ch"/"pe") or a user whose style is looked up when first needed.
_reader: ContextVar[Any] = ContextVar("pcc_reader", default=None)


# ---------------------------------------------------------------------------------------------
# The reader


def style_of(user) -> str:
    """``user``'s number style: their own choice, else their (first) organisation's, else the default.

    The organisation is found through the user's memberships (whatever app defines them) and kept on the
    user object, so a page asks for it once.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return DEFAULT_STYLE
    if getattr(user, "number_format", ""):
        return user.number_format
    cached = getattr(user, "_reader_style", None)
    if cached is None:
        memberships = getattr(user, "memberships", None)
        membership = memberships.select_related("organisation").first() if memberships is not None else None
        cached = membership.organisation.number_format if membership else DEFAULT_STYLE
        user._reader_style = cached
    return cached


def current_style() -> str:
    """The current reader's style (the default outside a request and :func:`reading_as`)."""
    reader = _reader.get()
    if reader is None:
        return DEFAULT_STYLE
    if isinstance(reader, str):
        return reader
    # The request's user is a lazy object: every attribute read through it goes through its proxy, and a
    # page writes hundreds of figures. Once it is loaded, read the user itself (still live: a style the
    # user changes during the request is the one the rest of the page is written in).
    if isinstance(reader, LazyObject) and reader._wrapped is not empty:
        reader = reader._wrapped
    return style_of(reader)


@contextmanager
def reading_as(reader) -> Iterator[None]:
    """Format for ``reader`` (a user or a style) inside the block."""
    token = _reader.set(reader)
    try:
        yield
    finally:
        _reader.reset(token)


def _style(style: str | None) -> str:
    style = style or current_style()
    return style if style in STYLES else DEFAULT_STYLE


def _language(language: str | None) -> str:
    language = (language or translation.get_language() or "en").split("-")[0]
    return language if language in DATE_PATTERNS else "en"


# ---------------------------------------------------------------------------------------------
# Numbers


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def amount(value, style: str | None = None, places: int | None = 2) -> str:
    """``Decimal("4087460")`` → ``4'087'460.00`` (``ch``) or ``4,087,460.00`` (``pe``); ``None`` → ``—``.

    ``places=None`` keeps the figure's own decimals, without trailing zeros (a rate ``1.2500`` → ``1.25``).
    Text that is not a number is returned as it is.
    """
    number = _decimal(value)
    if number is None:
        return MISSING if value is None or value == "" else str(value)
    # The separators a reader of this style types and reads (core.numbers parses them back).
    written = number_style(_style(style))
    thousands, point = written.thousands, written.decimal
    if places is None:
        number = number.normalize()
        if number.as_tuple().exponent > 0:  # 4.086384E+6
            number = number.quantize(Decimal(1))
    else:
        number = round_amount(number, places)
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    text = thousands.join(groups)
    return f"{sign}{text}{point}{fraction}" if fraction else f"{sign}{text}"


def currency_label(currency) -> str:
    """``USD`` → ``US$``; other codes (``CHF``) as they are."""
    code = str(currency)
    return CURRENCY_LABELS.get(code, code)


def money(value, style: str | None = None, places: int = 2) -> str:
    """``Money(4087460, "CHF")`` → ``CHF 4'087'460.00``; ``Money(…, "USD")`` → ``US$ 4,087,460.00``."""
    if value is None or value == "":
        return MISSING
    return f"{currency_label(value.currency)} {amount(value.amount, style, places)}"


def figure(value, currency: str = "", style: str | None = None, places: int | None = 2) -> str:
    """A figure of a message: money when ``currency`` is given, else an amount."""
    text = amount(value, style, places)
    return f"{currency_label(currency)} {text}" if currency and text != MISSING else text


def percent(value, style: str | None = None, places: int | None = 1) -> str:
    """``Decimal("50")`` → ``50.0 %`` (both styles); ``places=None``: its own decimals (a tolerance
    ``0.50`` → ``0.5 %``); ``None`` → ``—``."""
    if _decimal(value) is None:
        return MISSING
    return f"{amount(value, style, places)}\u00a0%"  # a no-break space: the sign never wraps alone


SIZE_UNITS = ["KB", "MB", "GB", "TB"]


def size(value, style: str | None = None) -> str:
    """A file size: ``812`` → ``812 B``, ``12595`` → ``12.3 KB``, ``4300000`` → ``4.1 MB``."""
    if value is None or value == "":
        return MISSING
    number = Decimal(int(value))
    if abs(number) < 1024:
        return f"{amount(number, style, 0)} B"
    for unit in SIZE_UNITS:
        number /= 1024
        if abs(number) < 1024 or unit == SIZE_UNITS[-1]:
            return f"{amount(number, style, 1)} {unit}"
    raise AssertionError("unreachable")


def xlsx_number_format(style: str | None = None, places: int = 2) -> str:
    """The XLSX format code of an amount with ``places`` decimals: ``#,##0.00`` (a cell stays a number).

    The same code for every style: ``,`` in a format code is the grouping mark of the application's
    locale, not a literal comma.
    """
    return "#,##0" + ("." + "0" * places if places else "")


# ---------------------------------------------------------------------------------------------
# Dates


def _format(value, patterns: dict[str, str], language: str | None) -> str:
    language = _language(language)
    with translation.override(language):
        return dateformat.format(value, patterns[language])


def date(value, language: str | None = None) -> str:
    """``date(2008, 10, 31)`` → ``31.10.2008``; a datetime is taken on its local day; ``None`` → ``—``."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return _format(value, DATE_PATTERNS, language)


def datetime(value, language: str | None = None) -> str:
    """An instant in the site's time zone: ``31.10.2008 14:05``; ``None`` → ``—``."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    elif not isinstance(value, dt.datetime):
        return date(value, language)
    return _format(value, DATETIME_PATTERNS, language)


def month(value, language: str | None = None, *, year: bool = True) -> str:
    """A month: ``Oct 2008`` / ``oct 2008`` (``year=False``: ``Oct`` / ``oct``); ``None`` → ``—``."""
    if value is None or value == "":
        return MISSING
    return _format(value, MONTH_PATTERNS if year else MONTH_ONLY_PATTERNS, language)
