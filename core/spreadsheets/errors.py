"""The errors of reading a spreadsheet: a located :class:`Problem`, the whole-file
:class:`SpreadsheetError` and the one-cell :class:`CellError`.

``message`` is always an untranslated msgid, rendered in the reader's language when shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext


@dataclass(frozen=True)
class Problem:
    """One located error. ``message`` is an untranslated msgid, ``params`` fill its placeholders."""

    message: str
    params: dict = field(default_factory=dict)
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""

    def __post_init__(self):
        # A NUL quoted from the file (a header, a value) is kept visible as "\x00" in the message, the
        # stored error and the status change's reason alike: PostgreSQL stores no NUL in text or JSON.
        for name in ("params", "file", "sheet", "column", "value"):
            object.__setattr__(self, name, _without_nul(getattr(self, name)))

    def text(self) -> str:
        """The message in the active language."""
        return gettext(self.message) % self.params if self.params else gettext(self.message)

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(gettext("sheet %(sheet)s") % {"sheet": self.sheet})
        if self.row is not None:
            parts.append(gettext("row %(row)s") % {"row": self.row})
        if self.column:
            parts.append(gettext("column %(column)s") % {"column": self.column})
        return ", ".join(parts)

    def __str__(self) -> str:
        value = gettext(" (value %(value)r)") % {"value": self.value} if self.value else ""
        return f"{self.location()}: {self.text()}{value}"

    def as_json(self) -> dict:
        return {
            key: getattr(self, key)
            for key in ("message", "params", "file", "sheet", "row", "column", "value")
        }

    @classmethod
    def from_json(cls, data: dict) -> Problem:
        return cls(**data)


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(item) for item in value]
    return value


class SpreadsheetError(ValueError):
    """A file pcc refuses as a whole; ``problem`` says where and why."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message % problem.params if problem.params else problem.message)


class CellError(ValueError):
    """A cell that does not hold what its column expects; ``message``/``params`` as in :class:`Problem`."""

    def __init__(self, message: str, params: dict | None = None, *, column: str = ""):
        self.message = message
        self.params = params or {}
        self.column = column
        super().__init__(message)
