"""Bulk writes of imported rows, with one history row each (who, when, ``import #<id>``).

On PostgreSQL new rows and all history rows go in with ``COPY`` (:class:`_Copier`): every value
is prepared by its field exactly as ``bulk_create`` prepares it, ids are reserved from the table's
sequence, and a model or value COPY cannot take safely falls back to ``bulk_create``. Elsewhere, or
with ``PCC_IMPORT_COPY = False``, django-simple-history's bulk writers do the work.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import uuid
from contextlib import nullcontext
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, models, router
from django.db.backends.utils import CursorDebugWrapper
from django.utils import timezone

if TYPE_CHECKING:
    from core.models import User
    from imports.registry import ImportContext


logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


def bulk_write(
    creates: list[models.Model],
    updates: list[models.Model],
    fields: list[str],
    context: ImportContext,
    model: type[models.Model] | None = None,
) -> None:
    """The default writer: new and changed rows in bulk, each with its history row when the model keeps history.

    History rows say who (the importing user), when and why (``import #<id>``). On PostgreSQL the
    new rows and every history row go in with ``COPY`` (:class:`_Copier`), which writes what
    ``bulk_create`` would in a fraction of its time; elsewhere, or with the setting
    ``PCC_IMPORT_COPY = False``, django-simple-history's ``bulk_create_with_history`` and
    ``bulk_update_with_history`` write them. ``model`` is the kind's own unless given (the
    figures a changed structure is copied to, say).
    """
    model = model or context.importer.model
    user = context.user
    reason = f"import #{context.record.pk}" if context.record else "import"
    copier = _Copier.for_model(model)
    if copier is not None:
        if creates:
            copier.create(creates, user=user, reason=reason)
        if updates and fields:
            model._default_manager.bulk_update(updates, fields, batch_size=BATCH_SIZE)
            if copier.history is not None:
                copier.create_history(updates, "~", user=user, reason=reason)
        return
    if _history_model(model) is not None:
        from simple_history.utils import bulk_create_with_history, bulk_update_with_history

        if creates:
            bulk_create_with_history(
                creates, model, batch_size=BATCH_SIZE, default_user=user, default_change_reason=reason
            )
        if updates and fields:
            bulk_update_with_history(
                updates, model, fields, batch_size=BATCH_SIZE, default_user=user, default_change_reason=reason
            )
        return
    if creates:
        model._default_manager.bulk_create(creates, batch_size=BATCH_SIZE)
    if updates and fields:
        model._default_manager.bulk_update(updates, fields, batch_size=BATCH_SIZE)


def _history_model(model: type[models.Model]) -> type[models.Model] | None:
    """The django-simple-history model of ``model``; None when it keeps no history or history is off."""
    if not hasattr(model._meta, "simple_history_manager_attribute"):
        return None
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return None
    return getattr(model, model._meta.simple_history_manager_attribute).model


# Field types whose prepared values COPY reads as the INSERT of ``bulk_create`` would (a relation
# is judged by the field it points to); a model with any other is written by ``bulk_create``.
_COPYABLE_FIELDS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
    "CharField",
    "TextField",
    "SlugField",
    "FileField",
    "FilePathField",
    "DecimalField",
    "FloatField",
    "DateField",
    "DateTimeField",
    "TimeField",
    "UUIDField",
    "JSONField",
}
_COPYABLE_VALUES = (str, int, float, Decimal, datetime.date, datetime.time, uuid.UUID)  # bool is an int
_COPYABLE_EXACT = frozenset({*_COPYABLE_VALUES, bool, datetime.datetime})
# The who, when and why of a history row; any other column of a history model is one of the model's.
_HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")
_HISTORY_OVERRIDES = ("_history_date", "_change_reason", "_history_user")


class _CopyNull:
    """NULL in a ``COPY … (FORMAT csv)`` stream: an unquoted empty field.

    ``csv.writer`` with ``QUOTE_NONNUMERIC`` quotes every string (so ``""`` stays an empty string)
    and leaves numbers bare; it would quote ``None`` too, so NULL is written as a "number" whose
    text is empty.
    """

    __slots__ = ()

    def __float__(self) -> float:
        return 0.0

    def __str__(self) -> str:
        return ""


_NULL = _CopyNull()


class _NotCopyable(Exception):
    """A prepared value COPY cannot carry as ``bulk_create`` would (an SQL expression, say)."""


class _Copier:
    """New rows of one model and history rows, written with PostgreSQL ``COPY … FROM STDIN``.

    ``COPY`` skips what makes ``bulk_create`` slow on a large import: compiling an ``INSERT`` of a
    thousand rows, adapting each parameter, and building a historical model instance per row. The
    values are the same: each goes through its field's ``pre_save`` and ``get_db_prep_save`` as
    ``bulk_create`` sends it. New objects get their ids from the table's sequence (one query per
    batch) and leave with their primary key, as after ``bulk_create``. Everything runs on the
    import's connection, inside its transaction.
    """

    def __init__(self, model: type[models.Model], history: type[models.Model] | None):
        self.model = model
        self.history = history
        # The connection itself, not the ``django.db.connection`` proxy: fields look it up per value.
        self.connection = connections[router.db_for_write(model)]
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.json_fields = {f for f in self.fields if f.get_internal_type() == "JSONField"}
        if history is None:
            return
        self.history_fields = [
            f
            for f in history._meta.concrete_fields
            if not f.generated and not (f.primary_key and isinstance(f, models.AutoField))
        ]
        self.json_fields.update(f for f in self.history_fields if f.get_internal_type() == "JSONField")
        self.who_when_why_fields = {
            f.attname: f for f in self.history_fields if f.attname in _HISTORY_COLUMNS
        }
        # Where each history column comes from: the who/when/why of the batch; the value prepared for
        # the object's own row when simple-history copied the field (same class, same preparation);
        # else the history field itself (the id: AutoField there, IntegerField here).
        position = {f.attname: index for index, f in enumerate(self.fields)}
        self.from_object: list[str | models.Field] = [
            f.attname if f.attname in _HISTORY_COLUMNS else f for f in self.history_fields
        ]
        self.from_row: list[str | int | models.Field] = [
            position[f.attname]
            if not isinstance(f, str) and type(f) is type(self.fields[position[f.attname]])
            else f
            for f in self.from_object
        ]

    @classmethod
    def for_model(cls, model: type[models.Model]) -> _Copier | None:
        """A copier for ``model``; None where ``bulk_create`` must write: not PostgreSQL with
        psycopg2, ``PCC_IMPORT_COPY`` off, an inherited model, a field COPY is not trusted with."""
        if connections[router.db_for_write(model)].vendor != "postgresql":
            return None
        if not getattr(settings, "PCC_IMPORT_COPY", True):
            return None
        from django.db.backends.postgresql.psycopg_any import is_psycopg3

        opts = model._meta
        if is_psycopg3 or opts.parents or not isinstance(opts.pk, models.AutoField):
            return None
        fields = [f for f in opts.concrete_fields if not f.generated]
        history = _history_model(model)
        if history is not None:
            tracked = {f.attname for f in fields}
            for f in history._meta.concrete_fields:
                if f.primary_key and isinstance(f, models.AutoField):
                    continue
                if f.attname not in tracked and f.attname not in _HISTORY_COLUMNS:
                    return None  # a custom history field: simple-history's own writer fills it
                fields.append(f)
        for f in fields:
            kind = (f.target_field if f.is_relation else f).get_internal_type()
            if kind not in _COPYABLE_FIELDS or f.db_default is not models.NOT_PROVIDED:
                return None
        return cls(model, history)

    def create(self, objs: list[models.Model], *, user: User | None, reason: str) -> None:
        """Insert new objects and, when the model keeps history, a ``+`` history row for each."""
        pk = self.model._meta.pk
        without_pk = [obj for obj in objs if obj.pk is None]
        with self.connection.cursor() as cursor:
            if without_pk:
                cursor.execute(
                    "SELECT nextval(sequence::regclass) FROM "
                    "(SELECT pg_get_serial_sequence(%s, %s) AS sequence) AS serial, generate_series(1, %s) "
                    "ORDER BY 1",
                    [self.connection.ops.quote_name(self.model._meta.db_table), pk.column, len(without_pk)],
                )
                for obj, (new_id,) in zip(without_pk, cursor.fetchall(), strict=True):
                    setattr(obj, pk.attname, new_id)
            rows = None
            try:
                for obj in objs:
                    if obj._state.fields_cache:  # a related object was assigned: bulk_create's checks
                        obj._prepare_related_fields_for_save(operation_name="bulk_create")
                rows = [self.row(obj) for obj in objs]
            except _NotCopyable:
                # Nothing written yet; bulk_create inserts objects that already have their id.
                self.model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
            else:
                self.copy_rows(cursor, self.model._meta.db_table, self.fields, rows)
                for obj in objs:
                    obj._state.adding = False
                    obj._state.db = self.connection.alias
        if self.history is not None:
            self.create_history(objs, "+", user=user, reason=reason, rows=rows)

    def create_history(
        self,
        objs: list[models.Model],
        history_type: str,
        *,
        user: User | None,
        reason: str,
        rows: list[list[Any]] | None = None,
    ) -> None:
        """One history row per object (``+`` created, ``~`` changed) as simple-history's
        ``bulk_history_create`` writes it; ``rows`` are the objects' own prepared rows, when at hand."""
        now = timezone.now()
        sources = self.from_row if rows is not None else self.from_object
        history_rows = []
        try:
            if user is None:
                raise _NotCopyable("no user: simple-history asks its own default")
            batch = self.who_when_why(history_type, user=user, date=now, reason=reason)
            for index, obj in enumerate(objs):
                own = rows[index] if rows is not None else None
                fixed = batch
                if any(name in obj.__dict__ for name in _HISTORY_OVERRIDES):
                    fixed = self.who_when_why(
                        history_type,
                        user=getattr(obj, "_history_user", user),
                        date=getattr(obj, "_history_date", now),
                        reason=getattr(obj, "_change_reason", None) or reason,
                    )
                # One conditional expression per column: this runs for every column of every row.
                history_rows.append(
                    [
                        own[source]  # a position in the object's own prepared row
                        if source.__class__ is int
                        else fixed[source]  # the name of a who/when/why column
                        if source.__class__ is str
                        else self.prepared(source, getattr(obj, source.attname))  # a history field
                        for source in sources
                    ]
                )
        except _NotCopyable:
            getattr(self.model, self.model._meta.simple_history_manager_attribute).bulk_history_create(
                objs,
                batch_size=BATCH_SIZE,
                update=history_type == "~",
                default_user=user,
                default_change_reason=reason,
                default_date=now,
            )
            return
        with self.connection.cursor() as cursor:
            self.copy_rows(cursor, self.history._meta.db_table, self.history_fields, history_rows)

    def who_when_why(
        self, history_type: str, *, user: User | None, date: datetime.datetime, reason: str
    ) -> dict[str, Any]:
        values = {
            "history_date": date,
            "history_change_reason": reason,
            "history_type": history_type,
            "history_user_id": user.pk if user is not None else None,
        }
        return {name: self.prepared(field, values[name]) for name, field in self.who_when_why_fields.items()}

    def row(self, obj: models.Model) -> list[Any]:
        return [self.prepared(field, field.pre_save(obj, True)) for field in self.fields]

    def prepared(self, field: models.Field, value: Any) -> Any:
        """``value`` as ``bulk_create`` sends it for ``field``, in the form ``csv.writer`` writes for COPY."""
        value = field.get_db_prep_save(value, connection=self.connection)
        if value is None:
            return _NULL
        if value.__class__ in _COPYABLE_EXACT or isinstance(value, _COPYABLE_VALUES):
            return value
        if field in self.json_fields and hasattr(value, "dumps") and hasattr(value, "adapted"):
            return value.dumps(value.adapted)  # psycopg2's Json adapter: the text it sends
        raise _NotCopyable(f"{field.name}: {type(value).__name__}")

    def copy_rows(self, cursor, table: str, fields: list[models.Field], rows: list[list[Any]]) -> None:
        quote = self.connection.ops.quote_name
        sql = (
            f"COPY {quote(table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN WITH (FORMAT csv)"
        )
        text = io.StringIO()
        csv.writer(text, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
        text.seek(0)
        # Logged like any query (DEBUG, assertNumQueries); errors raised as Django's (IntegrityError…).
        logged = cursor.debug_sql(sql) if isinstance(cursor, CursorDebugWrapper) else nullcontext()
        with logged, self.connection.wrap_database_errors:
            cursor.cursor.copy_expert(sql, text, size=256 * 1024)
