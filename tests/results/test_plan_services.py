"""The work plan workflow: submit (partner editor), approve or return (staff), reopen (staff), resubmit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements.models import Membership, Role
from core.exceptions import TransitionNotAllowed
from core.models import Organisation
from results import services
from results.models import PlanStatus, WorkPlan


@pytest.fixture
def draft_plan(pcc):
    """PROSUR's POA as a draft (the loader marks the PCC's plans approved)."""
    WorkPlan.objects.filter(programme=pcc, code="poa-prosur-2008").update(status=PlanStatus.DRAFT)
    return WorkPlan.objects.get(programme=pcc, code="poa-prosur-2008")


def test_the_loaded_plans_are_approved_without_a_status_change(pcc):
    plan = WorkPlan.objects.get(programme=pcc, code="poa-prosur-2008")
    assert plan.status == PlanStatus.APPROVED
    assert not plan.status_changes.exists()


def test_the_map_is_the_progress_reports_workflow():
    assert WorkPlan.workflow.as_dict() == {
        PlanStatus.DRAFT: {PlanStatus.SUBMITTED},
        PlanStatus.SUBMITTED: {PlanStatus.APPROVED, PlanStatus.RETURNED},
        PlanStatus.RETURNED: {PlanStatus.SUBMITTED},
        PlanStatus.APPROVED: {PlanStatus.REOPENED},
        PlanStatus.REOPENED: {PlanStatus.SUBMITTED},
    }


def test_a_plan_is_submitted_returned_resubmitted_and_approved(draft_plan, partner_a_user, staff_user):
    plan = services.plan_submit(plan=draft_plan, user=partner_a_user)
    assert (plan.status, plan.submitted_by) == (PlanStatus.SUBMITTED, partner_a_user)
    plan = services.plan_return(plan=plan, user=staff_user, reason="  Falta el cronograma.  ")
    plan = services.plan_submit(plan=plan, user=partner_a_user)
    plan = services.plan_approve(plan=plan, user=staff_user)
    assert plan.is_approved
    assert [(c.from_status, c.to_status, c.user, c.reason) for c in plan.status_changes.all()] == [
        (PlanStatus.DRAFT, PlanStatus.SUBMITTED, partner_a_user, ""),
        (PlanStatus.SUBMITTED, PlanStatus.RETURNED, staff_user, "Falta el cronograma."),
        (PlanStatus.RETURNED, PlanStatus.SUBMITTED, partner_a_user, ""),
        (PlanStatus.SUBMITTED, PlanStatus.APPROVED, staff_user, ""),
    ]
    assert plan.history.order_by("-history_id").first().history_user == staff_user


def test_staff_reopen_an_approved_plan_with_a_reason(pcc, staff_user, partner_a_user):
    plan = WorkPlan.objects.get(programme=pcc, code="poa-prosur-2008")
    with pytest.raises(ValidationError):
        services.plan_reopen(plan=plan, user=staff_user, reason=" ")
    with pytest.raises(PermissionDenied):
        services.plan_reopen(plan=plan, user=partner_a_user, reason="Quiero cambiarlo")
    plan = services.plan_reopen(plan=plan, user=staff_user, reason="Nueva meta")
    assert plan.status == PlanStatus.REOPENED and plan.can_be_submitted
    assert services.plan_submit(plan=plan, user=partner_a_user).status == PlanStatus.SUBMITTED


def test_a_return_needs_a_reason(draft_plan, partner_a_user, staff_user):
    plan = services.plan_submit(plan=draft_plan, user=partner_a_user)
    with pytest.raises(ValidationError):
        services.plan_return(plan=plan, user=staff_user, reason="")
    assert WorkPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


def test_only_the_plans_editors_submit_and_only_staff_review(
    draft_plan, partner_a_user, partner_a_viewer, partner_b_user, staff_user
):
    for user in (partner_a_viewer, partner_b_user, staff_user):
        with pytest.raises(PermissionDenied):
            services.plan_submit(plan=draft_plan, user=user)
    plan = services.plan_submit(plan=draft_plan, user=partner_a_user)
    for user in (partner_a_user, partner_a_viewer, partner_b_user):
        with pytest.raises(PermissionDenied):
            services.plan_approve(plan=plan, user=user)
    assert WorkPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


def test_nobody_approves_a_plan_they_submitted(pcc, draft_plan, staff_user):
    # Staff of the programme who is also an editor of PROSUR: may submit, and may not then review.
    Membership.objects.create(
        user=staff_user,
        programme=pcc,
        organisation=Organisation.objects.get(acronym="PROSUR"),
        role=Role.PARTNER_EDITOR,
    )
    plan = services.plan_submit(plan=draft_plan, user=staff_user)
    with pytest.raises(PermissionDenied):
        services.plan_approve(plan=plan, user=staff_user)
    with pytest.raises(PermissionDenied):
        services.plan_return(plan=plan, user=staff_user, reason="No")
    assert WorkPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


def test_a_draft_cannot_be_approved(draft_plan, staff_user):
    with pytest.raises(TransitionNotAllowed):
        services.plan_approve(plan=draft_plan, user=staff_user)
    assert not draft_plan.status_changes.exists()
