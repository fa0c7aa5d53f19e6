"""Look-ups the importable kinds of every app share, each built once per import (one query).

The programmes an import may write to are :func:`agreements.access.import_programmes` for the kind's
level (administrator, staff, partner editor). Components, source documents,
organisations and exchange rates are named in files by code (or acronym).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from agreements import access
from agreements.models import Component
from core.models import Document, ExchangeRate, Organisation
from core.spreadsheets.errors import CellError
from imports.registry import ImportContext


def writable_programmes(context: ImportContext) -> dict[str, int]:
    """The programmes the importing user may write to, by code."""
    programmes = access.import_programmes(context.user, context.importer.level)
    return dict(programmes.values_list("code", "id"))


SHARED_LOOKUPS = {
    "programmes": writable_programmes,
    "components": lambda context: {
        (programme_id, code): pk
        for pk, programme_id, code in Component.objects.values_list("id", "programme_id", "code")
    },
    "documents": lambda context: dict(Document.objects.values_list("code", "id")),
    "rates": lambda context: dict(ExchangeRate.objects.values_list("code", "id")),
    "organisations": lambda context: dict(Organisation.objects.values_list("acronym", "id")),
}


def programme_id(values: dict[str, Any], context: ImportContext) -> int:
    """The id of the programme a row names in its ``programme`` cell, if the user may write to it."""
    found = context.cache("programmes").get(values["programme"])
    if found is None:
        raise CellError(
            gettext_noop("%(programme)s is not a programme you are staff of"),
            {"programme": values["programme"]},
            column="programme",
        )
    return found


def component_id(values: dict[str, Any], programme: int, context: ImportContext) -> int | None:
    """The component a row names (by code, within ``programme``); ``None`` for an empty cell."""
    if not values["component"]:
        return None
    found = context.cache("components").get((programme, values["component"]))
    if found is None:
        raise CellError(
            gettext_noop("the programme %(programme)s has no component %(component)s"),
            {"programme": values["programme"], "component": values["component"]},
            column="component",
        )
    return found


def named(
    values: dict[str, Any], column: str, cache: str, message: str, context: ImportContext
) -> int | None:
    """The id of what a cell names by code (or acronym) in the look-up ``cache``; ``None`` when empty.

    ``message`` (with ``%(code)s``) says what is missing when the code names nothing.
    """
    if not values[column]:
        return None
    found = context.cache(cache).get(values[column])
    if found is None:
        raise CellError(message, {"code": values[column]}, column=column)
    return found


def document_id(values: dict[str, Any], context: ImportContext) -> int | None:
    """The source document a row names by code; ``None`` for an empty cell."""
    return named(
        values, "document", "documents", gettext_noop("no source document with the code %(code)s"), context
    )
