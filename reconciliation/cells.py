"""How rules name a cell of a table: ``"<table code>/<line>/<column key>"``, a leading ``-`` when a sum
subtracts it. The one reading and writing of that reference, for the kinds that write rules (budgets) and
for what reads them back (the causes of findings)."""

from __future__ import annotations

import re

from django.utils.translation import gettext

_REFERENCE = re.compile(r"^(?P<sign>-?)(?P<table>[^/]+)/(?P<line>\d+)/(?P<column>[^/]+)$")


def ref(table, line: int, column: str, sign: int = 1) -> str:
    """``ref("sp12-cuadro-1", 580, "available", -1)`` → ``"-sp12-cuadro-1/580/available"`` (a table or its code)."""
    code = table if isinstance(table, str) else table.code
    return f"{'-' if sign < 0 else ''}{code}/{line}/{column}"


def parse_ref(text: str) -> tuple[int, str, int, str]:
    """``"-sp12-cuadro-1/580/available"`` → ``(-1, "sp12-cuadro-1", 580, "available")``; ``ValueError``
    for anything else."""
    match = _REFERENCE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(gettext("%(text)r is not a cell reference (table/line/column).") % {"text": text})
    return -1 if match["sign"] else 1, match["table"], int(match["line"]), match["column"]


def cell_of(text) -> tuple[str, int, str] | None:
    """``(table, line, column)`` of a reference, ``None`` when ``text`` is not one (any rule parameter)."""
    try:
        _sign, table, line, column = parse_ref(text)
    except ValueError:
        return None
    return table, line, column
