"""Background jobs whose worker went away: one rule for every kind of job (imports, PDF reports).

A job is a row with a status and the id of its task in the tasks backend. It has *stalled* when

* the tasks backend says its task ended (failed, or finished while the job is still active) or does
  not know the task any more: nothing is coming to finish it; or
* nothing about it has moved for ``JOB_STALLED_AFTER_SECONDS``: its last sign of life (a heartbeat the
  worker writes between batches, its start, its enqueueing) is older than that. A worker killed with
  SIGKILL leaves its task "running" in the backend for good, so only this silence shows it. A task
  still *queued* while a worker is seen working (it started or finished a task within the window)
  waits its turn behind a long job and has not stalled.

Each app says what to do with its stalled jobs (mark them failed with a reason, or resume them) and
registers a function that recovers all of them (``register_recovery`` in its ``AppConfig.ready()``),
which ``manage.py recover_stalled`` runs. Pages also recover the one job they show when they read it.
"""

from __future__ import annotations

import datetime
import enum
import logging
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


class Stall(enum.Enum):
    """Why a job is taken as stalled."""

    LOST = "lost"  # the tasks backend has its task failed, finished or unknown
    SILENT = "silent"  # no sign of life for longer than the setting
    NEVER_STARTED = "never-started"  # still queued, and no worker seen for longer than the setting


# What the tasks backend says of a task it has no record of.
MISSING = "MISSING"


def stalled_after() -> datetime.timedelta:
    """How long a job may show no sign of life: ``JOB_STALLED_AFTER_SECONDS``."""
    return datetime.timedelta(seconds=settings.JOB_STALLED_AFTER_SECONDS)


def task_status(task_id: str) -> str | None:
    """The tasks backend's status of a task (a ``TaskResultStatus`` value), :data:`MISSING` when the backend
    keeps results but has none for it, ``None`` when it cannot tell (no id, or a backend without results)."""
    from django_tasks import default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    if not task_id or not default_task_backend.supports_get_result:
        return None
    try:
        return str(default_task_backend.get_result(task_id).status)
    except TaskResultDoesNotExist:
        return MISSING


def worker_seen_since(cutoff: datetime.datetime) -> bool:
    """Whether a worker of the database backend started or finished a task since ``cutoff`` (django-tasks-db
    keeps no heartbeat of its workers; /healthz asks the same)."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(Q(started_at__gte=cutoff) | Q(finished_at__gte=cutoff)).exists()


def stall_of(
    *, task_id: str, last_seen: datetime.datetime, now: datetime.datetime | None = None
) -> Stall | None:
    """Whether an active job has stalled, and why; ``None`` while it may still finish.

    At most one query while its last sign of life is recent (the task's status), two after.
    """
    from django_tasks.base import TaskResultStatus

    status = task_status(task_id)
    if status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL, MISSING):
        return Stall.LOST
    cutoff = (now or timezone.now()) - stalled_after()
    if last_seen >= cutoff:
        return None
    if status == TaskResultStatus.READY:
        # Queued: behind a long job of a live worker it only waits; with no worker about it never starts.
        return None if worker_seen_since(cutoff) else Stall.NEVER_STARTED
    return Stall.SILENT


_RECOVERIES: dict[str, Callable[[datetime.datetime | None], int]] = {}


def register_recovery(name: str, recover: Callable[[datetime.datetime | None], int]) -> None:
    """Register ``recover(now)``, which recovers every stalled job of one kind and returns how many."""
    _RECOVERIES[name] = recover


def recover_stalled(now: datetime.datetime | None = None) -> dict[str, int]:
    """Recover the stalled jobs of every registered kind: ``{kind: number recovered}``."""
    return {name: recover(now) for name, recover in sorted(_RECOVERIES.items())}
