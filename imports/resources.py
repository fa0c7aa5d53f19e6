"""Spreadsheet import/export of exchange rates, and the money widgets other apps' resources share.

Two doors on the same data: :class:`ExchangeRateResource` (django-import-export, for the admin)
and the ``exchange-rates`` kind of :mod:`imports.services` (the staff pages, background jobs and
templates). Both key rows on the rate's ``code``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from djmoney.money import Money
from import_export import fields, resources, widgets

from agreements.access import Level
from core.models import Document, ExchangeRate
from core.spreadsheets import CellError, Column, ColumnType
from imports.lookups import SHARED_LOOKUPS, document_id
from imports.registry import ImportContext, register_importer

# --------------------------------------------------------------------------------------------
# Money for django-import-export


class MoneyAmountWidget(widgets.DecimalWidget):
    """The amount of a ``MoneyField`` as a number cell; the currency travels in its own column.

    django-import-export's default widget renders a ``Money`` as an empty cell; this one writes
    the amount and reads it back as a ``Decimal`` (the currency field keeps the currency).
    """

    def render(self, value: Any, obj=None, **kwargs) -> Any:
        if isinstance(value, Money):
            value = value.amount
        return super().render(value, obj, **kwargs)


class InFileScope(widgets.ForeignKeyWidget):
    """An object named as printed (a code, a line), looked up within what other cells of its row name.

    ``InFileScope(BudgetRow, "line", table__programme__code="programme", table__code="table")``
    finds the row at that line of the table and programme the same file row names.
    """

    def __init__(self, model, field: str, **scope: str):
        super().__init__(model, field=field)
        self.scope = scope

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.filter(**{lookup: row[column] for lookup, column in self.scope.items()})


def money_fields(name: str, *, label: str = "") -> dict[str, fields.Field]:
    """The two resource fields of a money field: ``<name>`` (amount) and ``<name>_currency``."""
    return {
        name: fields.Field(attribute=name, column_name=label or name, widget=MoneyAmountWidget()),
        f"{name}_currency": fields.Field(attribute=f"{name}_currency", column_name=f"{name}_currency"),
    }


# --------------------------------------------------------------------------------------------
# Exchange rates


class ExchangeRateResource(resources.ModelResource):
    document = fields.Field(
        attribute="document", column_name="document", widget=widgets.ForeignKeyWidget(Document, field="code")
    )

    class Meta:
        model = ExchangeRate
        import_id_fields = ["code"]
        fields = [
            "code",
            "base_currency",
            "quote_currency",
            "rate",
            "valid_from",
            "valid_to",
            "description",
            "used_by",
            "document",
            "line",
        ]
        export_order = fields
        skip_diff = True
        skip_unchanged = False
        clean_model_instances = True
        use_transactions = True


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
    return {
        "code": values["code"],
        "base_currency": values["base_currency"],
        "quote_currency": values["quote_currency"],
        "rate": values["rate"],
        "valid_from": values["valid_from"],
        "valid_to": values["valid_to"],
        "description": values["description"],
        "used_by": values["used_by"],
        "document_id": document,
        "line": values["line"],
    }


def _exchange_rate_export(rate: ExchangeRate) -> dict[str, Any]:
    return {
        "code": rate.code,
        "base_currency": rate.base_currency,
        "quote_currency": rate.quote_currency,
        "rate": rate.rate,
        "valid_from": rate.valid_from,
        "valid_to": rate.valid_to,
        "description": rate.description,
        "used_by": rate.used_by,
        "document": rate.document.code if rate.document_id else "",
        "line": rate.line,
    }


register_importer(
    "exchange-rates",
    label=_("Exchange rates"),
    model=ExchangeRate,
    columns=EXCHANGE_RATE_COLUMNS,
    natural_key=["code"],
    build=_exchange_rate_row,
    export=_exchange_rate_export,
    queryset=lambda user: ExchangeRate.objects.select_related("document").order_by("valid_from", "code"),
    level=Level.SITE,
    lookups={"documents": SHARED_LOOKUPS["documents"]},
    field_columns={"document": "document"},
)
