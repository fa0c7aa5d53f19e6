"""Bounds on what users type and files hold, read from the settings when they run (not when a migration
is written): dates in a sensible window, free texts of a sensible length.

Forms and imports share them: the model fields carry them as validators (the import checks rows with
the fields' validators) and :mod:`core.spreadsheets.columns` asks the same questions of every cell.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def date_window() -> tuple[datetime.date, datetime.date]:
    """The first and last date accepted (``PCC_DATE_MIN_YEAR``, ``PCC_DATE_MAX_YEAR``)."""
    return (
        datetime.date(settings.PCC_DATE_MIN_YEAR, 1, 1),
        datetime.date(settings.PCC_DATE_MAX_YEAR, 12, 31),
    )


def date_in_window(value: datetime.date) -> bool:
    first, last = date_window()
    return first <= value <= last


def validate_date_in_window(value: datetime.date | None) -> None:
    if value is None or date_in_window(value):
        return
    first, last = date_window()
    raise ValidationError(
        _("Expected a date between %(first)s and %(last)s."),
        code="date_window",
        params={"first": first.isoformat(), "last": last.isoformat()},
    )


def validate_text_length(value: str | None) -> None:
    if value and len(value) > settings.PCC_TEXT_MAX_CHARS:
        raise ValidationError(
            _("At most %(max)s characters (this text has %(length)s)."),
            code="max_length",
            params={"max": settings.PCC_TEXT_MAX_CHARS, "length": len(value)},
        )
