"""Workflows of the PDF reports: ask for one, render it in the background, remove old files.

Laying out a PDF takes seconds (WeasyPrint), so a request only builds the report's HTML, hashes it into
a fingerprint and finds or creates a :class:`~reports.models.ReportJob`; the render runs as a task
(``reports/tasks.py``) through the configured tasks backend, and the file stays in the default storage
under ``reports/`` for ``REPORT_FILES_MAX_AGE_DAYS`` days.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from agreements.access import (
    get_partner_for_user_or_404,
    get_period_for_user_or_404,
    get_programme_for_user_or_404,
)
from agreements.models import Programme
from core import jobs
from core.exceptions import JobLimitReached, TransitionNotAllowed
from core.jobs import Stall
from core.models import User
from core.workflow import transition
from reports import exports
from reports.filters import Filters
from reports.models import ACTIVE_STATUSES, LIVE_STATUSES, ReportJob, ReportJobStatus, ReportKind
from reports.operational_plan import (
    OperationalPlan,
    ProgressReportDocument,
    operational_plan,
    partner_progress,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE_DAYS = 7
DEFAULT_JOBS_PER_USER = 3
FILES_DIRECTORY = "reports"
# Put in place of the "generated on" time before hashing, so that only the data makes the fingerprint.
_FINGERPRINT_TIME = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def max_age_days() -> int:
    """How long a PDF is kept and reused: ``REPORT_FILES_MAX_AGE_DAYS``, a week by default."""
    return int(getattr(settings, "REPORT_FILES_MAX_AGE_DAYS", DEFAULT_MAX_AGE_DAYS))


# --------------------------------------------------------------------------------------------
# What each PDF is made of


@dataclasses.dataclass(frozen=True)
class PdfReport:
    """A kind of PDF: its template and the document built for a user from a job's parameters.

    ``document`` fetches through the report's access helpers, so a render for a user who lost access
    fails like the report page would (a 404).
    """

    template: str
    document: Callable[[User, dict[str, Any]], Any]
    programme: Callable[[Any], Programme]
    file_name: Callable[[Any], str]


def operational_plan_params(programme: Programme, filters: Filters) -> dict[str, Any]:
    """A job's parameters for the operational plan: the programme and the filters as resolved."""
    return {
        "programme": programme.code,
        "phase": filters.phase,
        "partner": filters.partner,
        "date_from": filters.date_from.isoformat() if filters.date_from else "",
        "date_to": filters.date_to.isoformat() if filters.date_to else "",
    }


def _operational_plan_filters(params: dict[str, Any]) -> Filters:
    return Filters(
        phase=params.get("phase", ""),
        partner=params.get("partner", ""),
        date_from=datetime.date.fromisoformat(params["date_from"]) if params.get("date_from") else None,
        date_to=datetime.date.fromisoformat(params["date_to"]) if params.get("date_to") else None,
    )


def _operational_plan(user: User, params: dict[str, Any]) -> OperationalPlan:
    programme, _staff = get_programme_for_user_or_404(user, params.get("programme", ""))
    return operational_plan(user, programme, _operational_plan_filters(params))


def _progress_report(user: User, params: dict[str, Any]) -> ProgressReportDocument:
    organisation, _own = get_partner_for_user_or_404(user, params.get("partner", ""))
    period, _can_lock = get_period_for_user_or_404(user, params.get("period", ""))
    return partner_progress(user, organisation, period)


PDF_REPORTS: dict[str, PdfReport] = {
    ReportKind.OPERATIONAL_PLAN: PdfReport(
        template="reports/pdf/operational_plan.html",
        document=_operational_plan,
        programme=lambda document: document.programme,
        file_name=lambda document: exports.operational_plan_file_name(
            document.programme, document.filters, "pdf"
        ),
    ),
    ReportKind.PROGRESS_REPORT: PdfReport(
        template="reports/pdf/progress_report.html",
        document=_progress_report,
        programme=lambda document: document.period.programme,
        file_name=lambda document: exports.progress_file_name(document.organisation, document.period, "pdf"),
    ),
}


