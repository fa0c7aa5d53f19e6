"""Editing a progress report: locked and checked like a submit, versioned, with an optional reason."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from results import services
from results.models import ProgressReport


def edit(report, user, value, **kwargs):
    return services.progress_update(
        report=report,
        user=user,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal(value),
        **kwargs,
    )


def test_every_edit_and_transition_increments_the_version(draft_report, partner_a_user, staff_user):
    assert draft_report.version == 1
    report = edit(draft_report, partner_a_user, "2", version=1)
    assert report.version == 2
    report = services.progress_submit(report=report, user=partner_a_user)
    assert report.version == 3
    assert services.progress_return(report=report, user=staff_user, comment="Revisar").version == 4


def test_an_edit_from_an_older_version_is_refused_with_both_values(draft_report, partner_a_user):
    edit(draft_report, partner_a_user, "2", version=1)
    with pytest.raises(ValidationError) as refused:
        edit(draft_report, partner_a_user, "7", version=1)
    assert refused.value.code == "stale"
    message = refused.value.messages[0]
    assert "2" in message and "7" in message
    stored = ProgressReport.objects.get(pk=draft_report.pk)
    assert (stored.achieved_value, stored.version) == (Decimal("2"), 2)


def test_an_edit_after_the_submit_is_refused(draft_report, partner_a_user):
    services.progress_submit(report=draft_report, user=partner_a_user)
    # The caller's object still says "draft": the check is made on the locked row.
    with pytest.raises(ValidationError) as refused:
        edit(draft_report, partner_a_user, "9")
    assert refused.value.code == "not_editable"
    assert ProgressReport.objects.get(pk=draft_report.pk).achieved_value == Decimal("1")


def test_the_reason_goes_to_the_history(draft_report, partner_a_user):
    edit(draft_report, partner_a_user, "2", reason="Cifra corregida según el acta")
    latest = draft_report.history.order_by("-history_id").first()
    assert (latest.achieved_value, latest.history_user, latest.history_change_reason) == (
        Decimal("2"),
        partner_a_user,
        "Cifra corregida según el acta",
    )


def test_the_edit_page_refuses_a_stale_save_showing_both_values_then_accepts_a_deliberate_one(
    login, draft_report, partner_a_user
):
    client = login(partner_a_user)
    edit_url = reverse("results:progress_edit", args=[draft_report.pk])
    form = client.get(edit_url).content.decode()
    assert 'name="version" value="1"' in form and 'name="change_reason"' in form
    edit(draft_report, partner_a_user, "3")  # someone else saves meanwhile

    data = {"reported_on": "2008-09-30", "achieved_value": "5", "narrative": "", "version": "1"}
    response = client.post(edit_url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page and "3" in page and "5" in page
    assert 'name="version" value="2"' in page  # saving again overwrites, knowingly
    assert ProgressReport.objects.get(pk=draft_report.pk).achieved_value == Decimal("3")

    response = client.post(edit_url, {**data, "version": "2", "change_reason": "Valor del acta"})
    assert response.status_code == 302
    stored = ProgressReport.objects.get(pk=draft_report.pk)
    assert (stored.achieved_value, stored.version) == (Decimal("5"), 3)
    assert stored.history.order_by("-history_id").first().history_change_reason == "Valor del acta"


def test_the_report_page_lists_its_status_changes(login, submitted_report, staff_user):
    services.progress_return(report=submitted_report, user=staff_user, comment="Falta la evidencia.")
    page = (
        login(staff_user).get(reverse("results:progress_detail", args=[submitted_report.pk])).content.decode()
    )
    assert page.count('class="status-change"') == 2
    assert "Borrador → Enviado" in page and "Enviado → Devuelto" in page and "Falta la evidencia." in page


def test_the_edit_page_of_a_submitted_report_only_shows_it_and_says_why(
    login, submitted_report, partner_a_user
):
    client = login(partner_a_user)
    edit_url = reverse("results:progress_edit", args=[submitted_report.pk])
    page = client.get(edit_url).content.decode()
    assert 'id="read-only"' in page and "«Enviado» no se puede editar" in page
    form = page[page.index('enctype="multipart/form-data"') :]
    form = form[: form.index("</form>")]
    assert 'name="achieved_value"' in form and "Contacto con un importador de Hamburgo." in form
    assert form.count(" disabled") >= 4  # date, value, narrative, evidence
    assert 'type="submit"' not in form and "Guardar borrador" not in form

    response = client.post(edit_url, {"reported_on": "2008-09-30", "achieved_value": "9", "version": "2"})
    assert response.status_code == 200 and 'id="read-only"' in response.content.decode()
    submitted_report.refresh_from_db()
    assert submitted_report.achieved_value == Decimal("1")


def test_the_edit_page_of_an_approved_report_only_shows_it(
    login, submitted_report, partner_a_user, staff_user
):
    services.progress_approve(report=submitted_report, user=staff_user)
    page = (
        login(partner_a_user)
        .get(reverse("results:progress_edit", args=[submitted_report.pk]))
        .content.decode()
    )
    assert "«Aprobado» no se puede editar" in page and "Guardar borrador" not in page


def test_the_edit_page_of_a_draft_in_a_locked_period_says_the_period_is_locked(
    login, draft_report, partner_a_user, staff_user
):
    services.period_set_locked(period=draft_report.period, user=staff_user, locked=True)
    page = (
        login(partner_a_user).get(reverse("results:progress_edit", args=[draft_report.pk])).content.decode()
    )
    assert 'id="read-only"' in page and f"{draft_report.period.label} está bloqueado" in page
    assert "Guardar borrador" not in page


def test_the_edit_page_of_a_draft_can_be_saved(login, draft_report, partner_a_user):
    page = (
        login(partner_a_user).get(reverse("results:progress_edit", args=[draft_report.pk])).content.decode()
    )
    assert 'id="read-only"' not in page and "Guardar borrador" in page
