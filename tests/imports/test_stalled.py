"""Imports whose worker (or web process) died: found stalled, failed with a located reason or resumed,
retried; cancel of an import waiting for a worker; and a worker killed mid-import on PostgreSQL."""

from __future__ import annotations

import datetime
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import ExchangeRate, ImportRecord, ImportStatus
from core.workflow import transition
from imports import services as imports
from imports.tasks import import_commit_task
from tests.core.test_imports import checked, rate_row, upload

ROOT = Path(__file__).resolve().parents[2]
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def queued(settings, monkeypatch):
    """Every file goes to a worker that never comes (the dummy backend queues without running)."""
    settings.TASKS = DUMMY_TASKS
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 10)


def _silent(record: ImportRecord, settings, **fields) -> None:
    """As a dead worker leaves it: no sign of life for longer than the setting."""
    old = timezone.now() - datetime.timedelta(seconds=settings.JOB_STALLED_AFTER_SECONDS + 1)
    ImportRecord.objects.filter(pk=record.pk).update(heartbeat_at=old, **fields)
    record.refresh_from_db()


def _status(client, record) -> dict:
    return client.get(reverse("imports:import_status", args=[record.pk])).json()


def test_a_dry_run_whose_worker_died_is_failed_with_its_place_when_read(login, admin_user, queued, settings):
    client = login(admin_user)
    record = imports.run_or_enqueue(upload(admin_user, [rate_row("a")], name="rates.xlsx"), "dry_run")
    assert _status(client, record)["status"] == "pending"  # recent: left alone
    _silent(record, settings, rows_done=2000, rows_total=5000)

    status = _status(client, record)
    assert (status["status"], status["active"]) == ("failed", False)
    record.refresh_from_db()
    assert record.message == (
        "El proceso en segundo plano se detuvo mientras revisaba rates.xlsx (2000 de 5000 filas revisadas); "
        "no se escribió nada."
    )
    [change] = record.status_changes.all()
    assert (change.from_status, change.to_status, change.user, change.reason) == (
        ImportStatus.PENDING,
        ImportStatus.FAILED,
        None,
        record.message,
    )
    page = client.get(reverse("imports:import_preview", args=[record.pk])).content.decode()
    assert record.message in page and reverse("imports:import_retry", args=[record.pk]) in page


def test_an_import_whose_worker_died_is_failed_its_staged_rows_dropped(admin_user, media, settings):
    record = checked(admin_user, [rate_row("a"), rate_row("b")])
    staged = media / record.staged
    assert staged.exists()
    transition(record, ImportStatus.RUNNING, rows_done=1)  # as the commit leaves it when its worker dies
    _silent(record, settings)

    assert imports.imports_recover_stalled() == 1
    record.refresh_from_db()
    assert (record.status, record.rows_done, record.staged) == (ImportStatus.FAILED, 0, "")
    assert "mientras importaba rates.csv (1 de 2 filas, revertidas)" in record.message
    assert not staged.exists()
    assert not ExchangeRate.objects.filter(code__in=["a", "b"]).exists()
    assert imports.imports_recover_stalled() == 0  # once


def test_a_running_import_asked_to_cancel_whose_worker_died_ends_cancelled(admin_user, settings):
    record = transition(checked(admin_user, [rate_row("a")]), ImportStatus.RUNNING)
    assert imports.import_cancel(record=record).cancel_requested
    _silent(record, settings)
    assert imports.import_recover_if_stalled(record=record).status == ImportStatus.CANCELLED


def test_a_task_failed_in_the_backend_is_recovered_at_once(
    login, admin_user, settings, monkeypatch, django_assert_max_num_queries
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 10)
    client = login(admin_user)
    record = imports.run_or_enqueue(upload(admin_user, [rate_row("a")]), "dry_run")
    assert _status(client, record)["status"] == "pending"
    DBTaskResult.objects.filter(pk=record.task_id).update(status="FAILED")  # heartbeat still fresh
    assert _status(client, record)["status"] == "failed"