def _fingerprint(kind: str, params: dict[str, Any], language: str, html: str) -> str:
    digest = hashlib.sha256(json.dumps([kind, params, language], sort_keys=True).encode())
    digest.update(b"\n")
    digest.update(html.encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# Services


def report_job_request(*, user: User, kind: str, params: dict[str, Any], language: str) -> ReportJob:
    """The job making ``user``'s PDF of ``kind``: a live one for the same data, else a new one, enqueued.

    The report's HTML is built here (a fraction of the render's time) and hashed with the kind, the
    parameters and the language: a job already pending, running or done with the same fingerprint is
    reused, so a second click never renders twice. Reuse is per user: the job page and the file are
    its user's alone, and the HTML hashed is what that user may see. Raises ``Http404`` where the report
    would, and :class:`~core.exceptions.JobLimitReached` for a new job while the user already has
    ``REPORT_JOBS_PER_USER`` waiting or being prepared.
    """
    report = PDF_REPORTS[kind]
    with translation.override(language):
        document = report.document(user, params)
        html = exports.render_html(
            report.template,
            {"document": dataclasses.replace(document, generated=_FINGERPRINT_TIME)},
            user=user,
        )
    fingerprint = _fingerprint(kind, params, language, html)
    live = ReportJob.objects.filter(user=user, fingerprint=fingerprint, status__in=LIVE_STATUSES).first()
    if live is not None and not _retired(live):
        return live
    job = ReportJob(
        user=user,
        programme=report.programme(document),
        kind=kind,
        params=params,
        language=language,
        fingerprint=fingerprint,
        file_name=report.file_name(document),
    )
    # The unique constraint is left to the database: it settles two clicks racing to create the job.
    job.full_clean(validate_constraints=False)
    with transaction.atomic():
        # The user's row, locked, makes their requests take turns: two at once cannot both pass the bound.
        User.objects.select_for_update().filter(pk=user.pk).first()
        _check_bound(user)
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:
            return ReportJob.objects.get(user=user, fingerprint=fingerprint, status__in=LIVE_STATUSES)
    return _enqueue(job)


def jobs_per_user() -> int:
    """How many PDFs one user may have waiting or being prepared: ``REPORT_JOBS_PER_USER``, 3 by default."""
    return int(getattr(settings, "REPORT_JOBS_PER_USER", DEFAULT_JOBS_PER_USER))


def _check_bound(user: User) -> None:
    """Refuse a new job while the user has as many waiting or being prepared as allowed (stalled ones are
    recovered first, and do not count)."""
    limit = jobs_per_user()
    active = ReportJob.objects.filter(user=user, status__in=ACTIVE_STATUSES).order_by("-created_at", "-pk")
    waiting = [job for job in active if report_job_recover_if_stalled(job=job).is_active]
    if len(waiting) >= limit:
        raise JobLimitReached(limit, waiting)


def _retired(job: ReportJob) -> bool:
    """Retire a live job that must not answer a new request: stalled, too old, or its file gone."""
    if job.is_active:
        return not report_job_recover_if_stalled(job=job).is_active
    if job.is_done:
        expired = job.created_at < timezone.now() - datetime.timedelta(days=max_age_days())
        if expired or not (job.file and default_storage.exists(job.file.name)):
            _delete_jobs(ReportJob.objects.filter(pk=job.pk))
            return True
    return False


def report_job_recover_if_stalled(*, job: ReportJob, now: datetime.datetime | None = None) -> ReportJob:
    """Mark failed a job whose worker died (as ``core.jobs`` decides), with the reason; others are left alone.

    The user asks for the PDF again (the job page's "Try again"); a worker that takes the task later
    finds the job failed and renders nothing.
    """
    stall = job.stall(now)
    if stall is None:
        return job
    logger.warning("PDF report job %s stalled (%s) in status %s.", job.pk, stall.value, job.status)
    reason = (
        gettext("No worker took the PDF within %(minutes)s minutes.")
        if stall == Stall.NEVER_STARTED
        else gettext("The worker stopped before the PDF was ready.")
    ) % {"minutes": max(1, round(jobs.stalled_after().total_seconds() / 60))}
    try:
        return _finish(job, ReportJobStatus.FAILED, reason=reason, error=f"Stalled ({stall.value}).")
    except TransitionNotAllowed:
        # Finished meanwhile: it had not stalled after all.
        job.refresh_from_db()
        return job


def report_jobs_recover_stalled(now: datetime.datetime | None = None) -> int:
    """Recover every stalled PDF job (``manage.py recover_stalled``); returns how many were recovered."""
    recovered = 0
    for job in ReportJob.objects.filter(status__in=ACTIVE_STATUSES).order_by("pk"):
        if not report_job_recover_if_stalled(job=job, now=now).is_active:
            recovered += 1
    return recovered


def _enqueue(job: ReportJob) -> ReportJob:
    from reports.tasks import render_report_task

    try:
        result = render_report_task.enqueue(job.pk)
    except Exception as error:
        logger.exception("PDF report job %s could not be enqueued.", job.pk)
        return _finish(job, ReportJobStatus.FAILED, error=f"Not enqueued: {type(error).__name__}: {error}")
    ReportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def _finish(job: ReportJob, status: str, *, reason: str = "", **fields: Any) -> ReportJob:
    # The worker's (or the system's) change, hence no user; the conditional UPDATE of transition()
    # settles a render finishing while its job is retired as stalled. The error stays out of the
    # reason: the job page shows status changes to the user, the error is for administrators.
    return transition(job, status, reason=reason, finished_at=timezone.now(), **fields)


def report_job_render(*, job: ReportJob) -> ReportJob:
    """Render the job's PDF in its language for its user and keep the file; on error, fail the job.

    The error goes to the server log with its traceback; the job keeps its one-line summary.
    """
    try:
        # One conditional UPDATE: of two workers picking the same job, one renders it.
        job = transition(job, ReportJobStatus.RUNNING, started_at=timezone.now())
    except TransitionNotAllowed:
        # Done, failed or taken by another worker while it waited.
        job.refresh_from_db()
        return job
    report = PDF_REPORTS[job.kind]
    try:
        with translation.override(job.language):
            document = report.document(job.user, job.params)
            html = exports.render_html(report.template, {"document": document}, user=job.user)
            pdf = exports.render_pdf(html)
        stem = job.file_name.removesuffix(".pdf")
        # A random part, so that a file's name cannot be guessed should the storage ever be served.
        name = default_storage.save(
            f"{FILES_DIRECTORY}/{stem}-{secrets.token_urlsafe(12)}.pdf", ContentFile(pdf)
        )
    except Exception as error:
        logger.exception("PDF report job %s (%s %s) failed.", job.pk, job.kind, job.params)
        name = ""
        status, outcome = ReportJobStatus.FAILED, {"error": f"{type(error).__name__}: {error}"[:2000]}
    else:
        status, outcome = ReportJobStatus.DONE, {"file": name, "size": len(pdf)}
    try:
        job = _finish(job, status, **outcome)
    except TransitionNotAllowed:
        # Retired as stalled (or deleted) while it rendered: a newer job answers its requests.
        logger.warning("PDF report job %s was retired while it rendered; its outcome is dropped.", job.pk)
        if name:
            default_storage.delete(name)
        return job
    if not job.is_done:
        return job
    try:
        report_files_purge()
    except Exception:
        logger.exception("Old PDF report files could not be purged.")
    return job


def _delete_jobs(jobs) -> list[str]:
    names = [name for name in jobs.values_list("file", flat=True) if name]
    jobs.delete()
    for name in names:
        default_storage.delete(name)
    return names


def report_files_purge(*, days: int | None = None, now: datetime.datetime | None = None) -> int:
    """Delete the PDF jobs asked for more than ``days`` days ago (by default the setting) and their files.

    Also deletes files older than that under ``reports/`` that no job points to any more (a user or
    a programme deleted with its jobs). Returns the number of files deleted.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(days=max_age_days() if days is None else days)
    deleted = set(_delete_jobs(ReportJob.objects.filter(created_at__lt=cutoff)))
    try:
        _directories, files = default_storage.listdir(FILES_DIRECTORY)
    except FileNotFoundError:
        files = []
    for file in files:
        name = f"{FILES_DIRECTORY}/{file}"
        if name not in deleted and default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            deleted.add(name)
    return len(deleted)
