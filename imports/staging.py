"""Where an import keeps what it is doing: the checked rows of a dry run, its progress and cancel flag.

The dry run stages the rows it checked in a side file (JSON lines, Decimal, Money and dates tagged)
so the commit does not parse the spreadsheet again; progress is written where other sessions see it.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone
from djmoney.money import Money

from core.models import ImportRecord

logger = logging.getLogger(__name__)


def _encode(value: Any) -> Any:
    if isinstance(value, Money):
        return {"$m": [f"{value.amount:f}", str(value.currency)]}
    if isinstance(value, Decimal):
        return {"$d": f"{value:f}"}
    if isinstance(value, datetime.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$t": value.isoformat()}
    raise TypeError(f"Cannot stage {type(value).__name__}")


def _decode(data: dict) -> Any:
    if len(data) == 1:
        ((tag, value),) = data.items()
        decode = _DECODERS.get(tag)
        if decode is not None:
            return decode(value)
    return data


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$d": Decimal,
    "$t": datetime.date.fromisoformat,
    "$dt": datetime.datetime.fromisoformat,
    "$m": lambda value: Money(Decimal(value[0]), value[1]),
}


STAGE_ENCODER = json.JSONEncoder(default=_encode, separators=(",", ":"))


STAGE_DECODER = json.JSONDecoder(object_hook=_decode)


def staged_rows(stream) -> Iterator[tuple[int, dict[str, Any]]]:
    for line in stream:
        number, values = STAGE_DECODER.decode(line.decode())
        yield number, values


def drop_staged_name(record: ImportRecord, name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def write_progress(record: ImportRecord, **fields: Any) -> None:
    """Progress and a heartbeat (core.jobs), only while the record keeps the status its worker gave it: a
    record cancelled or recovered as stalled meanwhile is left as it was."""
    ImportRecord.objects.filter(pk=record.pk, status=record.status).update(
        heartbeat_at=timezone.now(), **fields
    )


def cancel_requested(record: ImportRecord) -> bool:
    return bool(ImportRecord.objects.filter(pk=record.pk).values_list("cancel_requested", flat=True).first())


class SideProgress:
    """Progress of a commit, written where other sessions can see it before the commit ends.

    The commit runs in one transaction, so its own writes stay invisible until the end; on
    PostgreSQL a second connection (autocommit) records the progress. SQLite allows one writer at
    a time, so there the progress simply appears when the transaction commits.
    """

    def __init__(self, record: ImportRecord):
        self.record = record
        # Inside a caller's transaction the record row may be locked by that transaction: a
        # second connection would wait for it forever, so progress then waits for the commit.
        usable = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.side = connections.create_connection(DEFAULT_DB_ALIAS) if usable else None

    def write(self, **fields: Any) -> None:
        if self.side is None:
            return
        # With a heartbeat (core.jobs), and only while the record is still the one this commit runs.
        fields = {**fields, "heartbeat_at": timezone.now()}
        quote = self.side.ops.quote_name
        assignments = ", ".join(f"{quote(name)} = %s" for name in fields)
        try:
            with self.side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    f"UPDATE {quote(ImportRecord._meta.db_table)} SET {assignments} "
                    f"WHERE id = %s AND {quote('status')} = %s",
                    [*fields.values(), self.record.pk, self.record.status],
                )
        except DatabaseError:
            # Progress is a courtesy: never let it stop the import.
            logger.warning("Progress of import %s not recorded", self.record.pk, exc_info=True)
            self.close()
            self.side = None

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
