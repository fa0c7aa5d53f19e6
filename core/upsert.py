"""Create or update one row on its natural key, writing nothing when nothing differs.

The fixture loaders reload a programme as often as its files change; a save that changes no value would
still leave a history row (django-simple-history) saying it did. :func:`upsert` compares each value as
the database would hold it and saves only the fields that differ.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from djmoney.models.fields import MoneyField
from djmoney.money import Money
from djmoney.utils import get_currency_field_name
from simple_history.utils import bulk_create_with_history

from core.money import round_amount

M = TypeVar("M", bound=models.Model)

BULK_BATCH_SIZE = 500


def upsert(
    model: type[M],
    lookup: dict[str, Any],
    values: dict[str, Any],
    existing: dict[Hashable, M] | None = None,
    existing_key: Hashable = None,
    pending: list[M] | None = None,
    *,
    reason: str = "",
) -> tuple[M, bool]:
    """The row of ``model`` matching ``lookup``, created or updated with ``values``; and whether it was written.

    A new row is saved with ``lookup`` and ``values``; an existing one saves only the fields whose value
    differs (``update_fields``), and nothing at all when none does, so it gets no history row. ``reason``
    is the change reason of the history row a save writes.

    ``existing`` (instances already fetched, keyed by ``existing_key``) saves the look-up query; with
    ``pending``, a new object is appended there for :func:`create_pending` instead of being saved.
    """
    if existing is not None:
        obj = existing.get(existing_key)
    else:
        obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        if pending is None:
            _save(obj, reason)
        else:
            pending.append(obj)
        return obj, True
    changed = [name for name, value in values.items() if differs(obj, name, value)]
    if not changed:
        return obj, False
    for name in changed:
        setattr(obj, name, values[name])
    _save(obj, reason, update_fields=_columns(obj, changed))
    return obj, True


def differs(obj: models.Model, name: str, value: Any) -> bool:
    """Whether saving ``value`` into field ``name`` of ``obj`` would change what the database holds.

    Values are compared as the field stores them: a related row by its key, an amount with its currency
    to the field's decimal places, a text, number or date as the field converts it (``"5"`` and ``5`` in
    an integer field are the same), JSON after a round trip through the field's encoder.
    """
    field = obj._meta.get_field(name)
    if field.is_relation:
        current = getattr(obj, field.attname)
        return current != (value.pk if isinstance(value, models.Model) else value)
    current = getattr(obj, name)
    if isinstance(field, MoneyField):
        if current is None or value is None:
            return current is not value
        if not isinstance(value, Money):
            return True  # an amount without its currency cannot be compared; let the field refuse it on save
        return (current.amount, str(current.currency)) != (
            _to_places(field, value.amount),
            str(value.currency),
        )
    if value is None:
        return current is not None
    if isinstance(field, models.JSONField):
        return current != json.loads(json.dumps(value, cls=field.encoder), cls=field.decoder)
    if isinstance(field, models.DecimalField):
        return current != _to_places(field, value)
    return current != field.to_python(value)


def _to_places(field: models.DecimalField, value: Any) -> Decimal:
    # The database keeps ``decimal_places``: 1.005 in a two-place column reads back 1.00 or 1.01, never 1.005.
    amount = field.to_python(value)
    return round_amount(amount, field.decimal_places)


def _columns(obj: models.Model, names: list[str]) -> list[str]:
    """``names`` with the currency column of each amount, which a ``Money`` value sets too."""
    columns = list(names)
    for name in names:
        field = obj._meta.get_field(name)
        if isinstance(field, MoneyField):
            columns.append(get_currency_field_name(name, field))
    return list(dict.fromkeys(columns))


def _save(obj: models.Model, reason: str, update_fields: list[str] | None = None) -> None:
    if reason:
        obj._change_reason = reason  # read by simple-history for the history row of this save
    obj.save(update_fields=update_fields)


def create_pending(model: type[M], objs: list[M], *, reason: str = "") -> None:
    """Insert the new objects :func:`upsert` left in ``pending``, each with its creation history row."""
    if objs:
        bulk_create_with_history(
            objs, model, batch_size=BULK_BATCH_SIZE, default_change_reason=reason or None
        )
