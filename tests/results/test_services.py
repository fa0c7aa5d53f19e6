import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements.models import Role
from core.exceptions import TransitionNotAllowed
from core.models import Organisation
from results import services
from results.models import ProgressReport, ProgressStatus
from tests.factories import UserFactory


@pytest.fixture
def second_staff(pcc):
    return UserFactory(
        username="staff2",
        email="staff2@example.org",
        membership=(Organisation.objects.get(acronym="COSUDE"), Role.PROGRAMME_STAFF),
    )


def test_the_transitions_map_is_the_workflow():
    assert ProgressReport.workflow.as_dict() == {
        ProgressStatus.DRAFT: {ProgressStatus.SUBMITTED},
        ProgressStatus.SUBMITTED: {ProgressStatus.APPROVED, ProgressStatus.RETURNED},
        ProgressStatus.RETURNED: {ProgressStatus.SUBMITTED},
        ProgressStatus.APPROVED: {ProgressStatus.REOPENED},
        ProgressStatus.REOPENED: {ProgressStatus.SUBMITTED},
    }


def test_submit_records_who_and_when(draft_report, partner_a_user):
    report = services.progress_submit(report=draft_report, user=partner_a_user)
    assert report.status == ProgressStatus.SUBMITTED
    assert report.submitted_by == partner_a_user and report.submitted_at is not None


def test_approve_records_the_reviewer_and_locks_the_report(submitted_report, staff_user):
    report = services.progress_approve(report=submitted_report, user=staff_user)
    assert (report.status, report.reviewed_by) == (ProgressStatus.APPROVED, staff_user)
    assert not report.is_editable
    with pytest.raises(ValidationError):
        services.progress_update(
            report=report,
            user=report.created_by,
            reported_on=datetime.date(2008, 9, 30),
            achieved_value=Decimal("2"),
        )


def test_returned_report_is_corrected_and_resubmitted(submitted_report, staff_user, partner_a_user):
    services.progress_return(report=submitted_report, user=staff_user, comment="Falta la evidencia.")
    submitted_report.refresh_from_db()
    assert (submitted_report.status, submitted_report.review_comment) == (
        ProgressStatus.RETURNED,
        "Falta la evidencia.",
    )
    services.progress_update(
        report=submitted_report,
        user=partner_a_user,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal("2"),
        narrative="Dos importadores.",
    )
    report = services.progress_submit(report=submitted_report, user=partner_a_user)
    assert (report.status, report.achieved_value) == (ProgressStatus.SUBMITTED, Decimal("2"))


def test_return_needs_a_comment(submitted_report, staff_user):
    with pytest.raises(ValidationError):
        services.progress_return(report=submitted_report, user=staff_user, comment="  ")


@pytest.mark.parametrize("action", ["approve", "return", "reopen"])
def test_a_draft_cannot_skip_submission(draft_report, staff_user, action):
    with pytest.raises(TransitionNotAllowed):
        if action == "approve":
            services.progress_approve(report=draft_report, user=staff_user)
        elif action == "return":
            services.progress_return(report=draft_report, user=staff_user, comment="No.")
        else:
            services.progress_reopen(report=draft_report, user=staff_user, reason="No.")


def test_a_submitted_report_cannot_be_submitted_again(submitted_report, partner_a_user):
    with pytest.raises(TransitionNotAllowed, match="Enviado|Submitted"):
        services.progress_submit(report=submitted_report, user=partner_a_user)


def test_an_approved_report_can_only_be_reopened_by_staff_with_a_reason(
    submitted_report, staff_user, partner_a_user
):
    report = services.progress_approve(report=submitted_report, user=staff_user)
    with pytest.raises(PermissionDenied):
        services.progress_reopen(report=report, user=partner_a_user, reason="Corregir")
    with pytest.raises(ValidationError):
        services.progress_reopen(report=report, user=staff_user, reason="")
    report = services.progress_reopen(report=report, user=staff_user, reason="Cifra mal digitada")
    assert report.status == ProgressStatus.REOPENED and report.is_editable
    assert report.history.first().history_change_reason == "Cifra mal digitada"


