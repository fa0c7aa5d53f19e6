"""The page of a PDF being prepared in the background, its status (JSON, for the page's script) and
the download. Only the user who asked sees a job, and only while the report itself is open to them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from agreements.access import get_report_job_for_user_or_404
from reports.exports import PDF_MEDIA_TYPE
from reports.services import report_job_recover_if_stalled


@login_required
@require_GET
def job(request, pk: int):
    job, _mine = get_report_job_for_user_or_404(request.user, pk)
    job = report_job_recover_if_stalled(job=job)
    return render(request, "reports/job.html", {"job": job})


@login_required
@require_GET
def job_status(request, pk: int):
    job, _mine = get_report_job_for_user_or_404(request.user, pk)
    job = report_job_recover_if_stalled(job=job)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "active": job.is_active,
            "download_url": reverse("reports:job_download", args=[job.pk]) if job.is_done else None,
            "file_name": job.file_name,
        }
    )


@login_required
@require_GET
def job_download(request, pk: int):
    job, _mine = get_report_job_for_user_or_404(request.user, pk)
    if not job.is_done:
        return redirect(job)
    try:
        pdf = job.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(pdf, as_attachment=True, filename=job.file_name, content_type=PDF_MEDIA_TYPE)
