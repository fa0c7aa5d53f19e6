"""One status mechanism for the five workflows: the map refuses, one exception, one StatusChange per change."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from core.exceptions import TransitionNotAllowed
from core.models import ImportRecord, ImportStatus, StatusChange
from core.workflow import Workflow, transition
from imports.services import import_cancel
from reconciliation.models import Finding, FindingStatus
from reconciliation.services import finding_explain, finding_reopen, finding_resolve
from reports.models import ReportJob, ReportJobStatus, ReportKind
from results import services
from results.models import Activity, PlanStatus, ProgressReport, ProgressStatus, ReportingPeriod, WorkPlan


def changes_of(obj) -> list[StatusChange]:
    return list(
        StatusChange.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    )


@pytest.fixture
def draft_report(pcc, partner_a_user):
    activity = Activity.objects.get(plan__code="poa-prosur-2008", key="2.1.1")
    period = ReportingPeriod.objects.get(programme=pcc, start_date=datetime.date(2008, 9, 1))
    return services.progress_create(
        target=activity,
        period=period,
        user=partner_a_user,
        reported_on=period.end_date,
        achieved_value=Decimal("1"),
    )


@pytest.fixture
def import_record(staff_user):
    return ImportRecord.objects.create(
        user=staff_user, kind="exchange-rates", file_name="rates.csv", sha256="0" * 64, locale="dot"
    )


@pytest.fixture
def report_job(pcc, staff_user):
    return ReportJob.objects.create(
        user=staff_user,
        programme=pcc,
        kind=ReportKind.OPERATIONAL_PLAN,
        language="es",
        fingerprint="f" * 64,
        file_name="poa-pcc.pdf",
    )


@pytest.fixture
def open_finding(pcc):
    return Finding.objects.filter(rule__programme=pcc, status=FindingStatus.OPEN).first()


@pytest.fixture
def prosur_plan(pcc):
    return WorkPlan.objects.get(programme=pcc, code="poa-prosur-2008")


# What each model may not do from the state its fixture leaves it in.
REFUSED = {
    "import": ("import_record", ImportStatus.DONE),  # pending → done skips the check and the import
    "finding": ("open_finding", FindingStatus.OPEN),  # no change is not a change
    "progress": ("draft_report", ProgressStatus.APPROVED),  # a draft is approved only once submitted
    "plan": ("prosur_plan", PlanStatus.SUBMITTED),  # the loaded plan is approved
    "report job": ("report_job", ReportJobStatus.DONE),  # pending → done skips the render
}


@pytest.mark.parametrize("name", REFUSED)
def test_each_workflow_refuses_a_change_not_in_its_map_with_the_one_exception(request, name, staff_user):
    fixture, target = REFUSED[name]
    obj = request.getfixturevalue(fixture)
    before = obj.status
    with pytest.raises(TransitionNotAllowed) as refused:
        transition(obj, target, user=staff_user)
    assert (refused.value.source, refused.value.target, refused.value.code) == (before, target, "transition")
    obj.refresh_from_db()
    assert obj.status == before
    assert changes_of(obj) == []


def test_the_refusal_names_the_object_and_both_statuses_in_the_users_language(draft_report, staff_user):
    with pytest.raises(TransitionNotAllowed) as refused:
        services.progress_approve(report=draft_report, user=staff_user)
    with translation.override("en"):
        assert refused.value.messages == ["Progress report cannot go from “Draft” to “Approved”."]
    with translation.override("es"):
        assert refused.value.messages == ["Informe de avance no puede pasar de «Borrador» a «Aprobado»."]


def test_the_map_must_name_every_status():
    with pytest.raises(ValueError):
        Workflow(PlanStatus, {PlanStatus.DRAFT: {PlanStatus.SUBMITTED}})


def test_a_progress_report_change_writes_one_status_change_and_a_history_row_crediting_the_user(
    draft_report, partner_a_user, staff_user
):
    report = services.progress_submit(report=draft_report, user=partner_a_user)
    report = services.progress_return(report=report, user=staff_user, comment="Falta la evidencia.")
    assert [(c.from_status, c.to_status, c.user, c.reason) for c in changes_of(report)] == [
        (ProgressStatus.DRAFT, ProgressStatus.SUBMITTED, partner_a_user, ""),
        (ProgressStatus.SUBMITTED, ProgressStatus.RETURNED, staff_user, "Falta la evidencia."),
    ]
    latest = report.history.order_by("-history_id").first()
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        ProgressStatus.RETURNED,
        staff_user,
        "Falta la evidencia.",
    )
    # Created at version 1; each transition adds one.
    assert report.version == 3


def test_a_work_plan_change_writes_one_status_change_with_its_reason(prosur_plan, staff_user):
    plan = services.plan_reopen(plan=prosur_plan, user=staff_user, reason="Nueva meta del resultado 2")
    [change] = changes_of(plan)
    assert (change.from_status, change.to_status, change.user, change.reason) == (
        PlanStatus.APPROVED,
        PlanStatus.REOPENED,
        staff_user,
        "Nueva meta del resultado 2",
    )
    assert plan.history.order_by("-history_id").first().history_user == staff_user


def test_a_finding_change_writes_one_status_change_each_time(open_finding, staff_user):
    finding = finding_explain(finding=open_finding, user=staff_user, comment="Redondeo del documento.")
    finding = finding_reopen(finding=finding, user=None, reason="Cifras nuevas")
    finding = finding_resolve(finding=finding)
    assert [(c.from_status, c.to_status, c.user, c.reason) for c in changes_of(finding)] == [
        (FindingStatus.OPEN, FindingStatus.EXPLAINED, staff_user, "Redondeo del documento."),
        (FindingStatus.EXPLAINED, FindingStatus.OPEN, None, "Cifras nuevas"),
        (FindingStatus.OPEN, FindingStatus.RESOLVED, None, ""),
    ]
    assert finding.explanation == "" and finding.explained_by is None
    explained = finding.history.filter(status=FindingStatus.EXPLAINED).get()
    assert (explained.history_user, explained.explanation) == (staff_user, "Redondeo del documento.")


def test_an_import_change_writes_one_status_change_crediting_who_cancelled(import_record, staff_user):
    record = transition(import_record, ImportStatus.DRY_RUN)
    record = import_cancel(record=record, user=staff_user)
    assert record.status == ImportStatus.CANCELLED and record.finished_at is not None
    assert [(c.from_status, c.to_status, c.user) for c in changes_of(record)] == [
        (ImportStatus.PENDING, ImportStatus.DRY_RUN, None),
        (ImportStatus.DRY_RUN, ImportStatus.CANCELLED, staff_user),
    ]


def test_a_report_job_change_is_the_workers_and_writes_one_status_change(report_job):
    job = transition(report_job, ReportJobStatus.RUNNING)
    [change] = changes_of(job)
    assert (change.from_status, change.to_status, change.user) == (
        ReportJobStatus.PENDING,
        ReportJobStatus.RUNNING,
        None,
    )
    assert (change.from_label, change.to_label) == (
        ReportJobStatus.PENDING.label,
        ReportJobStatus.RUNNING.label,
    )


def test_of_two_changes_from_the_same_status_the_second_is_refused(draft_report, partner_a_user, staff_user):
    report = services.progress_submit(report=draft_report, user=partner_a_user)
    first, second = ProgressReport.objects.get(pk=report.pk), ProgressReport.objects.get(pk=report.pk)
    transition(first, ProgressStatus.APPROVED, user=staff_user)
    # ``second`` still believes the report is submitted: the conditional UPDATE matches no row.
    with pytest.raises(TransitionNotAllowed) as refused:
        transition(second, ProgressStatus.RETURNED, user=staff_user, reason="tarde")
    assert refused.value.source == ProgressStatus.APPROVED
    assert [c.to_status for c in changes_of(report)] == [ProgressStatus.SUBMITTED, ProgressStatus.APPROVED]
    assert ProgressReport.objects.get(pk=report.pk).status == ProgressStatus.APPROVED


def test_a_change_of_an_object_gone_is_refused(report_job):
    ReportJob.objects.filter(pk=report_job.pk).delete()
    with pytest.raises(TransitionNotAllowed) as refused:
        transition(report_job, ReportJobStatus.RUNNING)
    assert refused.value.source is None


def test_deleting_an_object_deletes_its_status_changes(report_job):
    transition(report_job, ReportJobStatus.FAILED)
    content_type, pk = ContentType.objects.get_for_model(ReportJob), report_job.pk
    report_job.delete()
    assert not StatusChange.objects.filter(content_type=content_type, object_id=pk).exists()


@pytest.mark.parametrize("model", [ImportRecord, Finding, ProgressReport, WorkPlan, ReportJob])
def test_the_admin_shows_every_status_read_only(rf, admin_user, model):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = admin_user
    assert "status" in admin.site._registry[model].get_readonly_fields(request)