def test_nobody_approves_their_own_report(prosur_activity, september, admin_user):
    # An administrator may write progress only as an editor; give one both roles to test the rule.
    from agreements.models import Membership

    Membership.objects.create(
        user=admin_user,
        programme=prosur_activity.plan.programme,
        organisation=Organisation.objects.get(acronym="PROSUR"),
        role=Role.PARTNER_EDITOR,
    )
    report = services.progress_create(
        target=prosur_activity,
        period=september,
        user=admin_user,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal("1"),
    )
    services.progress_submit(report=report, user=admin_user)
    with pytest.raises(PermissionDenied):
        services.progress_approve(report=report, user=admin_user)


def test_partners_cannot_approve_and_other_partners_cannot_report(
    submitted_report, partner_a_user, partner_b_user, prosur_activity, october
):
    with pytest.raises(PermissionDenied):
        services.progress_approve(report=submitted_report, user=partner_b_user)
    with pytest.raises(PermissionDenied):
        services.progress_create(
            target=prosur_activity,
            period=october,
            user=partner_b_user,
            reported_on=datetime.date(2008, 10, 31),
            achieved_value=Decimal("1"),
        )


def test_viewers_cannot_report(prosur_activity, september, partner_a_viewer):
    with pytest.raises(PermissionDenied):
        services.progress_create(
            target=prosur_activity,
            period=september,
            user=partner_a_viewer,
            reported_on=datetime.date(2008, 9, 30),
            achieved_value=Decimal("1"),
        )


def test_a_locked_period_refuses_new_reports_edits_and_submissions(
    draft_report, staff_user, partner_a_user, prosur_indicator, september
):
    services.period_set_locked(period=september, user=staff_user, locked=True)
    draft_report.refresh_from_db()
    with pytest.raises(ValidationError, match="bloquead|locked"):
        services.progress_update(
            report=draft_report,
            user=partner_a_user,
            reported_on=datetime.date(2008, 9, 30),
            achieved_value=Decimal("2"),
        )
    with pytest.raises(ValidationError):
        services.progress_submit(report=draft_report, user=partner_a_user)
    with pytest.raises(ValidationError):
        services.progress_create(
            target=prosur_indicator,
            period=september,
            user=partner_a_user,
            reported_on=datetime.date(2008, 9, 30),
            achieved_value=Decimal("3"),
        )
    services.period_set_locked(period=september, user=staff_user, locked=False)
    assert (
        services.progress_submit(report=draft_report, user=partner_a_user).status == ProgressStatus.SUBMITTED
    )


def test_only_staff_lock_periods(september, partner_a_user):
    with pytest.raises(PermissionDenied):
        services.period_set_locked(period=september, user=partner_a_user, locked=True)


def test_submit_mails_programme_staff_and_return_mails_the_partners_editors(
    draft_report, partner_a_user, staff_user, second_staff, mailoutbox, django_capture_on_commit_callbacks
):
    partner_a_user.email = "editor@prosur.example"
    partner_a_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_submit(report=draft_report, user=partner_a_user)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["staff2@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_return(report=draft_report, user=second_staff, comment="Adjunte el informe.")
    assert mailoutbox[1].to == ["editor@prosur.example"]
    assert "Adjunte el informe." in mailoutbox[1].body


def test_changing_a_target_of_an_approved_plan_needs_a_reason_and_is_kept_in_history(
    prosur_activity, staff_user
):
    assert prosur_activity.plan.is_approved
    with pytest.raises(ValidationError):
        services.target_change(target=prosur_activity, user=staff_user, printed="3")
    services.target_change(target=prosur_activity, user=staff_user, printed="3", reason="Nuevo importador")
    prosur_activity.refresh_from_db()
    assert (prosur_activity.target_text, prosur_activity.target_value) == ("3", Decimal("3"))
    latest = prosur_activity.history.first()
    assert (latest.history_user, latest.history_change_reason) == (staff_user, "Nuevo importador")
    assert latest.prev_record.target_text == "2"


def test_partners_cannot_change_targets(prosur_activity, partner_a_user):
    with pytest.raises(PermissionDenied):
        services.target_change(target=prosur_activity, user=partner_a_user, printed="1", reason="Menos")
