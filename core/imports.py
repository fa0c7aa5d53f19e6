"""The import framework every app plugs its spreadsheets into.

An app registers an *importable kind* in its ``resources.py`` with :func:`register_importer`: the
columns of the file, the natural key, a function turning one row of typed cells into model field
values, and optionally its own bulk writer. The flow is the same for every kind:

1. :func:`import_start` stores the upload and an :class:`~core.models.ImportRecord`;
2. :func:`import_dry_run` reads every row, validates it, resolves foreign keys through caches
   built in one query per related model, compares with the database by natural key in batches and
   counts created / changed (old → new) / unchanged rows and located errors; the checked rows are
   staged in a side file so the commit does not parse the spreadsheet again;
3. :func:`import_commit` writes everything in one transaction, in batches, or nothing at all:
   new rows and their history rows with ``COPY`` on PostgreSQL (``bulk_create`` elsewhere),
   changed rows with ``bulk_update`` (see :func:`bulk_write`).

Large files run steps 2 and 3 as background tasks (``core/tasks.py``); progress and a cancel flag
live on the record and are looked at between batches. Neither step holds the file in memory: rows
are read one at a time, the keys met are kept in a temporary SQLite database, the checked rows in
the staged file.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import functools
import gc
import hashlib
import json
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.validators import RegexValidator
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models, transaction
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext, gettext_noop
from djmoney.money import Money

from core.bulk_writes import BATCH_SIZE, bulk_write
from core.exceptions import TransitionNotAllowed
from core.models import ImportRecord, ImportStatus, User
from core.spreadsheets import CellError, Column, NumberLocale, Problem, SpreadsheetError, SpreadsheetReader
from core.workflow import transition

logger = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 500
MAX_SAMPLES = 200
# Files up to this size are checked and imported within the request; larger ones in a task.
INLINE_MAX_BYTES = 512 * 1024


# --------------------------------------------------------------------------------------------
# Registry


@dataclass
class ImportContext:
    """What a row function may use: the importing user, the record, and lookup caches."""

    user: User
    importer: Importer
    record: ImportRecord | None = None
    locale: str = NumberLocale.DOT
    # The file row ``build`` is looking at (for problems ``check_file`` reports later).
    row: int | None = None
    # At commit: (file row, object, deferred values) of every row whose build returned deferred values.
    deferred: list[tuple[int, models.Model, dict[str, Any]]] = field(default_factory=list)
    _caches: dict[str, Any] = field(default_factory=dict)

    def cache(self, name: str) -> Any:
        """A lookup table declared in ``Importer.lookups``, built once (one query) per import."""
        if name not in self._caches:
            self._caches[name] = self.importer.lookups[name](self)
        return self._caches[name]


RowFunction = Callable[[dict[str, Any], ImportContext], dict[str, Any]]
Writer = Callable[[list[models.Model], list[models.Model], list[str], ImportContext], None]


@dataclass
class Importer:
    """An importable kind. See :func:`register_importer`."""

    kind: str
    label: Any
    model: type[models.Model]
    columns: list[Column]
    natural_key: tuple[str, ...]
    build: RowFunction
    export: Callable[[models.Model], dict[str, Any]]
    queryset: Callable[[User], models.QuerySet]
    # Who may import the kind, and into which programmes: an :class:`agreements.access.Level`.
    level: str
    lookups: dict[str, Callable[[ImportContext], Any]] = field(default_factory=dict)
    write: Writer | None = None
    example: dict[str, Any] = field(default_factory=dict)
    record_field: str = ""
    clean_model_instances: bool = True
    field_columns: dict[str, str] = field(default_factory=dict)
    create_defaults: Callable[[dict[str, Any], ImportContext], dict[str, Any]] | None = None
    after_commit: Callable[[ImportContext], None] | None = None
    check_existing: Callable[[models.Model, dict[str, Any], ImportContext], None] | None = None
    check_file: Callable[[ImportContext], Iterable[Problem]] | None = None
    order: int = 50
    programme_lookup: str = ""
    key_columns: list[str] = field(default_factory=list)

    def can_import(self, user: User) -> bool:
        from agreements import access

        return access.may_import(user, self.level)

    @cached_property
    def cleaned_fields(self) -> list[tuple[str, models.Field]]:
        return [
            (f.attname, f)
            for f in self.model._meta.concrete_fields
            if not f.is_relation and not f.primary_key
        ]

    @cached_property
    def field_checks(self) -> list[tuple[str, models.Field, bool, tuple[Callable, ...]]]:
        """``cleaned_fields`` with how :func:`_clean` checks each: ``clean()`` (choices) or the validators."""
        return [
            (name, f, bool(f.choices), tuple(_compiled(v) for v in f.validators))
            for name, f in self.cleaned_fields
        ]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column_for_field(self, name: str) -> str:
        name = name.removesuffix("_id")
        if name in self.field_columns:
            return self.field_columns[name]
        return name if name in self.column_names else ""

    def existing(self, keys: Sequence[tuple]) -> models.QuerySet:
        """Objects of the model that may have one of ``keys`` as natural key (one query).

        A composite key is narrowed by its first part only (``row_id IN (…)``): one simple query
        instead of a thousand ORs, the exact match is made in Python.
        """
        first = self.natural_key[0]
        return self.model._default_manager.filter(**{f"{first}__in": {key[0] for key in keys}})

    def shown_key(self, cells: dict[str, Any]) -> str:
        """The row's natural key as the file states it (``programa-cuadro-1 · 218 · y2006``), not as ids."""
        names = self.key_columns or [
            column for column in (self.column_for_field(name) for name in self.natural_key) if column
        ]
        return " · ".join(_shown(cells.get(name)) for name in names)

    def key_of(self, obj_or_values: Any) -> tuple:
        if isinstance(obj_or_values, dict):
            return tuple(obj_or_values[name] for name in self.natural_key)
        return tuple(getattr(obj_or_values, name) for name in self.natural_key)

    def export_rows(self, user: User, programme: Any = None) -> Iterator[dict[str, Any]]:
        """The rows ``user`` may see, as the file's columns; only ``programme``'s when given."""
        queryset = self.queryset(user)
        if programme is not None:
            if not self.programme_lookup:
                raise ValueError(f"{self.kind} is not a programme's data.")
            queryset = queryset.filter(**{self.programme_lookup: programme})
        for obj in queryset.iterator(chunk_size=2000):
            yield self.export(obj)

    def template_rows(self) -> list[dict[str, Any]]:
        example = dict(self.example) or {c.name: c.example for c in self.columns}
        return [example]


