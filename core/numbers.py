"""Parse amounts as the source documents print them.

Formats seen: ``4'087,460.00``, ``3'283.290.00``, ``152.849,00``, ``321.895``, ``28,154``,
``(23'940)``, ``(0)``, ``13000``, ``-``, ``--``, ``n.a.``, ``0,00``. A lone separator followed by
exactly three digits (``28,154``, ``321.895``) is ambiguous: the caller says which character is
the decimal separator of the table, or the parser refuses.
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
_ALLOWED = re.compile(r"^[0-9.,']+$")


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


def parse_amount(text: str, *, decimal_separator: str | None = None) -> ParsedAmount:
    """Read a printed amount. ``decimal_separator`` ('.' or ',') settles ambiguous cases."""
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
    if not _ALLOWED.match(cleaned):
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
