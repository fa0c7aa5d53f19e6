"""Read targets ("Meta") and month ranges as the work plans print them.

Targets seen: ``10``, ``80%``, ``1.5%``, ``1 millar``, ``2 reuniones anuales por socio``,
``$ 10 (mes/socio)``, ``1 y 2``, ``2 Total =12``, ``Estudio al 100%``, ``n.d.``, ``-``, text.
Month ranges seen: ``Set - Dic``, ``Set. – Dic``, ``Nov - Dic``, ``octubre``, ``Setiembre-diciembre``, ``-``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.numbers import AmbiguousNumberError, NumberFormatError, parse_amount


class TargetKind(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENTAGE = "percentage", _("Percentage")
    MONEY = "money", _("Money")
    QUANTITY = "quantity", _("Quantity with unit")
    PAIR = "pair", _("Pair of numbers")
    TEXT = "text", _("Text")
    NOT_AVAILABLE = "nd", _("Not available (n.d. / -)")
    BLANK = "blank", _("Not printed")


NUMERIC_KINDS = frozenset({TargetKind.NUMBER, TargetKind.PERCENTAGE, TargetKind.MONEY, TargetKind.QUANTITY})


@dataclass(frozen=True)
class ParsedTarget:
    kind: str
    value: Decimal | None = None
    second_value: Decimal | None = None
    unit: str = ""
    currency: str = ""


# Digits with the separators the source prints ("1.5", "1,500", "1'500", "1.500,50"); the
# reading itself is core.numbers', so targets and amounts follow the same conventions.
_NUMBER = r"\d(?:[\d'.,]*\d)?"
_PERCENT = re.compile(rf"^({_NUMBER})\s*%\s*(.*)$")
_PLAIN = re.compile(rf"^({_NUMBER})$")
_MONEY = re.compile(rf"^(\$|US\$|S/\.?|CHF)\s*({_NUMBER})\s*(.*)$")
_PAIR = re.compile(rf"^({_NUMBER})\s+y\s+({_NUMBER})$")
_QUANTITY = re.compile(rf"^({_NUMBER})\s+(\D.*)$")
_CURRENCIES = {"$": "USD", "US$": "USD", "S/": "PEN", "S/.": "PEN", "CHF": "CHF"}


def _decimal(text: str) -> Decimal:
    """The number in a target, read by :func:`core.numbers.parse_amount`.

    A lone separator before three digits is a thousands separator in a target: the work plans
    write thousands with a comma ("10,000 empleos", "7,700 unidades productivas", source line
    295) and the tourism budget with a point ("321.895", line 1087), while their decimals
    have one or two digits ("1.5%", line 413; "0,00", line 1041). Only exchange rates print three
    decimals ("1.123 CHF por US$", line 916), and a rate is never a target.
    Raises :class:`core.numbers.NumberFormatError` for digits that are not a number ("1,50,0").
    """
    try:
        parsed = parse_amount(text)
    except AmbiguousNumberError:
        parsed = parse_amount(text, decimal_separator="." if "," in text else ",")
    return parsed.value


def parse_target(printed: str) -> ParsedTarget:
    """The typed reading of a printed target; anything not clearly numeric is text."""
    text = " ".join(printed.split())
    if not text:
        return ParsedTarget(TargetKind.BLANK)
    if text.lower() in {"n.d.", "n.d", "-", "–", "—"}:
        return ParsedTarget(TargetKind.NOT_AVAILABLE)
    try:
        if m := _PLAIN.match(text):
            return ParsedTarget(TargetKind.NUMBER, _decimal(m[1]))
        if m := _PERCENT.match(text):
            return ParsedTarget(TargetKind.PERCENTAGE, _decimal(m[1]), unit=f"% {m[2]}".strip())
        if m := _MONEY.match(text):
            return ParsedTarget(
                TargetKind.MONEY, _decimal(m[2]), unit=m[3].strip(), currency=_CURRENCIES[m[1]]
            )
        if m := _PAIR.match(text):
            return ParsedTarget(TargetKind.PAIR, _decimal(m[1]), _decimal(m[2]))
        if m := _QUANTITY.match(text):
            return ParsedTarget(TargetKind.QUANTITY, _decimal(m[1]), unit=m[2].strip())
    except NumberFormatError:
        pass
    return ParsedTarget(TargetKind.TEXT)


# Numbers written as words in the plans ("cinco mesas de trabajo", line 756); "un"/"una" are left out: they are
# far more often an article than a count.
NUMBER_WORDS = {
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "quince": 15,
    "veinte": 20,
}
_IN_TEXT = re.compile(
    rf"(?<![\w.,'/])({_NUMBER}|{'|'.join(NUMBER_WORDS)})(?![\w.,']*\d)(\s*%|\s+[^\W\d_]+)(\s+[^\W\d_]{{3,}})?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    """A count in a sentence: ``20 promotores`` → (20, "promotores"); ``50%`` → (50, "%")."""

    value: Decimal
    unit: str
    text: str


def quantities(text: str) -> list[Quantity]:
    """The counts a sentence states, each with the word after it (its unit). Years (``2008``) are no
    count; digits that are not a number are skipped rather than guessed."""
    found = []
    for match in _IN_TEXT.finditer(" ".join((text or "").split())):
        number, unit = match[1], match[2].strip().lower()
        if number.lower() in NUMBER_WORDS:
            value = Decimal(NUMBER_WORDS[number.lower()])
        else:
            try:
                value = _decimal(number)
            except NumberFormatError:
                continue
            if len(number) == 4 and number.isdigit() and 1900 <= value <= 2100:
                continue  # a year
        found.append(Quantity(value, unit, match[0].strip()))  # shown with the word after its unit
    return found


def disagreeing(a: str, b: str) -> list[tuple[Quantity, Quantity]]:
    """Counts of the same unit that two texts state differently: for each unit both state, a pair when no
    value of one is a value of the other (``20 promotores`` against ``10 promotores``)."""
    ours, theirs = quantities(a), quantities(b)
    pairs = []
    for unit in dict.fromkeys(q.unit for q in ours):
        mine = [q for q in ours if q.unit == unit]
        other = [q for q in theirs if q.unit == unit]
        if other and not {q.value for q in mine} & {q.value for q in other}:
            pairs.append((mine[0], other[0]))
    return pairs


MONTHS = {
    "ene": 1,
    "enero": 1,
    "feb": 2,
    "febrero": 2,
    "mar": 3,
    "marzo": 3,
    "abr": 4,
    "abril": 4,
    "may": 5,
    "mayo": 5,
    "jun": 6,
    "junio": 6,
    "jul": 7,
    "julio": 7,
    "ago": 8,
    "agosto": 8,
    "set": 9,
    "sep": 9,
    "sept": 9,
    "setiembre": 9,
    "septiembre": 9,
    "oct": 10,
    "octubre": 10,
    "nov": 11,
    "noviembre": 11,
    "dic": 12,
    "diciembre": 12,
}


class MonthRangeError(ValueError):
    pass


def parse_month_range(printed: str, year: int) -> tuple[datetime.date | None, datetime.date | None]:
    """First days of the start and end months of ``printed`` ("Set – Dic", "octubre"); ``-`` → no months."""
    text = printed.strip().lower()
    if text in {"", "-", "–", "—"}:
        return None, None
    parts = [p.strip(" .") for p in re.split(r"\s*[-–]\s*", text) if p.strip(" .")]
    if not 1 <= len(parts) <= 2:
        raise MonthRangeError(f"{printed!r}: expected a month or a range of two months")
    try:
        numbers = [MONTHS[p] for p in parts]
    except KeyError as exc:
        raise MonthRangeError(f"{printed!r}: unknown month {exc.args[0]!r}") from None
    start, end = datetime.date(year, numbers[0], 1), datetime.date(year, numbers[-1], 1)
    if start > end:
        raise MonthRangeError(f"{printed!r}: the range ends before it starts")
    return start, end


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = datetime.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months
