"""The work plan's submit, approve, return and reopen buttons and pages (POST only), and its status rows."""

import pytest
from django.urls import reverse

from core.models import StatusChange
from results.models import PlanStatus, WorkPlan

PLAN = "poa-prosur-2008"


def url(name: str, code: str = PLAN) -> str:
    return reverse(f"results:{name}", args=[code])


@pytest.fixture
def draft_plan(pcc):
    WorkPlan.objects.filter(programme=pcc, code=PLAN).update(status=PlanStatus.DRAFT)
    return WorkPlan.objects.get(programme=pcc, code=PLAN)


def status_of(code: str = PLAN) -> str:
    return WorkPlan.objects.get(code=code).status


def test_prosur_editor_submits_and_staff_approve_and_the_page_shows_both_changes(
    login, draft_plan, partner_a_user, staff_user
):
    client = login(partner_a_user)
    page = client.get(url("plan_detail")).content.decode()
    assert url("plan_submit") in page and url("plan_approve") not in page
    response = client.post(url("plan_submit"))
    assert (response.status_code, response["Location"]) == (302, url("plan_detail"))
    assert status_of() == PlanStatus.SUBMITTED
    assert url("plan_submit") not in client.get(url("plan_detail")).content.decode()

    client = login(staff_user)
    page = client.get(url("plan_detail")).content.decode()
    assert url("plan_approve") in page and url("plan_return") in page
    assert client.post(url("plan_approve")).status_code == 302
    assert status_of() == PlanStatus.APPROVED

    page = client.get(url("plan_detail")).content.decode()
    assert page.count('class="status-change"') == 2
    assert "prosur" in page and "Borrador → Enviado" in page and "Enviado → Aprobado" in page
    assert url("plan_reopen") in page and url("plan_approve") not in page


def test_staff_return_with_a_reason_shown_on_the_page(login, draft_plan, partner_a_user, staff_user):
    login(partner_a_user).post(url("plan_submit"))
    client = login(staff_user)
    client.post(url("plan_return"), {"reason": ""})
    assert status_of() == PlanStatus.SUBMITTED
    client.post(url("plan_return"), {"reason": "Falta el cronograma de octubre."})
    assert status_of() == PlanStatus.RETURNED
    assert "Falta el cronograma de octubre." in client.get(url("plan_detail")).content.decode()


def test_staff_reopen_an_approved_plan(login, pcc, staff_user):
    client = login(staff_user)
    client.post(url("plan_reopen"), {"reason": "Nueva meta del resultado 2"})
    assert status_of() == PlanStatus.REOPENED
    change = StatusChange.objects.get(
        object_id=WorkPlan.objects.get(code=PLAN).pk, to_status=PlanStatus.REOPENED
    )
    assert (change.user, change.reason) == (staff_user, "Nueva meta del resultado 2")


def test_the_viewer_may_not_submit_or_review(login, draft_plan, partner_a_viewer):
    client = login(partner_a_viewer)
    page = client.get(url("plan_detail")).content.decode()
    assert not any(
        url(name) in page for name in ("plan_submit", "plan_approve", "plan_return", "plan_reopen")
    )
    assert client.post(url("plan_submit")).status_code in (403, 404)
    assert client.post(url("plan_approve")).status_code in (403, 404)
    assert status_of() == PlanStatus.DRAFT


def test_another_partners_editor_gets_404_on_prosurs_plan(login, draft_plan, partner_b_user):
    client = login(partner_b_user)
    for name in ("plan_submit", "plan_approve", "plan_return", "plan_reopen"):
        assert client.post(url(name), {"reason": "x"}).status_code == 404
    assert status_of() == PlanStatus.DRAFT


def test_the_partner_cannot_approve_its_own_submission(login, draft_plan, partner_a_user):
    client = login(partner_a_user)
    client.post(url("plan_submit"))
    assert client.post(url("plan_approve")).status_code == 403
    assert status_of() == PlanStatus.SUBMITTED


def test_the_actions_are_post_only(login, draft_plan, partner_a_user):
    client = login(partner_a_user)
    assert client.get(url("plan_submit")).status_code == 405
    assert status_of() == PlanStatus.DRAFT


def test_the_actions_need_the_csrf_token(draft_plan, partner_a_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(partner_a_user)
    assert client.post(url("plan_submit")).status_code == 403
    assert status_of() == PlanStatus.DRAFT


def test_a_refused_transition_is_a_message_not_an_error(login, pcc, staff_user):
    client = login(staff_user)
    response = client.post(url("plan_approve"), follow=True)  # already approved
    assert response.status_code == 200
    # The message names both statuses (its sentence is translated once the catalogue has it).
    assert "«Aprobado»" in response.content.decode()
    assert status_of() == PlanStatus.APPROVED
