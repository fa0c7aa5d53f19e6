"""Background steps of spreadsheet imports, run by the configured Django tasks backend.

With ``django_tasks_db`` the worker is ``python manage.py db_worker``; without a ``TASKS`` setting
the backport runs tasks immediately, inside the request. A worker that dies mid-step leaves its
record to the stall recovery (``import_recover_if_stalled``).
"""

from __future__ import annotations

from django_tasks import task

from core.models import ImportRecord, ImportStatus
from imports.services import import_run_step


@task()
def import_dry_run_task(record_id: int) -> str:
    record = ImportRecord.objects.select_related("user").get(pk=record_id)
    if record.status != ImportStatus.PENDING:
        # Cancelled, or recovered as stalled, while it waited for a worker.
        return record.status
    return import_run_step(record=record, step="dry_run").status


@task()
def import_commit_task(record_id: int) -> str:
    record = ImportRecord.objects.select_related("user").get(pk=record_id)
    if not record.can_confirm or record.confirmed_at is None:
        # Cancelled (or already imported, or its confirmation dropped as stalled) while it waited.
        return record.status
    return import_run_step(record=record, step="commit").status
