"""The ``exchange-rates`` importable kind: core's shared rates, keyed on their ``code``.

Imported from the import pages, the admin's Import button and the command line alike; site
administrators only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements.access import Level
from core.models import ExchangeRate
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError
from imports.lookups import SHARED_LOOKUPS, document_id
from imports.registry import ImportContext, register_importer

EXCHANGE_RATE_COLUMNS = [
    Column(
        "code",
        _("code"),
        max_length=80,
        example="pcc-2008-chf-pen",
        help_text=_("Unique code of the rate, letters, digits and dashes."),
    ),
    Column("base_currency", _("base currency"), ColumnType.CURRENCY, example="CHF"),
    Column("quote_currency", _("quote currency"), ColumnType.CURRENCY, example="PEN"),
    Column("rate", _("rate"), ColumnType.DECIMAL, example=Decimal("2.65")),
    Column("valid_from", _("valid from"), ColumnType.DATE, example="2008-09-01"),
    Column("valid_to", _("valid to"), ColumnType.DATE, example="2008-12-31"),
    Column("description", _("as stated"), required=False, max_length=500, example="1 CHF = 2.65 PEN"),
    Column("used_by", _("used by tables"), required=False, max_length=500, example=""),
    Column("document", _("document"), required=False, max_length=80, example=""),
    Column("line", _("seed line"), ColumnType.INTEGER, required=False, example=None),
]


def _exchange_rate_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    if values["rate"] <= 0:
        raise CellError(gettext_noop("expected a rate above zero"), column="rate")
    if values["base_currency"] == values["quote_currency"]:
        raise CellError(
            gettext_noop("the quote currency must differ from the base currency"), column="quote_currency"
        )
    if values["valid_from"] > values["valid_to"]:
        raise CellError(gettext_noop("the period ends before it starts"), column="valid_to")
    document = document_id(values, context)
    if values["line"] is not None and values["line"] < 1:
        raise CellError(gettext_noop("expected a line number from 1"), column="line")
    return {"document_id": document}


STORED = (
    "code",
    "base_currency",
    "quote_currency",
    "rate",
    "valid_from",
    "valid_to",
    "description",
    "used_by",
    "line",
)


register_importer(
    "exchange-rates",
    label=_("Exchange rates"),
    model=ExchangeRate,
    columns=EXCHANGE_RATE_COLUMNS,
    natural_key=["code"],
    stored=STORED,
    exported={"document": "document.code"},
    build=_exchange_rate_row,
    queryset=lambda user: ExchangeRate.objects.select_related("document").order_by("valid_from", "code"),
    level=Level.SITE,
    lookups={"documents": SHARED_LOOKUPS["documents"]},
    field_columns={"document": "document"},
)