_REGISTRY: dict[str, Importer] = {}
_discovered = False


def register_importer(
    kind: str,
    *,
    label: Any,
    model: type[models.Model],
    columns: Sequence[Column],
    natural_key: Sequence[str],
    build: RowFunction,
    export: Callable[[models.Model], dict[str, Any]],
    queryset: Callable[[User], models.QuerySet] | None = None,
    level: str = "staff",
    lookups: dict[str, Callable[[ImportContext], Any]] | None = None,
    write: Writer | None = None,
    example: dict[str, Any] | None = None,
    record_field: str = "",
    clean_model_instances: bool = True,
    field_columns: dict[str, str] | None = None,
    create_defaults: Callable[[dict[str, Any], ImportContext], dict[str, Any]] | None = None,
    after_commit: Callable[[ImportContext], None] | None = None,
    check_existing: Callable[[models.Model, dict[str, Any], ImportContext], None] | None = None,
    check_file: Callable[[ImportContext], Iterable[Problem]] | None = None,
    order: int = 50,
    programme_lookup: str = "",
    key_columns: Sequence[str] = (),
) -> Importer:
    """Register an importable kind; call it at module level in an app's ``resources.py``.

    ``build(values, context)`` receives the typed cells of one row (keyed by column name) and
    returns the model's field values (attnames, e.g. ``document_id``), raising
    :class:`core.spreadsheets.CellError` (with ``column=``) for a row that cannot be imported.
    ``natural_key`` names the model fields identifying a row. ``write(creates, updates, fields,
    context)`` replaces the default bulk writer (:func:`bulk_write`). ``record_field`` names a
    foreign key to :class:`ImportRecord` set on every created or changed row.
    ``create_defaults(values, context)`` adds fields only a new object needs (copied from its
    parents, say), kept out of the comparison so they never count as changes.
    ``after_commit(context)`` runs inside the import's transaction after the last batch (to
    recompute derived data, say). ``check_existing(obj, values, context)`` may refuse to change
    an existing object (raising ``CellError``): an error of that row in the dry run.

    Links between rows of the same file (a subtotal printed below the items it adds up, say) cannot
    be resolved row by row: ``build`` returns them as *deferred* values, keys starting with ``@``,
    kept out of the model's fields and of the comparison. ``check_file(context)`` runs after the
    last row of the dry run (when ``build`` has seen every row) and yields located problems of the
    file as a whole, such as a link to a row that is neither in the file nor in the database; at
    commit, ``context.deferred`` lists ``(row, object, deferred values)`` for ``after_commit`` to
    resolve, raising :class:`RowRefused` for what it cannot. ``order`` places the kind among the
    others: files of a programme are imported in that order (tables before their figures, rules last).
    ``programme_lookup`` is the path from the model to its programme (``"table__programme"``), for
    exporting one programme's data; a kind without one holds data shared by all programmes.
    ``key_columns`` name the file columns shown as a row's key in the preview (by default those of
    the natural key's fields).
    """
    importer = Importer(
        kind=kind,
        label=label,
        model=model,
        columns=list(columns),
        natural_key=tuple(natural_key),
        build=build,
        export=export,
        queryset=queryset or (lambda user: model._default_manager.all()),
        level=level,
        lookups=lookups or {},
        write=write,
        example=example or {},
        record_field=record_field,
        clean_model_instances=clean_model_instances,
        field_columns=field_columns or {},
        create_defaults=create_defaults,
        after_commit=after_commit,
        check_existing=check_existing,
        check_file=check_file,
        order=order,
        programme_lookup=programme_lookup,
        key_columns=list(key_columns),
    )
    _REGISTRY[kind] = importer
    return importer