def test_a_queued_import_waits_while_a_worker_is_busy_and_fails_when_none_is_about(
    admin_user, settings, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 10)
    busy = imports.run_or_enqueue(upload(admin_user, [rate_row("a")]), "dry_run")
    record = imports.run_or_enqueue(upload(admin_user, [rate_row("b")]), "dry_run")
    _silent(record, settings)
    DBTaskResult.objects.filter(pk=busy.task_id).update(status="RUNNING", started_at=timezone.now())
    assert imports.import_recover_if_stalled(record=record).status == ImportStatus.PENDING  # in line

    long_ago = timezone.now() - datetime.timedelta(hours=1)
    DBTaskResult.objects.filter(pk=busy.task_id).update(started_at=long_ago)
    record = imports.import_recover_if_stalled(record=record)
    assert record.status == ImportStatus.FAILED
    assert (
        record.message == "Ningún proceso en segundo plano tomó rates.csv en 15 minutos; no se escribió nada."
    )


def test_a_confirmed_import_whose_commit_never_ran_can_be_confirmed_again(
    login, admin_user, queued, settings
):
    client = login(admin_user)
    record = checked(admin_user, [rate_row("a")])
    confirm = reverse("imports:import_confirm", args=[record.pk])
    assert client.post(confirm)["Location"] == reverse("imports:import_job", args=[record.pk])
    record.refresh_from_db()
    assert record.is_active and record.confirmed_at  # waiting for a worker that never comes
    _silent(record, settings)

    page = client.get(reverse("imports:import_preview", args=[record.pk])).content.decode()
    record.refresh_from_db()
    assert (record.status, record.confirmed_at, record.is_active) == (ImportStatus.DRY_RUN, None, False)
    assert "confirme la importación de nuevo" in record.message and record.message in page
    assert confirm in page
    assert import_commit_task.call(record.pk) == ImportStatus.DRY_RUN  # the old task, delivered late

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.post(confirm)
    record.refresh_from_db()
    assert (record.status, record.message) == (ImportStatus.DONE, "")
    assert ExchangeRate.objects.filter(code="a").exists()


def test_retry_checks_the_same_file_again_as_a_new_import(login, admin_user, queued, settings):
    client = login(admin_user)
    failed = imports.run_or_enqueue(upload(admin_user, [rate_row("a")]), "dry_run")
    _silent(failed, settings)
    failed = imports.import_recover_if_stalled(record=failed)
    assert failed.status == ImportStatus.FAILED

    retry = reverse("imports:import_retry", args=[failed.pk])
    response = client.post(retry)
    again = ImportRecord.objects.get(retry_of=failed)
    assert response["Location"] == reverse("imports:import_job", args=[again.pk])
    assert (again.file.name, again.sha256, again.user) == (failed.file.name, failed.sha256, admin_user)
    assert again.status == ImportStatus.PENDING and again.task_id
    assert client.post(retry)["Location"] == response["Location"]  # twice: the same retry
    assert ImportRecord.objects.count() == 2

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _silent(again, settings)
    imports.import_recover_if_stalled(record=again)
    client.post(reverse("imports:import_retry", args=[again.pk]))  # a retry of the retry runs now
    third = ImportRecord.objects.get(retry_of=again)
    assert (third.status, third.created_count) == (ImportStatus.DRY_RUN, 1)
    page = client.get(reverse("imports:import_preview", args=[failed.pk])).content.decode()
    assert reverse("imports:import_preview", args=[again.pk]) in page  # the failed one links its retry


def test_another_users_import_cannot_be_retried_or_cancelled(
    login, admin_user, staff_user, partner_b_user, queued, settings
):
    record = imports.run_or_enqueue(upload(admin_user, [rate_row("a")]), "dry_run")
    _silent(record, settings)
    for user in (partner_b_user, staff_user):
        client = login(user)
        for name in ("imports:import_retry", "imports:import_cancel"):
            assert client.post(reverse(name, args=[record.pk])).status_code == 404, (user, name)
        assert client.get(reverse("imports:import_status", args=[record.pk])).status_code == 404
    record.refresh_from_db()
    assert record.status == ImportStatus.PENDING  # not even recovered by those who may not see it
    assert not ImportRecord.objects.filter(retry_of=record).exists()


