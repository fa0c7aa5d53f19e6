"""PDF reports rendered in the background: one row per requested PDF, and the file it produced."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from agreements.models import Programme
from core.jobs import Stall, stall_of
from core.models import StatusChange, User
from core.workflow import Workflow


class ReportKind(models.TextChoices):
    OPERATIONAL_PLAN = "operational-plan", _("Operational plan")
    PROGRESS_REPORT = "progress-report", _("Progress report")


class ReportJobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


REPORT_JOB_WORKFLOW = Workflow(
    ReportJobStatus,
    {
        ReportJobStatus.PENDING: {ReportJobStatus.RUNNING, ReportJobStatus.FAILED},
        ReportJobStatus.RUNNING: {ReportJobStatus.DONE, ReportJobStatus.FAILED},
        ReportJobStatus.DONE: set(),
        ReportJobStatus.FAILED: set(),
    },
)

# The statuses in which a job answers a new request for the same PDF instead of a second render.
LIVE_STATUSES = (ReportJobStatus.PENDING, ReportJobStatus.RUNNING, ReportJobStatus.DONE)
# The statuses in which a job counts against its user's REPORT_JOBS_PER_USER.
ACTIVE_STATUSES = (ReportJobStatus.PENDING, ReportJobStatus.RUNNING)


class ReportJob(models.Model):
    """One PDF a user asked for: the report, its parameters and language, and the data it was made of.

    ``fingerprint`` hashes the report's kind, parameters, language and the HTML it renders to (its
    "generated on" time left out): the same request on the same data finds the same live job, a changed
    figure (or the user's number format) gives another one.
    """

    workflow = REPORT_JOB_WORKFLOW

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="report_jobs", verbose_name=_("user")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="report_jobs", verbose_name=_("programme")
    )
    kind = models.CharField(_("report"), max_length=30, choices=ReportKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportJobStatus.choices, default=ReportJobStatus.PENDING
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, verbose_name=_("background task"))
    file = models.FileField(_("file"), upload_to="reports/", max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    error = models.TextField(_("error"), blank=True, help_text=_("The traceback is in the server log."))
    status_changes = GenericRelation(StatusChange)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("PDF report")
        verbose_name_plural = _("PDF reports")
        constraints = [
            # A failed job does not count: asking again renders again.
            models.UniqueConstraint(
                fields=["user", "fingerprint"],
                condition=models.Q(status__in=LIVE_STATUSES),
                name="reports_one_live_job_per_pdf",
            ),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} · {self.user} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("reports:job", args=[self.pk])

    def report_url(self) -> str:
        """The PDF link of the report this job answers, to ask for it again."""
        if self.kind == ReportKind.OPERATIONAL_PLAN:
            url = reverse("reports:operational_plan", args=[self.params.get("programme", ""), "pdf"])
            names = ("phase", "partner", "date_from", "date_to")
        else:
            url = reverse("reports:progress_report", args=["pdf"])
            names = ("partner", "period")
        query = {name: self.params[name] for name in names if self.params.get(name)}
        return f"{url}?{urlencode(query)}" if query else url

    @property
    def is_active(self) -> bool:
        """Waiting or rendering: the job page keeps polling."""
        return self.status in ACTIVE_STATUSES

    @property
    def is_done(self) -> bool:
        return self.status == ReportJobStatus.DONE

    @property
    def last_seen(self) -> datetime.datetime:
        """Its last sign of life (core.jobs): a render writes nothing between its start and its end."""
        return self.started_at or self.created_at

    def stall(self, now: datetime.datetime | None = None) -> Stall | None:
        """Why this job is taken as lost, ``None`` while it may still finish (see :func:`core.jobs.stall_of`)."""
        if not self.is_active:
            return None
        return stall_of(task_id=self.task_id, last_seen=self.last_seen, now=now)