def registry() -> dict[str, Importer]:
    """All importable kinds in import order, after importing every app's ``resources`` module once."""
    global _discovered
    if not _discovered:
        autodiscover_modules("resources")
        _discovered = True
    # sorted() is stable: kinds of the same order keep their registration order.
    return {importer.kind: importer for importer in sorted(_REGISTRY.values(), key=lambda i: i.order)}


def get_importer(kind: str) -> Importer:
    try:
        return registry()[kind]
    except KeyError:
        raise LookupError(f"No importer registered for {kind!r}.") from None


def importers_for(user: User) -> list[Importer]:
    """The kinds ``user`` may import, in registration order."""
    return [importer for importer in registry().values() if importer.can_import(user)]


# --------------------------------------------------------------------------------------------
# Services


def import_start(*, user: User, kind: str, upload: File, locale: str) -> ImportRecord:
    """Store an uploaded file and its record, ready for the dry run. Refuses kinds the user may not import."""
    importer = get_importer(kind)
    if not importer.can_import(user):
        raise PermissionDenied
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = os.path.basename(getattr(upload, "name", "") or "upload")
    record = ImportRecord(
        user=user,
        kind=kind,
        file_name=name[:255],
        sha256=digest.hexdigest(),
        size=upload.size or 0,
        locale=NumberLocale(locale).value,
    )
    record.file.save(name, upload, save=False)
    record.save()
    return record


_FINISHED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)


def _move(record: ImportRecord, to: str, *, user: User | None = None, reason: str = "", **fields: Any) -> ImportRecord:
    # Through the one transition function (core.workflow); an import that ends is stamped finished.
    if to in _FINISHED:
        fields["finished_at"] = timezone.now()
    return transition(record, to, user=user, reason=reason, **fields)


def import_cancel(*, record: ImportRecord, user: User | None = None) -> ImportRecord:
    """Ask a running import to stop (looked at between batches); a checked import stops at once."""
    if record.status == ImportStatus.DRY_RUN:
        _drop_staged(record)
        return _move(record, ImportStatus.CANCELLED, user=user, staged="")
    if record.is_active:
        ImportRecord.objects.filter(pk=record.pk).update(cancel_requested=True)
        record.cancel_requested = True
    return record


class Cancelled(Exception):
    pass


