"""Who may open which report: every report view, and every PDF job of a report, fetches through these.

What the user may not see is a 404, never a 403, so its existence does not leak.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from agreements.models import Programme
from core.models import Organisation, User
from reports.models import ReportJob, ReportKind
from results.models import ReportingPeriod


def get_programme_for_user_or_404(user: User, code: str) -> Programme:
    return get_object_or_404(Programme.objects.for_user(user), code=code)


def get_partner_for_user_or_404(user: User, acronym: str) -> Organisation:
    """Staff open any organisation taking part in their programmes; a partner only its own."""
    if user.is_programme_staff:
        organisations = Organisation.objects.filter(
            participations__programme__in=Programme.objects.for_user(user)
        )
    else:
        organisations = Organisation.objects.filter(pk__in=user.organisation_ids)
    return get_object_or_404(organisations.distinct(), acronym=acronym)


def get_period_for_user_or_404(user: User, period_id: str | int) -> ReportingPeriod:
    if not str(period_id).isdigit():
        raise Http404
    return get_object_or_404(ReportingPeriod.objects.for_user(user).select_related("programme"), pk=period_id)


def check_report_access_or_404(user: User, kind: str, params: dict) -> None:
    """The report's own rules applied to a PDF job's parameters, as they are now."""
    if kind == ReportKind.OPERATIONAL_PLAN:
        get_programme_for_user_or_404(user, params.get("programme", ""))
    elif kind == ReportKind.PROGRESS_REPORT:
        get_partner_for_user_or_404(user, params.get("partner", ""))
        get_period_for_user_or_404(user, params.get("period", ""))
    else:
        raise Http404


def get_report_job_for_user_or_404(user: User, pk: int) -> ReportJob:
    """A PDF job of the user's own (anyone else's is a 404), of a report the user may still open."""
    job = get_object_or_404(ReportJob.objects.select_related("programme"), pk=pk, user_id=user.pk)
    check_report_access_or_404(user, job.kind, job.params)
    return job
