"""Look-ups the importable kinds of every app share, each built once per import (one query).

The programmes an import may write to are :func:`agreements.access.import_programmes` for the kind's
level (administrator, staff, partner editor). Components, source documents,
organisations and exchange rates are named in files by code (or acronym); a link to a programme,
a document, an organisation or a rate is resolved by its :class:`~imports.registry.ModelColumn`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from agreements import access
from agreements.models import Component, Programme
from core.models import Document, ExchangeRate, Organisation
from imports.registry import SHARED_LOOKUPS, ImportContext, found_by_code


def writable_programmes(context: ImportContext) -> dict[str, int]:
    """The programmes the importing user may write to, by code."""
    programmes = access.import_programmes(context.user, context.importer.level)
    return dict(programmes.values_list("code", "id"))


SHARED_LOOKUPS.update(
    {
        "programmes": writable_programmes,
        "components": lambda context: {
            (programme_id, code): pk
            for pk, programme_id, code in Component.objects.values_list("id", "programme_id", "code")
        },
        "documents": lambda context: dict(Document.objects.values_list("code", "id")),
        "rates": lambda context: dict(ExchangeRate.objects.values_list("code", "id")),
        "organisations": lambda context: dict(Organisation.objects.values_list("acronym", "id")),
    }
)
NOT_STAFF = gettext_noop("%(programme)s is not a programme you are staff of")
NO_ORGANISATION = gettext_noop("no organisation with the acronym %(code)s")
NO_RATE = gettext_noop("no exchange rate with the code %(code)s")
found_by_code(Programme, "programmes", NOT_STAFF)
found_by_code(Document, "documents", gettext_noop("no source document with the code %(code)s"))
found_by_code(Organisation, "organisations", NO_ORGANISATION)
found_by_code(ExchangeRate, "rates", NO_RATE)


def programme_id(values: dict[str, Any], context: ImportContext) -> int:
    """The id of the programme a row names in its ``programme`` cell, if the user may write to it."""
    code = values["programme"]
    return context.find("programmes", code, NOT_STAFF, {"programme": code}, column="programme")


def component_id(values: dict[str, Any], programme: int, context: ImportContext) -> int | None:
    """The component a row names (by code, within ``programme``); ``None`` for an empty cell."""
    if not values["component"]:
        return None
    return context.find(
        "components",
        (programme, values["component"]),
        gettext_noop("the programme %(programme)s has no component %(component)s"),
        {"programme": values["programme"], "component": values["component"]},
        column="component",
    )


def named(
    values: dict[str, Any], column: str, cache: str, message: str, context: ImportContext
) -> int | None:
    """The id of what a cell names by code (or acronym) in the look-up ``cache``; ``None`` when empty.

    ``message`` (with ``%(code)s``) says what is missing when the code names nothing.
    """
    code = values[column]
    return context.find(cache, code, message, {"code": code}, column=column) if code else None
