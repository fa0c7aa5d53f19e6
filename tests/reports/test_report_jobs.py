"""PDF reports prepared in the background: the job page, its status, the download, reuse and failure."""

import datetime
import io
import logging
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.urls import resolve, reverse
from django.utils import timezone
from pypdf import PdfReader

from budgets.models import BudgetFact
from reports import exports
from reports.models import ReportJob, ReportJobStatus
from reports.tasks import render_report_task
from results.models import ProgressReport

OPERATIONAL_PLAN = reverse("reports:operational_plan", args=["pcc", "pdf"])
PROGRESS = reverse("reports:progress_report", args=["pdf"])
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def september_params(progress):
    return {"partner": "PROSUR", "period": progress["approved"].period.pk}


@pytest.fixture
def no_worker(settings):
    """A backend that queues without running: jobs stay pending, as when the worker is busy."""
    settings.TASKS = DUMMY_TASKS
    from django_tasks import default_task_backend

    return default_task_backend


def _pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def _job_urls(job: ReportJob) -> list[str]:
    return [
        reverse(name, args=[job.pk]) for name in ("reports:job", "reports:job_status", "reports:job_download")
    ]


def test_operational_plan_pdf_is_prepared_by_a_job_and_downloaded(login, staff_user, pcc):
    client = login(staff_user)
    response = client.get(OPERATIONAL_PLAN)
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert (job.user, job.programme, job.kind, job.language, job.status) == (
        staff_user,
        pcc,
        "operational-plan",
        "es",
        ReportJobStatus.DONE,
    )
    assert job.file.name.startswith("reports/poa-pcc-") and job.size > 0

    page = client.get(response["Location"]).content.decode()
    assert "Plan operativo (PDF)" in page
    download = reverse("reports:job_download", args=[job.pk])
    assert f'href="{download}"' in page
    assert "<script>" not in page  # nothing left to wait for

    response = client.get(download)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="poa-pcc.pdf"'
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    assert f"Plan operativo · {' '.join(pcc.name.split())}" in _pdf_text(content)


def test_a_second_click_reuses_the_ready_pdf(login, partner_a_user, september_params, media):
    client = login(partner_a_user)
    first = client.get(PROGRESS, september_params)
    second = client.get(PROGRESS, september_params)
    assert first["Location"] == second["Location"]
    assert ReportJob.objects.get().status == ReportJobStatus.DONE
    assert len(list((media / "reports").iterdir())) == 1  # rendered once


def test_a_second_click_reuses_the_pdf_being_prepared(login, partner_a_user, september_params, no_worker):
    client = login(partner_a_user)
    first = client.get(PROGRESS, september_params)
    second = client.get(PROGRESS, september_params)
    assert first["Location"] == second["Location"]
    job = ReportJob.objects.get()
    assert job.status == ReportJobStatus.PENDING
    assert len(no_worker.results) == 1  # enqueued once
    assert job.task_id == no_worker.results[0].id


def test_a_changed_figure_gives_a_new_pdf(login, partner_a_user, progress, september_params):
    client = login(partner_a_user)
    first = client.get(PROGRESS, september_params)
    ProgressReport.objects.filter(pk=progress["approved"].pk).update(achieved_value=Decimal("70"))
    second = client.get(PROGRESS, september_params)
    assert first["Location"] != second["Location"]
    old, new = ReportJob.objects.order_by("pk")
    assert old.fingerprint != new.fingerprint
    assert (old.status, new.status) == (ReportJobStatus.DONE, ReportJobStatus.DONE)
    assert "70.00" in _pdf_text(new.file.read())


def test_a_changed_budget_figure_or_number_format_gives_a_new_operational_plan(
    login, staff_user, pcc, no_worker
):
    client = login(staff_user)
    client.get(OPERATIONAL_PLAN)
    client.get(OPERATIONAL_PLAN)
    assert ReportJob.objects.count() == 1
    fact = BudgetFact.objects.filter(
        programme=pcc, row__isnull=False, column__isnull=False, amount__isnull=False
    ).first()
    BudgetFact.objects.filter(pk=fact.pk).update(amount=fact.amount.amount + Decimal("1"))
    client.get(OPERATIONAL_PLAN)
    assert ReportJob.objects.count() == 2
    staff_user.number_format = "pe"
    staff_user.save(update_fields=["number_format"])
    client.get(OPERATIONAL_PLAN)
    assert ReportJob.objects.count() == 3
    assert len({job.fingerprint for job in ReportJob.objects.all()}) == 3