def test_cancel_of_an_import_waiting_for_a_worker_stops_it_at_once(login, admin_user, queued):
    client = login(admin_user)
    record = imports.run_or_enqueue(upload(admin_user, [rate_row("a")]), "dry_run")
    response = client.post(reverse("imports:import_cancel", args=[record.pk]))
    assert response["Location"] == reverse("imports:import_preview", args=[record.pk])
    record.refresh_from_db()
    assert record.status == ImportStatus.CANCELLED and not record.is_active
    assert [(c.from_status, c.to_status, c.user) for c in record.status_changes.all()] == [
        (ImportStatus.PENDING, ImportStatus.CANCELLED, admin_user)
    ]


def test_a_dry_run_cancelled_while_it_runs_ends_cancelled_and_quietly(admin_user, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    record = upload(admin_user, [rate_row(f"r{n}") for n in range(6)])
    real = imports.check_rows

    def cancelling(batch, *args):
        yield from real(batch, *args)
        imports.import_cancel(record=ImportRecord.objects.get(pk=record.pk))  # from another request

    monkeypatch.setattr(imports, "check_rows", cancelling)
    record = imports.import_run_step(record=record, step="dry_run")
    assert (record.status, record.rows_done) == (ImportStatus.CANCELLED, 0)  # no progress after the cancel


def test_recover_stalled_command_reports_each_kind(admin_user, queued, settings):
    record = imports.run_or_enqueue(upload(admin_user, [rate_row("a")]), "dry_run")
    _silent(record, settings)
    out = io.StringIO()
    call_command("recover_stalled", stdout=out)
    assert "imports: 1 recovered" in out.getvalue() and "PDF reports: 0 recovered" in out.getvalue()
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED


# --- a real worker, killed ----------------------------------------------------------------------------


def _worker(database: str, media: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    settings_dict = connection.settings_dict
    env.update(
        DEBUG="true",
        DATABASE_URL=(
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{database}"
        ),
        MEDIA_ROOT=str(media),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait(condition, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a second process sees the test's rows and the commit's progress only on PostgreSQL",
)
def test_a_worker_killed_mid_import_leaves_nothing_written_and_the_import_recovers(
    settings, media, monkeypatch
):
    from tests.factories import UserFactory

    settings.TASKS = DATABASE_TASKS
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 10)
    user = UserFactory(is_superuser=True)
    rows = [rate_row(f"rate-{n}") for n in range(30_000)]
    record = imports.run_or_enqueue(upload(user, rows), "dry_run")
    worker = _worker(connection.settings_dict["NAME"], media)
    try:
        _wait(lambda: ImportRecord.objects.get(pk=record.pk).status == ImportStatus.DRY_RUN)
        ImportRecord.objects.filter(pk=record.pk).update(confirmed_at=timezone.now(), confirmed_by=user)
        record = imports.run_or_enqueue(ImportRecord.objects.get(pk=record.pk), "commit")
        # Killed once the commit has written some batches (in its transaction, not yet committed).
        _wait(
            lambda: ImportRecord.objects.filter(
                pk=record.pk, status=ImportStatus.RUNNING, rows_done__gt=0
            ).exists()
        )
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)

    record.refresh_from_db()
    assert record.status == ImportStatus.RUNNING and record.rows_done < 30_000
    assert not ExchangeRate.objects.filter(code__startswith="rate-").exists()  # its transaction died with it
    assert imports.import_recover_if_stalled(record=record).status == ImportStatus.RUNNING  # not yet silent

    settings.JOB_STALLED_AFTER_SECONDS = 1
    time.sleep(1.5)
    record = imports.import_recover_if_stalled(record=record)
    assert record.status == ImportStatus.FAILED
    assert "no se escribió nada" in record.message

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    again = imports.import_retry(record=record, user=user)
    assert (again.status, again.created_count) == (ImportStatus.DRY_RUN, 30_000)
