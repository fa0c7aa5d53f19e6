"""Text a spreadsheet program would run as a formula, and the escape every export gives it.

OWASP's rule for CSV injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return, or with one of the first four after leading whitespace (``" =HYPERLINK(…)"`` still runs in
some programs), is prefixed with an apostrophe, which spreadsheet programs read as "this is text".
CSV writes the apostrophe into the cell; XLSX sets the cell's quote prefix, the same apostrophe as
Excel stores it (the value itself is unchanged). Numbers are never text: a negative amount stays a
number. Reading a CSV back, :func:`unescape_formula` removes the apostrophe again, so an export
imports without changes.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r")


def is_formula_like(text: str) -> bool:
    if not text:
        return False
    first = text[0]
    if first in FORMULA_STARTS or first in CONTROL_STARTS:
        return True
    return first.isspace() and text.lstrip()[:1] in FORMULA_STARTS


def escape_formula(text: str) -> str:
    """``text`` with an apostrophe in front when a spreadsheet program would run it as a formula."""
    return "'" + text if is_formula_like(text) else text


def unescape_formula(text: str) -> str:
    """The text :func:`escape_formula` escaped, as it was; any other text as it is."""
    return text[1:] if text[:1] == "'" and is_formula_like(text[1:]) else text
