"""Parse amounts as the source documents print them.

Formats seen: ``4'087,460.00``, ``3'283.290.00``, ``152.849,00``, ``321.895``, ``28,154``,
``(23'940)``, ``(0)``, ``13000``, ``-``, ``--``, ``n.a.``, ``0,00``. A lone separator followed by
exactly three digits (``28,154``, ``321.895``) is ambiguous: the caller says which character is
the decimal separator of the table, or the parser refuses.

What users type (forms) and what files hold (imports) is read by the same function in a
:class:`NumberStyle`: the user's or the file's. Only ASCII digits, the style's separators and the
apostrophe (thousands, in every style: the sources print it so) are read; ``1_000``, ``1e2`` and
other scripts' digits are refused. A lone separator before three digits that the style does not
settle (``1,234`` written Swiss style) is refused with both readings, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

APOSTROPHES = "'’`´"
EMPTY_MARKERS = {
    "-": "dash",
    "--": "dash",
    "—": "dash",
    "–": "dash",
    "n.a.": "n.a.",
    "n.a": "n.a.",
    "n.d.": "n.d.",
    "n.d": "n.d.",
    "": "blank",
}
# Markers that state no value (not applicable, not available): never a zero in a sum. A dash prints "nothing"
# (zero); a blank cell is nothing in an item row but unstated in a total row (budgets.rule_kinds).
UNSTATED_MARKERS = frozenset({"n.a.", "n.d."})
_ALLOWED = re.compile(r"[0-9.,']+")


class NumberFormatError(ValueError):
    """A printed value that is not a readable amount; ``str()`` says what and why."""

    def __init__(self, text: str, reason: str):
        self.text = text
        self.reason = reason
        super().__init__(f"{text!r}: {reason}")


class AmbiguousNumberError(NumberFormatError):
    pass


@dataclass(frozen=True)
class ParsedAmount:
    value: Decimal | None
    marker: str = ""  # "dash", "n.a.", "n.d.", "blank" when value is None

    @property
    def is_number(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class NumberStyle:
    """How a user or a file writes numbers: the decimal separator and the thousands separator."""

    decimal: str
    thousands: str
    example: str

    def parse(self, text: str) -> ParsedAmount:
        return parse_amount(text, decimal_separator=self.decimal, thousands_separator=self.thousands)


DOT = NumberStyle(".", ",", "1,234.56")
COMMA = NumberStyle(",", ".", "1.234,56")
SWISS = NumberStyle(".", "'", "1'234.56")
# Keyed by the files' number locales (core.spreadsheets.columns.NumberLocale) and by the users' and
# organisations' number formats (core.models.NumberFormat: "pe" Peruvian, "ch" Swiss).
STYLES = {"dot": DOT, "comma": COMMA, "swiss": SWISS, "pe": DOT, "ch": SWISS}


def number_style(name: str) -> NumberStyle:
    """The style of a file's locale or of a user's number format; Peruvian (``1,234.56``) when unset."""
    return STYLES.get(name, DOT)


def parse_amount(
    text: str, *, decimal_separator: str | None = None, thousands_separator: str | None = None
) -> ParsedAmount:
    """Read a printed amount. ``decimal_separator`` ('.' or ',') settles ambiguous cases.

    With ``thousands_separator`` too (a :class:`NumberStyle`), a lone separator before three digits
    that is neither of the two (a comma in a Swiss ``1,234``) is refused as ambiguous.
    """
    if decimal_separator not in (None, ".", ","):
        raise ValueError("decimal_separator must be '.', ',' or None")
    raw = text
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if cleaned.lower() in EMPTY_MARKERS:
        return ParsedAmount(None, EMPTY_MARKERS[cleaned.lower()])
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    elif cleaned.startswith("-"):
        negative, cleaned = True, cleaned[1:]
    for mark in APOSTROPHES:
        cleaned = cleaned.replace(mark, "'")
    if not cleaned:
        raise NumberFormatError(raw, _("no digits"))
    thousands_by_apostrophe = "'" in cleaned
    if not _ALLOWED.fullmatch(cleaned):
        raise NumberFormatError(raw, _("expected digits with ' , . separators, optionally in parentheses"))
    if not any(c.isdigit() for c in cleaned):
        raise NumberFormatError(raw, _("no digits"))

    separators = [(i, c) for i, c in enumerate(cleaned) if c in ".,"]
    if not separators:
        integer, fraction = cleaned, ""
        groups = integer.split("'")
        if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
            raise NumberFormatError(raw, _("thousands groups must have three digits"))
        integer = "".join(groups)
    else:
        last_pos, last_char = separators[-1]
        digits_after = len(cleaned) - last_pos - 1
        if (
            thousands_separator is not None
            and len(separators) == 1
            and digits_after == 3
            and last_char not in (decimal_separator, thousands_separator)
            and not thousands_by_apostrophe
        ):
            head, tail = cleaned[:last_pos], cleaned[last_pos + 1 :]
            raise AmbiguousNumberError(
                raw,
                _(
                    "%(sep)r followed by three digits may be a decimal or a thousands separator: "
                    "write %(thousands)s or %(decimal)s"
                )
                % {
                    "sep": last_char,
                    "thousands": f"{head}{thousands_separator}{tail}",
                    "decimal": f"{head}{decimal_separator}{tail}",
                },
            )
        if decimal_separator is not None:
            decimal_pos = max((i for i, c in separators if c == decimal_separator), default=None)
            if decimal_pos is not None and decimal_pos != last_pos:
                raise NumberFormatError(
                    raw, _("decimal separator %(sep)r is not the last separator") % {"sep": decimal_separator}
                )
            if sum(1 for _, c in separators if c == decimal_separator) > 1:
                raise NumberFormatError(
                    raw, _("decimal separator %(sep)r appears more than once") % {"sep": decimal_separator}
                )
        elif digits_after != 3:
            decimal_pos = last_pos
        elif sum(1 for _, c in separators if c == last_char) > 1:
            decimal_pos = None
        elif any(c != last_char for _, c in separators):
            decimal_pos = last_pos
        elif thousands_by_apostrophe:
            # 4'087,460: the apostrophe already marks thousands, so the comma does too.
            decimal_pos = None
        else:
            raise AmbiguousNumberError(
                raw,
                _(
                    "%(sep)r followed by three digits may be a decimal or a thousands separator; "
                    "state the table's decimal separator"
                )
                % {"sep": last_char},
            )
        if decimal_pos is not None:
            if digits_after == 0:
                raise NumberFormatError(raw, _("nothing after the decimal separator"))
            integer, fraction = cleaned[:decimal_pos], cleaned[decimal_pos + 1 :]
        else:
            integer, fraction = cleaned, ""
        if "'" in fraction:
            raise NumberFormatError(raw, _("apostrophe after the decimal separator"))
        groups = re.split(r"[.,']", integer)
        if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
            raise NumberFormatError(raw, _("thousands groups must have three digits"))
        integer = "".join(groups)
    if not integer:
        integer = "0"
    try:
        value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    except InvalidOperation:
        raise NumberFormatError(raw, _("not a number")) from None
    return ParsedAmount(-value if negative else value)