class RowRefused(Exception):
    """A row that cannot be written after all (raised by ``check_existing`` at commit or ``after_commit``)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message)


def _gc_frozen(function: Callable) -> Callable:
    """Run ``function`` with the objects that exist before it left out of the collector's full passes.

    An import allocates millions of short-lived objects, and each full collection they trigger
    would walk the whole application (Django, the models, translations: some 100,000 objects)
    again, a tenth of a large import's time. ``gc.freeze()`` changes when objects are examined,
    not whether they are freed; ``gc.unfreeze()`` hands them back when the step ends.
    """

    @functools.wraps(function)
    def frozen(*args: Any, **kwargs: Any) -> Any:
        gc.freeze()
        try:
            return function(*args, **kwargs)
        finally:
            gc.unfreeze()

    return frozen


@_gc_frozen
def import_dry_run(*, record: ImportRecord) -> ImportRecord:
    """Check every row of the file and count what an import would do, without writing any row.

    Leaves the record in ``dry-run`` (confirmable when it has no errors) or ``failed`` for a file
    refused as a whole.
    """
    importer = get_importer(record.kind)
    context = ImportContext(user=record.user, importer=importer, record=record, locale=record.locale)
    tally = _Tally()
    staged_path = ""
    if _cancel_requested(record):
        return _move(record, ImportStatus.CANCELLED)
    try:
        with (
            record.file.open("rb") as stream,
            tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as staged,
        ):
            staged_path = staged.name
            reader = SpreadsheetReader(stream, name=record.file_name, columns=importer.columns)
            for batch in _batches(reader.rows(), BATCH_SIZE):
                checked = [
                    (row, values) for row, values in _check_rows(batch, importer, context, reader, tally)
                ]
                existing = _existing_by_key(importer, [importer.key_of(values) for _row, values in checked])
                for row, values in checked:
                    obj = existing.get(importer.key_of(values))
                    if obj is not None and importer.check_existing:
                        try:
                            importer.check_existing(obj, values, context)
                        except CellError as error:
                            tally.add_error(
                                Problem(
                                    error.message,
                                    error.params,
                                    row=row.number,
                                    column=error.column,
                                    value=_shown(row.values.get(error.column, "")),
                                    file=reader.name,
                                    sheet=reader.sheet,
                                )
                            )
                            continue
                    tally.classify(row, values, obj, importer)
                    staged.write(_STAGE_ENCODER.encode([row.number, values]))
                    staged.write("\n")
                _progress(
                    record,
                    rows_total=max(tally.rows, _estimated_rows(reader)),
                    rows_done=tally.rows,
                    error_count=tally.error_count,
                )
                if _cancel_requested(record):
                    raise Cancelled
            if importer.check_file:
                for problem in importer.check_file(context):
                    tally.add_error(dataclasses.replace(problem, file=reader.name, sheet=reader.sheet))
        staged_name = ""
        if not tally.error_count:
            with open(staged_path, "rb") as staged_file:
                staged_name = default_storage.save(f"imports/staged/{record.pk}.jsonl", File(staged_file))
        return _move(record, ImportStatus.DRY_RUN, staged=staged_name, **tally.fields())
    except SpreadsheetError as error:
        tally.add_error(error.problem)
        return _move(record, ImportStatus.FAILED, reason=error.problem.text(), **tally.fields())
    except Cancelled:
        return _move(record, ImportStatus.CANCELLED, **tally.fields())
    except Exception as error:
        logger.exception("Dry run of import %s failed", record.pk)
        message = _unexpected_error_message(error)
        return _move(record, ImportStatus.FAILED, reason=message, message=message, **tally.fields())
    finally:
        tally.keys.close()
        if staged_path:
            os.unlink(staged_path)


def _unexpected_error_message(error: Exception) -> str:
    # The traceback goes to the server log; the user is told what happened to the data, in its language.
    return gettext(
        "The import stopped on an unexpected error (%(error)s); nothing was written. "
        "An administrator finds the details in the server log."
    ) % {"error": type(error).__name__}


@_gc_frozen
def import_commit(*, record: ImportRecord) -> ImportRecord:
    """Write a checked import: every row or none (one transaction, bulk writes in batches).

    The database is compared again, batch by batch, so rows changed since the dry run are
    counted as they are now.
    """
    if not record.can_confirm:
        raise ValueError("Only a checked import without errors can be confirmed.")
    importer = get_importer(record.kind)
    context = ImportContext(user=record.user, importer=importer, record=record, locale=record.locale)
    staged_name = record.staged
    try:
        # Started by whoever confirmed it; the history of the imported rows credits the uploader.
        record = _move(record, ImportStatus.RUNNING, user=record.confirmed_by, rows_done=0)
    except TransitionNotAllowed:
        # Cancelled (or taken by another worker) after it was loaded.
        record.refresh_from_db()
        return record
    progress = _SideProgress(record)
    tally = _Tally(samples=False)
    try:
        with transaction.atomic():
            with default_storage.open(record.staged, "rb") as staged:
                for batch in _batches(_staged_rows(staged), BATCH_SIZE):
                    existing = _existing_by_key(importer, [importer.key_of(values) for _n, values in batch])
                    creates, updates, changed_fields = [], [], set()
                    for number, staged_values in batch:
                        values, deferred = _split_deferred(staged_values)
                        obj = existing.get(importer.key_of(values))
                        if obj is None:
                            extra = (
                                importer.create_defaults(values, context) if importer.create_defaults else {}
                            )
                            obj = _new_object(importer.model, values, extra)
                            if importer.record_field:
                                setattr(obj, f"{importer.record_field}_id", record.pk)
                            creates.append(obj)
                            tally.created += 1
                            if deferred:
                                context.deferred.append((number, obj, deferred))
                            continue
                        if deferred:
                            context.deferred.append((number, obj, deferred))
                        differences = _differences(obj, values)
                        if not differences:
                            tally.unchanged += 1
                            continue
                        if importer.check_existing:
                            # Changed since the dry run (a report submitted meanwhile, say): stop, write nothing.
                            try:
                                importer.check_existing(obj, values, context)
                            except CellError as error:
                                raise RowRefused(
                                    Problem(
                                        error.message,
                                        error.params,
                                        file=record.file_name,
                                        row=number,
                                        column=error.column,
                                    )
                                ) from None
                        for name in differences:
                            setattr(obj, name, values[name])
                        if importer.record_field:
                            setattr(obj, f"{importer.record_field}_id", record.pk)
                            changed_fields.add(f"{importer.record_field}_id")
                        changed_fields.update(differences)
                        updates.append(obj)
                        tally.changed += 1
                    tally.rows += len(batch)
                    (importer.write or bulk_write)(creates, updates, sorted(changed_fields), context)
                    progress.write(rows_done=tally.rows)
                    if _cancel_requested(record):
                        raise Cancelled
            if importer.after_commit:
                importer.after_commit(context)
            record = _move(record, ImportStatus.DONE, staged="", **tally.counts())
        _drop_staged_name(record, staged_name)
        return record
    except Cancelled:
        return _move(record, ImportStatus.CANCELLED, rows_done=0)
    except RowRefused as refused:
        return _move(
            record,
            ImportStatus.FAILED,
            reason=refused.problem.text(),
            rows_done=0,
            errors=[refused.problem.as_json()],
            error_count=1,
        )
    except Exception as error:
        logger.exception("Import %s failed; nothing was written", record.pk)
        message = _unexpected_error_message(error)
        return _move(record, ImportStatus.FAILED, reason=message, rows_done=0, message=message)
    finally:
        progress.close()


def run_or_enqueue(record: ImportRecord, step: str) -> ImportRecord:
    """Run a small file's ``dry_run``/``commit`` now; hand a large one to the task backend."""
    from core import tasks

    if record.size <= INLINE_MAX_BYTES:
        return import_dry_run(record=record) if step == "dry_run" else import_commit(record=record)
    task = tasks.import_dry_run_task if step == "dry_run" else tasks.import_commit_task
    result = task.enqueue(record.pk)
    ImportRecord.objects.filter(pk=record.pk).update(task_id=str(result.id)[:64])
    record.refresh_from_db()
    return record


