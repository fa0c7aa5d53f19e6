"""``manage.py purge_report_files``, and the purge every finished render does."""

import datetime
import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from reports.models import ReportJob, ReportJobStatus


def _job(user, programme, *, age_days: float, name: str) -> ReportJob:
    """A finished job asked for ``age_days`` ago, with its file written then."""
    stored = default_storage.save(f"reports/{name}", ContentFile(b"%PDF-1.7 test"))
    job = ReportJob.objects.create(
        user=user,
        programme=programme,
        kind="operational-plan",
        params={"programme": programme.code},
        language="es",
        fingerprint=name.ljust(64, "0")[:64],
        status=ReportJobStatus.DONE,
        file=stored,
        file_name="poa-pcc.pdf",
    )
    _age(stored, age_days)
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=age_days))
    return job


def _age(name: str, days: float) -> None:
    when = (timezone.now() - datetime.timedelta(days=days)).timestamp()
    os.utime(default_storage.path(name), (when, when))


def _orphan(name: str, age_days: float) -> str:
    stored = default_storage.save(f"reports/{name}", ContentFile(b"%PDF-1.7 orphan"))
    _age(stored, age_days)
    return stored


def _purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_report_files", *args, stdout=out)
    return out.getvalue()


def test_deletes_jobs_and_files_older_than_the_setting(staff_user, pcc, settings):
    settings.REPORT_FILES_MAX_AGE_DAYS = 7
    old = _job(staff_user, pcc, age_days=8, name="old.pdf")
    recent = _job(staff_user, pcc, age_days=6, name="recent.pdf")
    old_orphan = _orphan("orphan-old.pdf", age_days=30)
    recent_orphan = _orphan("orphan-recent.pdf", age_days=1)

    assert "Deleted 2 PDF report file(s) older than 7 day(s)." in _purge()

    assert list(ReportJob.objects.all()) == [recent]
    assert not default_storage.exists(old.file.name)
    assert not default_storage.exists(old_orphan)
    assert default_storage.exists(recent.file.name)
    assert default_storage.exists(recent_orphan)


def test_the_setting_defaults_to_a_week(staff_user, pcc, settings):
    del settings.REPORT_FILES_MAX_AGE_DAYS
    _job(staff_user, pcc, age_days=8, name="old.pdf")
    kept = _job(staff_user, pcc, age_days=6, name="kept.pdf")
    assert "older than 7 day(s)" in _purge()
    assert list(ReportJob.objects.all()) == [kept]


def test_days_option_overrides_the_setting(staff_user, pcc):
    _job(staff_user, pcc, age_days=2, name="two-days.pdf")
    assert "Deleted 0" in _purge("--days", "3")
    assert "Deleted 1" in _purge("--days", "1")
    assert not ReportJob.objects.exists()


def test_negative_days_are_refused():
    with pytest.raises(CommandError):
        _purge("--days", "-1")


def test_an_empty_storage_is_fine(db):
    assert "Deleted 0" in _purge()


def test_every_finished_render_purges_old_files(login, partner_a_user, pcc, progress, settings):
    settings.REPORT_FILES_MAX_AGE_DAYS = 7
    old = _job(partner_a_user, pcc, age_days=10, name="old.pdf")
    client = login(partner_a_user)
    client.get(
        reverse("reports:progress_report", args=["pdf"]),
        {"partner": "PROSUR", "period": progress["approved"].period.pk},
    )
    job = ReportJob.objects.get()
    assert job.status == ReportJobStatus.DONE and job.pk != old.pk
    assert not default_storage.exists(old.file.name)
