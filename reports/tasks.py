"""Background rendering of PDF reports, run by the configured Django tasks backend.

With ``django_tasks_db`` the worker is ``python manage.py db_worker``; tests run tasks immediately.
"""

from __future__ import annotations

from django_tasks import task

from reports.models import ReportJob
from reports.services import report_job_render


@task()
def render_report_task(job_id: int) -> str:
    job = ReportJob.objects.select_related("user", "programme").filter(pk=job_id).first()
    if job is None:
        # Purged (or its user deleted) while it waited for a worker.
        return "missing"
    return report_job_render(job=job).status
