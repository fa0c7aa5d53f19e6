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
from core.spreadsheets.errors import CellError
from imports.registry import ImportContext, ModelColumn, check_period, register_importer


def _exchange_rate_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    if values["rate"] <= 0:
        raise CellError(gettext_noop("expected a rate above zero"), column="rate")
    if values["base_currency"] == values["quote_currency"]:
        raise CellError(
            gettext_noop("the quote currency must differ from the base currency"), column="quote_currency"
        )
    check_period(values, "valid_from", "valid_to")
    if values["line"] is not None and values["line"] < 1:
        raise CellError(gettext_noop("expected a line number from 1"), column="line")
    return {}


register_importer(
    "exchange-rates",
    label=_("Exchange rates"),
    model=ExchangeRate,
    columns=[
        ModelColumn(
            "code",
            example="pcc-2008-chf-pen",
            help_text=_("Unique code of the rate, letters, digits and dashes."),
        ),
        ModelColumn("base_currency", example="CHF"),
        ModelColumn("quote_currency", example="PEN"),
        ModelColumn("rate", example=Decimal("2.65")),
        ModelColumn("valid_from", example="2008-09-01"),
        ModelColumn("valid_to", example="2008-12-31"),
        ModelColumn("description", example="1 CHF = 2.65 PEN"),
        ModelColumn("used_by", example=""),
        ModelColumn("document", "document.code", example=""),
        ModelColumn("line", example=None),
    ],
    natural_key=["code"],
    build=_exchange_rate_row,
    queryset=lambda user: ExchangeRate.objects.select_related("document").order_by("valid_from", "code"),
    level=Level.SITE,
)