def export_kind(*, user: User, kind: str) -> Iterator[dict[str, Any]]:
    importer = get_importer(kind)
    if not importer.can_import(user):
        raise PermissionDenied
    return importer.export_rows(user)


# --------------------------------------------------------------------------------------------
# Internals


class _Tally:
    def __init__(self, samples: bool = True):
        self.samples = samples
        self.rows = self.created = self.changed = self.unchanged = self.error_count = 0
        self.errors: list[dict] = []
        self.created_samples: list[dict] = []
        self.changed_samples: list[dict] = []
        self.keys = _SeenKeys()

    def add_error(self, problem: Problem) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(problem.as_json())

    def classify(self, row, values: dict[str, Any], obj: models.Model | None, importer: Importer) -> None:
        if obj is None:
            self.created += 1
            if len(self.created_samples) < MAX_SAMPLES:
                self.created_samples.append({"row": row.number, "key": importer.shown_key(row.values)})
            return
        differences = _differences(obj, values)
        if not differences:
            self.unchanged += 1
            return
        self.changed += 1
        if len(self.changed_samples) < MAX_SAMPLES:
            self.changed_samples.append(
                {
                    "row": row.number,
                    "key": importer.shown_key(row.values),
                    "changes": [
                        {
                            "field": importer.column_for_field(name) or name,
                            "old": _shown(old),
                            "new": _shown(new),
                        }
                        for name, (old, new) in differences.items()
                    ],
                }
            )

    def counts(self) -> dict[str, int]:
        return {
            "rows_total": self.rows,
            "rows_done": self.rows,
            "created_count": self.created,
            "changed_count": self.changed,
            "unchanged_count": self.unchanged,
        }

    def fields(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "error_count": self.error_count,
            "errors": self.errors,
            "preview": {"created": self.created_samples, "changed": self.changed_samples},
        }


