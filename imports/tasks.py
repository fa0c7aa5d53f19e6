"""Background steps of spreadsheet imports, run by the configured Django tasks backend.

With ``django_tasks_db`` the worker is ``python manage.py db_worker``; without a ``TASKS``
setting the backport runs tasks immediately, inside the request.
"""

from __future__ import annotations

from django_tasks import task

from core.models import ImportRecord, ImportStatus
from imports.services import import_commit, import_dry_run


@task()
def import_dry_run_task(record_id: int) -> str:
    record = ImportRecord.objects.select_related("user").get(pk=record_id)
    if record.status != ImportStatus.PENDING:
        return record.status
    return import_dry_run(record=record).status


@task()
def import_commit_task(record_id: int) -> str:
    record = ImportRecord.objects.select_related("user").get(pk=record_id)
    if not record.can_confirm:
        # Cancelled (or already imported) while it waited for a worker.
        return record.status
    return import_commit(record=record).status
