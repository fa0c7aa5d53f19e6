"""Fixtures of the dashboards and reports: the PCC reconciled, progress in several statuses, a large portfolio."""

import datetime
from decimal import Decimal

import pytest
from django.urls import resolve, reverse

from reconciliation.engine import reconcile
from reports.models import ReportJob
from reports.synthetic import generate_portfolio
from results.models import Activity, ReportingPeriod
from results.services import progress_approve, progress_create, progress_return, progress_submit


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """PDF reports are kept in the default storage: a fresh folder for every test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def download_pdf():
    """Ask for a PDF as a user clicking its link does, wait on the job page, download the file."""

    def _download(client, url, params=None):
        response = client.get(url, params or {})
        assert response.status_code == 302
        job = ReportJob.objects.get(pk=resolve(response["Location"]).kwargs["pk"])
        page = client.get(response["Location"])
        assert page.status_code == 200
        download = reverse("reports:job_download", args=[job.pk])
        assert download.encode() in page.content, "the job page offers no download"
        response = client.get(download)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        return b"".join(response.streaming_content)

    return _download


@pytest.fixture
def reconciled(pcc):
    reconcile(pcc)
    return pcc


@pytest.fixture
def september(pcc):
    return ReportingPeriod.objects.get(programme=pcc, start_date=datetime.date(2008, 9, 1))


@pytest.fixture
def prosur_activity(pcc):
    """PROSUR's activity 1.1 (target 80 %), planned September to December 2008."""
    return Activity.objects.get(plan__code="poa-prosur-2008", code="1.1")


@pytest.fixture
def ampex_activity(pcc):
    return (
        Activity.objects.filter(plan__code="poa-ampex-2008", target_value__isnull=False)
        .order_by("order")
        .first()
    )


@pytest.fixture
def progress(staff_user, partner_a_user, partner_b_user, september, prosur_activity, ampex_activity):
    """PROSUR: one approved report (60 of 80 %); AMPEX: one submitted and one returned report."""
    approved = progress_create(
        target=prosur_activity,
        period=september,
        user=partner_a_user,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal("60"),
        narrative="Sixty per cent of the firms trained.",
    )
    progress_submit(report=approved, user=partner_a_user)
    progress_approve(report=approved, user=staff_user)
    submitted = progress_create(
        target=ampex_activity,
        period=september,
        user=partner_b_user,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal("1"),
    )
    progress_submit(report=submitted, user=partner_b_user)
    other = (
        Activity.objects.filter(plan__code="poa-ampex-2008", target_value__isnull=False)
        .exclude(pk=ampex_activity.pk)
        .order_by("order")
        .first()
    )
    returned = progress_create(
        target=other,
        period=september,
        user=partner_b_user,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal("2"),
    )
    progress_submit(report=returned, user=partner_b_user)
    progress_return(report=returned, user=staff_user, comment="Add the list of participants.")
    return {"approved": approved, "submitted": submitted, "returned": returned}


@pytest.fixture
def large_portfolio(pcc, staff_user):
    """Twenty more programmes in which COSUDE takes part, with budgets, plans and progress; the COSUDE
    staff user is programme staff of each (roles are held per programme)."""
    from agreements.models import Membership, Programme, Role

    portfolio = generate_portfolio(programmes=20, seed=7, donor="COSUDE")
    cosude = staff_user.memberships.get().organisation
    Membership.objects.bulk_create(
        Membership(user=staff_user, programme=p, organisation=cosude, role=Role.PROGRAMME_STAFF)
        for p in Programme.objects.exclude(pk=pcc.pk)
    )
    return portfolio
