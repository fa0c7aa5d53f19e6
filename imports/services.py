"""Running an import: the same three steps for every kind, from the pages, the admin and the command line.

1. :func:`import_start` stores the upload and an :class:`~core.models.ImportRecord`;
2. :func:`import_dry_run` reads every row, validates it, resolves foreign keys through caches
   built in one query per related model, compares with the database by natural key in batches and
   counts created / changed (old → new) / unchanged rows and located errors; the checked rows are
   staged in a side file so the commit does not parse the spreadsheet again;
3. :func:`import_commit` writes everything in one transaction, in batches, or nothing at all:
   new rows and their history rows with ``COPY`` on PostgreSQL (``bulk_create`` elsewhere),
   changed rows with ``bulk_update`` (see :func:`imports.writes.bulk_write`).

Large files run steps 2 and 3 as background tasks (``imports/tasks.py``); progress and a cancel flag
live on the record and are looked at between batches. Neither step holds the file in memory: rows
are read one at a time, the keys met are kept in a temporary SQLite database, the checked rows in
the staged file.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import gc
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from core import jobs
from core.exceptions import TransitionNotAllowed
from core.jobs import Stall
from core.models import ImportRecord, ImportStatus, User
from core.spreadsheets.columns import NumberLocale
from core.spreadsheets.errors import CellError, SpreadsheetError
from core.spreadsheets.readers import SpreadsheetReader
from core.workflow import transition
from imports.registry import ImportContext, RowRefused, get_importer
from imports.rows import (
    Tally,
    batches,
    check_rows,
    differences_of,
    existing_by_key,
    new_object,
    row_problem,
    split_deferred,
)
from imports.staging import (
    STAGE_ENCODER,
    SideProgress,
    cancel_requested,
    drop_staged_name,
    staged_rows,
    write_progress,
)
from imports.writes import BATCH_SIZE, bulk_write
from reconciliation.services import every_programme, figures_changed

logger = logging.getLogger(__name__)

INLINE_MAX_BYTES = 512 * 1024


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


def _move(
    record: ImportRecord, to: str, *, user: User | None = None, reason: str = "", **fields: Any
) -> ImportRecord:
    # Through the one transition function (core.workflow); an import that ends is stamped finished.
    if to in _FINISHED:
        fields["finished_at"] = timezone.now()
    return transition(record, to, user=user, reason=reason, **fields)


def import_cancel(*, record: ImportRecord, user: User | None = None) -> ImportRecord:
    """Cancel an import; what was written stays unwritten.

    One waiting for a worker or being checked stops at once: a dry run writes no row, and a worker
    that takes it later, or is checking it, finds it cancelled. A checked import stops at once too. A
    running import is asked to stop at its next batch (its transaction is rolled back); should its
    worker be dead, the stall recovery ends it as cancelled.
    """
    try:
        if record.status == ImportStatus.PENDING:
            return _move(record, ImportStatus.CANCELLED, user=user, cancel_requested=True)
        if record.status == ImportStatus.DRY_RUN:
            staged_name = record.staged
            record = _move(record, ImportStatus.CANCELLED, user=user, staged="")
            drop_staged_name(record, staged_name)
            return record
    except TransitionNotAllowed:
        # It moved on meanwhile (checked, started, finished): cancel it as it is now.
        record.refresh_from_db()
        return import_cancel(record=record, user=user)
    if record.status == ImportStatus.RUNNING and not record.cancel_requested:
        ImportRecord.objects.filter(pk=record.pk).update(cancel_requested=True)
        record.cancel_requested = True
    return record


class Cancelled(Exception):
    pass


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
    tally = Tally()
    staged_path = ""
    if cancel_requested(record):
        return _move(record, ImportStatus.CANCELLED)
    try:
        with (
            record.file.open("rb") as stream,
            tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as staged,
        ):
            staged_path = staged.name
            reader = SpreadsheetReader(stream, name=record.file_name, columns=importer.columns)
            tally.read_from(reader)
            for batch in batches(reader.rows(), BATCH_SIZE):
                checked = [
                    (row, values) for row, values in check_rows(batch, importer, context, reader, tally)
                ]
                existing = existing_by_key(importer, [importer.key_of(values) for _row, values in checked])
                for row, values in checked:
                    obj = existing.get(importer.key_of(values))
                    if obj is not None and importer.check_existing:
                        try:
                            importer.check_existing(obj, values, context)
                        except CellError as error:
                            tally.add_error(row_problem(error, row, reader))
                            continue
                    tally.classify(row, values, obj, importer)
                    staged.write(STAGE_ENCODER.encode([row.number, values]))
                    staged.write("\n")
                write_progress(
                    record,
                    rows_total=max(tally.rows, reader.estimated_rows),
                    rows_done=tally.rows,
                    error_count=tally.error_count,
                )
                if cancel_requested(record):
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
        tally.add_file_error(error.problem)
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
    progress = SideProgress(record)
    tally = Tally(samples=False)
    programmes: set[int] = set()  # whose figures this import wrote: reconciled once it commits
    written = False
    try:
        with transaction.atomic():
            with default_storage.open(record.staged, "rb") as staged:
                for batch in batches(staged_rows(staged), BATCH_SIZE):
                    existing = existing_by_key(importer, [importer.key_of(values) for _n, values in batch])
                    creates, updates, changed_fields = [], [], set()
                    for number, staged_values in batch:
                        values, deferred = split_deferred(staged_values)
                        obj = existing.get(importer.key_of(values))
                        if obj is None:
                            extra = (
                                importer.create_defaults(values, context) if importer.create_defaults else {}
                            )
                            obj = new_object(importer.model, values, extra)
                            if importer.record_field:
                                setattr(obj, f"{importer.record_field}_id", record.pk)
                            creates.append(obj)
                            tally.created += 1
                            if deferred:
                                context.deferred.append((number, obj, deferred))
                            continue
                        if deferred:
                            context.deferred.append((number, obj, deferred))
                        differences = differences_of(obj, values)
                        if not differences:
                            tally.unchanged += 1
                            continue
                        if importer.check_existing:
                            # Changed since the dry run (a report submitted meanwhile, say): stop, write nothing.
                            try:
                                importer.check_existing(obj, values, context)
                            except CellError as error:
                                raise RowRefused.at(
                                    context, number, error.message, error.params, column=error.column
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
                    written = written or bool(creates or updates)
                    programmes.update(_programmes_of(importer, [*creates, *updates]))
                    progress.write(rows_done=tally.rows)
                    if cancel_requested(record):
                        raise Cancelled
            if importer.after_commit:
                importer.after_commit(context)
            cause = gettext("import #%(pk)s (%(kind)s)") % {"pk": record.pk, "kind": importer.label}
            if written and not importer.programme_lookup:  # shared by all programmes (exchange rates)
                programmes = set(every_programme())
            for programme in sorted(programmes):
                figures_changed(programme, cause)
            record = _move(record, ImportStatus.DONE, staged="", **tally.counts())
        drop_staged_name(record, staged_name)
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


def _programmes_of(importer, written: list) -> set[int]:
    """The programmes of the rows a batch wrote, in one query (none for a kind of no programme)."""
    if not written or not importer.programme_lookup:
        return set()
    return set(
        importer.model.objects.filter(pk__in=[obj.pk for obj in written])
        .values_list(importer.programme_lookup, flat=True)
        .distinct()
    )


def run_or_enqueue(record: ImportRecord, step: str) -> ImportRecord:
    """Run a small file's ``dry_run``/``commit`` now; hand a large one to the task backend.

    Either way the record gets a heartbeat (``core.jobs``): a web process or a worker that dies leaves
    a record whose silence shows it stalled.
    """
    from imports import tasks

    if record.size <= INLINE_MAX_BYTES:
        return import_run_step(record=record, step=step)
    task = tasks.import_dry_run_task if step == "dry_run" else tasks.import_commit_task
    result = task.enqueue(record.pk)
    ImportRecord.objects.filter(pk=record.pk).update(task_id=str(result.id)[:64], heartbeat_at=timezone.now())
    record.refresh_from_db()
    return record


def import_run_step(*, record: ImportRecord, step: str) -> ImportRecord:
    """Run ``dry_run`` or ``commit`` here (in the request or in the worker) for a record in the status the
    step starts from; a record cancelled or recovered as stalled meanwhile is left as it is."""
    started = ImportRecord.objects.filter(pk=record.pk, status=record.status).update(
        heartbeat_at=timezone.now()
    )
    if not started:
        record.refresh_from_db()
        return record
    try:
        return import_dry_run(record=record) if step == "dry_run" else import_commit(record=record)
    except TransitionNotAllowed:
        # Its last change was refused: cancelled or recovered while it ran, which wrote nothing.
        logger.warning("Import %s changed status while its %s ran; its outcome is dropped.", record.pk, step)
        record.refresh_from_db()
        return record


def _stall_reason(record: ImportRecord, stall: Stall) -> str:
    # Located: which file, which step, how far it got; and what it means for the data.
    if record.status == ImportStatus.DRY_RUN:
        text = gettext(
            "The worker stopped before importing %(file)s; nothing was written. "
            "The check still holds: confirm the import again."
        )
    elif stall == Stall.NEVER_STARTED:
        text = gettext("No worker took %(file)s within %(minutes)s minutes; nothing was written.")
    elif record.status == ImportStatus.RUNNING:
        text = gettext(
            "The worker stopped while importing %(file)s (%(done)s of %(total)s rows, rolled back); "
            "nothing was written."
        )
    else:
        text = gettext(
            "The worker stopped while checking %(file)s (%(done)s of %(total)s rows checked); "
            "nothing was written."
        )
    return text % {
        "file": record.file_name,
        "done": record.rows_done,
        "total": record.rows_total or "?",
        "minutes": max(1, round(jobs.stalled_after().total_seconds() / 60)),
    }


def import_recover_if_stalled(*, record: ImportRecord, now: datetime.datetime | None = None) -> ImportRecord:
    """Recover an import whose worker (or web process) died, as ``core.jobs`` decides; others are left alone.

    A dry run or an import that stalled is marked failed (cancelled, if that was asked) with a located
    reason, through :func:`core.workflow.transition`; the uploader can retry it (:func:`import_retry`).
    Nothing was written: a dry run writes no row, and a dead import's transaction is rolled back by the
    database. A confirmed import whose commit never started is resumed: it can be confirmed again.
    """
    if not record.is_active:
        return record
    stall = jobs.stall_of(task_id=record.task_id, last_seen=record.heartbeat_at, now=now)
    if stall is None:
        return record
    reason = _stall_reason(record, stall)
    logger.warning("Import %s stalled (%s) in status %s: %s", record.pk, stall.value, record.status, reason)
    try:
        if record.status == ImportStatus.DRY_RUN:
            ImportRecord.objects.filter(
                pk=record.pk, status=ImportStatus.DRY_RUN, confirmed_at=record.confirmed_at
            ).update(confirmed_at=None, confirmed_by=None, task_id="", message=reason)
            record.refresh_from_db()
            return record
        staged_name = record.staged
        to = ImportStatus.CANCELLED if record.cancel_requested else ImportStatus.FAILED
        # A dead import's rows are rolled back: none done, as when it fails (a dry run keeps its count).
        written = {"rows_done": 0} if record.status == ImportStatus.RUNNING else {}
        record = _move(record, to, reason=reason, message=reason, staged="", **written)
        drop_staged_name(record, staged_name)
        return record
    except TransitionNotAllowed:
        # It finished meanwhile: it had not stalled after all.
        record.refresh_from_db()
        return record
    except DatabaseError:
        # SQLite: a long import holds the one write lock; it is looked at again on the next read.
        logger.warning("Import %s could not be recovered now.", record.pk, exc_info=True)
        return record


def imports_recover_stalled(now: datetime.datetime | None = None) -> int:
    """Recover every stalled import (``manage.py recover_stalled``); returns how many were recovered."""
    active = ImportRecord.objects.filter(
        Q(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING])
        | Q(status=ImportStatus.DRY_RUN, confirmed_at__isnull=False)
    )
    recovered = 0
    for record in active.select_related("user").order_by("pk"):
        before = (record.status, record.confirmed_at)
        if (import_recover_if_stalled(record=record, now=now).status, record.confirmed_at) != before:
            recovered += 1
    return recovered


def import_retry(*, record: ImportRecord, user: User) -> ImportRecord:
    """Check a failed or cancelled import's file again: a new import of the same upload, its dry run run
    or enqueued (the failed one keeps its history). Asking twice gives the same retry while it is not over.

    Only its uploader may, while still allowed to import the kind.
    """
    if record.user_id != user.pk or not get_importer(record.kind).can_import(user):
        raise PermissionDenied
    if not record.can_retry:
        raise ValueError("Only a failed or cancelled import can be retried.")
    pending = record.retries.exclude(status__in=_FINISHED).order_by("-pk").first()
    if pending is not None:
        return pending
    again = ImportRecord(
        user=user,
        kind=record.kind,
        file=record.file.name,
        file_name=record.file_name,
        sha256=record.sha256,
        size=record.size,
        locale=record.locale,
        retry_of=record,
    )
    again.full_clean()
    again.save()
    return run_or_enqueue(again, "dry_run")


def export_kind(*, user: User, kind: str) -> Iterator[dict[str, Any]]:
    importer = get_importer(kind)
    if not importer.can_import(user):
        raise PermissionDenied
    return importer.export_rows(user)