def test_the_pdf_is_rendered_in_the_users_language(login, partner_a_user, september_params, download_pdf):
    client = login(partner_a_user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _pdf_text(download_pdf(client, PROGRESS, september_params))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "es"
    spanish = _pdf_text(download_pdf(client, PROGRESS, september_params))
    assert "Progress report · PROSUR" in english
    assert "Informe de avance · PROSUR" in spanish
    assert sorted(ReportJob.objects.values_list("language", flat=True)) == ["en", "es"]


def test_another_user_cannot_see_the_job(login, partner_a_user, partner_b_user, staff_user, september_params):
    login(partner_a_user).get(PROGRESS, september_params)
    job = ReportJob.objects.get()
    for user in (partner_b_user, staff_user):
        client = login(user)
        for url in _job_urls(job):
            assert client.get(url).status_code == 404, (user, url)


def test_anonymous_is_sent_to_the_login_page(login, client, partner_a_user, september_params):
    login(partner_a_user).get(PROGRESS, september_params)
    job = ReportJob.objects.get()
    client.logout()
    for url in _job_urls(job):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_a_user_who_lost_access_to_the_report_loses_its_pdf(login, partner_a_user, september_params):
    client = login(partner_a_user)
    client.get(PROGRESS, september_params)
    job = ReportJob.objects.get()
    partner_a_user.memberships.all().delete()
    for url in _job_urls(job):
        assert client.get(url).status_code == 404, url


def test_another_partners_progress_pdf_is_a_404_and_makes_no_job(login, partner_a_user, progress):
    period = progress["approved"].period
    response = login(partner_a_user).get(PROGRESS, {"partner": "AMPEX", "period": period.pk})
    assert response.status_code == 404
    assert not ReportJob.objects.exists()


def test_job_page_waits_and_the_status_endpoint_answers_json(
    login, partner_a_user, september_params, no_worker
):
    client = login(partner_a_user)
    response = client.get(PROGRESS, september_params)
    job = ReportJob.objects.get()
    status_url, download = (
        reverse("reports:job_status", args=[job.pk]),
        reverse("reports:job_download", args=[job.pk]),
    )

    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and status_url in page  # the script polls the status
    assert '<noscript><meta http-equiv="refresh"' in page  # without script, the page refreshes
    assert f'<a href="{response["Location"]}">' in page  # and a link does too
    assert download not in page
    status = client.get(status_url)
    assert status["Content-Type"] == "application/json"
    assert status.json() == {
        "status": "pending",
        "status_display": str(ReportJobStatus.PENDING.label),
        "active": True,
        "download_url": None,
        "file_name": "progress-prosur-2008-09.pdf",
    }
    assert client.get(download)["Location"] == response["Location"]  # not ready: back to the job page

    assert render_report_task.call(job.pk) == ReportJobStatus.DONE  # the worker's turn
    assert client.get(status_url).json() == {
        "status": "done",
        "status_display": str(ReportJobStatus.DONE.label),
        "active": False,
        "download_url": download,
        "file_name": "progress-prosur-2008-09.pdf",
    }
    page = client.get(response["Location"]).content.decode()
    assert download in page and "<progress" not in page
    assert b"".join(client.get(download).streaming_content).startswith(b"%PDF")


def test_a_failed_render_says_so_and_logs_the_error(
    login, partner_a_user, september_params, monkeypatch, caplog
):
    def broken(html):
        raise RuntimeError("the layout engine broke")

    monkeypatch.setattr(exports, "render_pdf", broken)
    client = login(partner_a_user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    with caplog.at_level(logging.ERROR, logger="reports.services"):
        response = client.get(PROGRESS, september_params)
    job = ReportJob.objects.get()
    assert job.status == ReportJobStatus.FAILED
    assert job.error == "RuntimeError: the layout engine broke"
    [record] = [r for r in caplog.records if r.name == "reports.services"]
    assert record.levelno == logging.ERROR and f"job {job.pk}" in record.getMessage()
    assert "the layout engine broke" in str(record.exc_info[1])

    page = client.get(response["Location"]).content.decode()
    assert "The PDF could not be prepared." in page
    assert f'<a href="{job.report_url().replace("&", "&amp;")}">Try again</a>' in page
    assert "the layout engine broke" not in page  # the details are for the log
    assert client.get(reverse("reports:job_status", args=[job.pk])).json()["status"] == "failed"

    monkeypatch.undo()
    retry = client.get(job.report_url())
    assert retry["Location"] != response["Location"]  # a failed job is not reused
    assert ReportJob.objects.get(pk=resolve(retry["Location"]).kwargs["pk"]).status == ReportJobStatus.DONE


def test_a_stalled_job_is_failed_when_read_and_replaced_on_the_next_click(
    login, partner_a_user, september_params, no_worker, settings
):
    client = login(partner_a_user)
    first = client.get(PROGRESS, september_params)
    ReportJob.objects.update(
        created_at=timezone.now() - datetime.timedelta(seconds=settings.JOB_STALLED_AFTER_SECONDS + 1)
    )
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(first["Location"]).content.decode()
    assert "The PDF could not be prepared." in page and "Try again" in page
    assert "The worker stopped before the PDF was ready." in page  # the status change's reason
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "es"
    second = client.get(PROGRESS, september_params)
    assert first["Location"] != second["Location"]
    old, new = ReportJob.objects.order_by("pk")
    assert (old.status, new.status) == (ReportJobStatus.FAILED, ReportJobStatus.PENDING)
    assert old.error == "Stalled (silent)."


def test_a_pdf_older_than_the_setting_is_not_reused(login, partner_a_user, september_params, settings, media):
    settings.REPORT_FILES_MAX_AGE_DAYS = 2
    client = login(partner_a_user)
    first = client.get(PROGRESS, september_params)
    old = ReportJob.objects.get()
    ReportJob.objects.update(created_at=timezone.now() - datetime.timedelta(days=3))
    second = client.get(PROGRESS, september_params)
    assert first["Location"] != second["Location"]
    assert not ReportJob.objects.filter(pk=old.pk).exists()
    assert [path.name for path in (media / "reports").iterdir()] == [
        ReportJob.objects.get().file.name.split("/")[-1]
    ]


@pytest.mark.parametrize(
    ("kind", "queries"),
    # Session, user, job, then the report's own access check (roles, organisations, [period]).
    [("operational-plan", 6), ("progress-report", 7)],
)
def test_job_page_query_count(
    login, staff_user, progress, no_worker, kind, queries, django_assert_max_num_queries
):
    client = login(staff_user)
    if kind == "operational-plan":
        response = client.get(OPERATIONAL_PLAN)
    else:
        response = client.get(PROGRESS, {"partner": "PROSUR", "period": progress["approved"].period.pk})
    status = reverse("reports:job_status", args=[ReportJob.objects.get().pk])
    # The page also lists the job's status changes: one query more, whatever their number.
    with django_assert_max_num_queries(queries + 1):
        assert client.get(response["Location"]).status_code == 200
    with django_assert_max_num_queries(queries):
        assert client.get(status).status_code == 200


def test_the_task_renders_a_job_once(login, partner_a_user, september_params, media):
    login(partner_a_user).get(PROGRESS, september_params)
    job = ReportJob.objects.get()
    assert render_report_task.call(job.pk) == ReportJobStatus.DONE  # a second delivery of the task
    assert len(list((media / "reports").iterdir())) == 1
    assert render_report_task.call(job.pk + 1000) == "missing"  # purged while it waited


def test_the_database_backend_queues_the_render_for_the_worker(
    login, partner_a_user, september_params, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    login(partner_a_user).get(PROGRESS, september_params)
    job = ReportJob.objects.get()
    assert job.status == ReportJobStatus.PENDING
    queued = DBTaskResult.objects.get(pk=job.task_id)
    assert queued.task_path == "reports.tasks.render_report_task"
    assert queued.args_kwargs == {"args": [job.pk], "kwargs": {}}


def test_the_job_page_lists_the_jobs_status_changes(login, staff_user, pcc):
    client = login(staff_user)
    page = client.get(client.get(OPERATIONAL_PLAN)["Location"]).content.decode()
    job = ReportJob.objects.get()
    assert [(c.from_status, c.to_status, c.user) for c in job.status_changes.all()] == [
        (ReportJobStatus.PENDING, ReportJobStatus.RUNNING, None),
        (ReportJobStatus.RUNNING, ReportJobStatus.DONE, None),
    ]
    assert page.count('class="status-change"') == 2
    assert f"{ReportJobStatus.RUNNING.label} → {ReportJobStatus.DONE.label}" in page


def _ask_plan(client, day: int):
    """The operational plan from a given day of 2008: other parameters, another PDF."""
    return client.get(OPERATIONAL_PLAN, {"date_from": f"2008-01-{day:02d}"})


def test_each_user_has_a_bounded_queue_of_pdfs(login, staff_user, admin_user, pcc, no_worker, settings):
    settings.REPORT_JOBS_PER_USER = 2
    client = login(staff_user)
    first, second = _ask_plan(client, 1), _ask_plan(client, 2)
    assert ReportJob.objects.filter(user=staff_user, status=ReportJobStatus.PENDING).count() == 2

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    refused = _ask_plan(client, 3)
    assert refused["Location"] == second["Location"]  # the newest PDF still waiting
    assert ReportJob.objects.filter(user=staff_user).count() == 2 and len(no_worker.results) == 2
    page = client.get(refused["Location"]).content.decode()
    assert "You already have 2 PDFs being prepared, the most at once." in page

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "es"
    assert _ask_plan(client, 1)["Location"] == first["Location"]  # the same PDF again: the same job
    assert login(admin_user).get(OPERATIONAL_PLAN)["Location"] != first["Location"]  # each user their own

    render_report_task.call(ReportJob.objects.get(pk=resolve(first["Location"]).kwargs["pk"]).pk)
    third = _ask_plan(client, 3)  # one is ready: room for another
    assert resolve(third["Location"]).kwargs["pk"] not in {
        resolve(first["Location"]).kwargs["pk"],
        resolve(second["Location"]).kwargs["pk"],
    }


def test_a_stalled_pdf_does_not_count_against_the_bound(login, staff_user, pcc, no_worker, settings):
    settings.REPORT_JOBS_PER_USER = 1
    client = login(staff_user)
    first = _ask_plan(client, 1)
    ReportJob.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    second = _ask_plan(client, 2)
    assert first["Location"] != second["Location"]
    old, new = ReportJob.objects.order_by("pk")
    assert (old.status, new.status) == (ReportJobStatus.FAILED, ReportJobStatus.PENDING)


def test_a_pdf_whose_task_failed_in_the_backend_is_failed_at_once(
    login, partner_a_user, september_params, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = login(partner_a_user)
    response = client.get(PROGRESS, september_params)
    job = ReportJob.objects.get()
    status = reverse("reports:job_status", args=[job.pk])
    assert client.get(status).json()["status"] == "pending"  # queued, recent: waiting
    DBTaskResult.objects.filter(pk=job.task_id).update(status="FAILED")
    assert client.get(status).json()["status"] == "failed"
    job.refresh_from_db()
    assert job.error == "Stalled (lost)."
    assert client.get(response["Location"]).status_code == 200


def test_recover_stalled_finds_the_pdfs_nobody_looks_at(login, partner_a_user, september_params, no_worker):
    from django.core.management import call_command

    login(partner_a_user).get(PROGRESS, september_params)
    ReportJob.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    out = io.StringIO()
    call_command("recover_stalled", stdout=out)
    assert "PDF reports: 1 recovered" in out.getvalue()
    assert ReportJob.objects.get().status == ReportJobStatus.FAILED