class _SeenKeys:
    """The natural keys met so far in a file and the row of each, to refuse a key met twice.

    They live in a temporary SQLite database (on disk past a small page cache), so checking a
    million rows holds no million keys in memory. A key is stored as its ``repr()``: keys are ids,
    codes, numbers and dates, whose reprs are equal exactly when they are.
    """

    def __init__(self) -> None:
        self.database: sqlite3.Connection | None = None

    def first_row(self, key: tuple, number: int) -> int | None:
        """The row where ``key`` was met first; None when it is new (and now met at row ``number``)."""
        if self.database is None:
            self.database = sqlite3.connect("")  # "": a private temporary database, deleted when closed
            self.database.execute(
                "CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID"
            )
        text = repr(key)
        if self.database.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (text, number)).rowcount:
            return None
        return self.database.execute("SELECT row FROM seen WHERE key = ?", (text,)).fetchone()[0]

    def close(self) -> None:
        if self.database is not None:
            self.database.close()
            self.database = None


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _check_rows(
    batch, importer: Importer, context: ImportContext, reader: SpreadsheetReader, tally: _Tally
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Typed, validated field values for each good row; errors go to ``tally``."""
    where = {"file": reader.name, "sheet": reader.sheet}
    for row in batch:
        tally.rows += 1
        typed, failed = {}, False
        for column in importer.columns:
            try:
                typed[column.name] = column.parse(row.values, locale=context.locale)
            except CellError as error:
                failed = True
                name = error.column or column.name
                tally.add_error(
                    Problem(
                        error.message,
                        error.params,
                        row=row.number,
                        column=name,
                        value=_shown(row.values.get(name, "")),
                        **where,
                    )
                )
        if failed:
            continue
        context.row = row.number
        try:
            values = importer.build(typed, context)
            if importer.clean_model_instances:
                _clean(importer, values)
        except CellError as error:
            tally.add_error(
                Problem(
                    error.message,
                    error.params,
                    row=row.number,
                    column=error.column,
                    value=_shown(row.values.get(error.column, "")),
                    **where,
                )
            )
            continue
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = importer.column_for_field(name)
                for message in messages:
                    tally.add_error(
                        Problem(
                            str(message),
                            row=row.number,
                            column=column,
                            value=_shown(row.values.get(column, "")),
                            **where,
                        )
                    )
            continue
        key = importer.key_of(values)
        other = tally.keys.first_row(key, row.number)
        if other is not None:
            tally.add_error(
                Problem(
                    gettext_noop("the same %(key)s as row %(other)s"),
                    {"key": _shown_key(key), "other": other},
                    row=row.number,
                    column=", ".join(importer.column_for_field(n) or n for n in importer.natural_key),
                    **where,
                )
            )
            continue
        yield row, values


def _clean(importer: Importer, values: dict[str, Any]) -> None:
    """Field validation of the model (lengths, digits, choices, slugs) without its per-row queries.

    Each field's own ``clean()``; foreign keys were resolved through the caches, uniqueness and
    constraints are the natural-key comparison's and the database's job.
    """
    errors: dict[str, list] = {}
    for name, model_field, has_choices, validators in importer.field_checks:
        if name not in values:
            continue
        value = values[name]
        try:
            if has_choices or value in model_field.empty_values:
                model_field.clean(value, None)
                continue
            # The column already typed the value; the field's validators check lengths, digits, slugs.
            for validator in validators:
                validator(value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def _compiled(validator: Callable) -> Callable:
    """``validator``, or a copy of it with its pattern compiled when it compiles on first use.

    Django's ``validate_slug`` holds a lazy pattern: every match would go through the lazy
    object's proxy, once per cell of a large file.
    """
    if isinstance(validator, RegexValidator) and type(validator.regex) is not re.Pattern:
        validator = copy.copy(validator)
        validator.regex = re.compile(validator.regex.pattern, validator.regex.flags)
    return validator


def _existing_by_key(importer: Importer, keys: list[tuple]) -> dict[tuple, models.Model]:
    if not keys:
        return {}
    wanted = set(keys)
    found = {importer.key_of(obj): obj for obj in importer.existing(keys)}
    return {key: obj for key, obj in found.items() if key in wanted}


def _new_object(model: type[models.Model], values: dict[str, Any], extra: dict[str, Any]) -> models.Model:
    """``model(**extra, **values)``, through positional arguments when every value is a concrete field's.

    Django's ``Model.__init__`` reads positional arguments (one per concrete field, in order) in
    half the time of keyword arguments; the object is the same, missing fields get their default.
    """
    attnames = _positional_attnames(model)
    twice = extra.keys() & values.keys()  # Model.__init__ refuses those with its own TypeError
    if attnames is None or twice or not (values.keys() | extra.keys()) <= attnames.keys():
        return model(**extra, **values)
    return model(
        *[
            values[name] if name in values else extra[name] if name in extra else field.get_default()
            for name, field in attnames.items()
        ]
    )


@functools.cache
def _positional_attnames(model: type[models.Model]) -> dict[str, models.Field] | None:
    """The concrete fields of ``model`` by attname, in ``Model.__init__``'s positional order; None
    when positional arguments would not build what keyword arguments do (generated fields)."""
    fields = model._meta.concrete_fields
    if any(f.generated for f in fields):
        return None
    return {f.attname: f for f in fields}


def _split_deferred(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Field values and deferred values (``@name``: links resolved after the last batch)."""
    if not any(name.startswith("@") for name in values):
        return values, {}
    fields = {name: value for name, value in values.items() if not name.startswith("@")}
    deferred = {name[1:]: value for name, value in values.items() if name.startswith("@")}
    return fields, deferred


def _differences(obj: models.Model, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    differences = {}
    for name, new in values.items():
        if name.startswith("@"):
            continue
        old = getattr(obj, name)
        if isinstance(old, Money) or isinstance(new, Money):
            same = (
                isinstance(old, Money)
                and isinstance(new, Money)
                and old.amount == new.amount
                and old.currency == new.currency
            )
        else:
            same = old == new or (old in (None, "") and new in (None, ""))
        if not same:
            differences[name] = (old, new)
    return differences


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        # Two decimals at least, so an unchanged 240000.00 and a new 250000 look alike in the preview.
        amount = (
            value.amount if value.amount.as_tuple().exponent < -2 else value.amount.quantize(Decimal("0.01"))
        )
        return f"{value.currency} {amount}"
    if isinstance(value, Decimal):
        return f"{value:f}"
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def _shown_key(key: tuple) -> str:
    return " · ".join(_shown(part) for part in key)


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
# One encoder and one decoder for every staged row: json.dumps()/loads() with options build new ones per call.
_STAGE_ENCODER = json.JSONEncoder(default=_encode, separators=(",", ":"))
_STAGE_DECODER = json.JSONDecoder(object_hook=_decode)


def _staged_rows(stream) -> Iterator[tuple[int, dict[str, Any]]]:
    for line in stream:
        number, values = _STAGE_DECODER.decode(line.decode())
        yield number, values


def _drop_staged(record: ImportRecord) -> None:
    _drop_staged_name(record, record.staged)


def _drop_staged_name(record: ImportRecord, name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def _estimated_rows(reader: SpreadsheetReader) -> int:
    return reader.estimated_rows


def _progress(record: ImportRecord, **fields: Any) -> None:
    ImportRecord.objects.filter(pk=record.pk).update(**fields)


def _cancel_requested(record: ImportRecord) -> bool:
    return bool(ImportRecord.objects.filter(pk=record.pk).values_list("cancel_requested", flat=True).first())


class _SideProgress:
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
        quote = self.side.ops.quote_name
        assignments = ", ".join(f"{quote(name)} = %s" for name in fields)
        try:
            with self.side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    f"UPDATE {quote(ImportRecord._meta.db_table)} SET {assignments} WHERE id = %s",
                    [*fields.values(), self.record.pk],
                )
        except DatabaseError:
            # Progress is a courtesy: never let it stop the import.
            logger.warning("Progress of import %s not recorded", self.record.pk, exc_info=True)
            self.close()
            self.side = None

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
