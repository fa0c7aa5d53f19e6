"""Roles per programme: the probes that found the cross-programme leak, the auditor, the source viewer.

The "two hats" user is programme staff of an unrelated programme and a PROSUR viewer in the PCC; a
role in one programme must give nothing in another.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from agreements.models import DocumentAccess, Membership, Role
from budgets.models import BudgetFact, BudgetRow
from core.models import ImportRecord, ImportStatus, Organisation
from reconciliation.models import Finding, FindingStatus
from results.models import Activity, ProgressReport
from tests.factories import OrganisationFactory, ParticipantFactory, ProgrammeFactory, UserFactory

SOURCE = "pcc-enmienda-2009"


@pytest.fixture
def other_programme(db):
    donor = OrganisationFactory(acronym="OTRO-DONANTE", kind="donor")
    programme = ProgrammeFactory(code="otro")
    ParticipantFactory(programme=programme, organisation=donor, role="donor")
    return programme


@pytest.fixture
def two_hats(pcc, other_programme):
    user = UserFactory(username="two-hats")
    donor = other_programme.participants.get().organisation
    Membership.objects.create(
        user=user, programme=other_programme, organisation=donor, role=Role.PROGRAMME_STAFF
    )
    prosur = Organisation.objects.get(acronym="PROSUR")
    Membership.objects.create(user=user, programme=pcc, organisation=prosur, role=Role.PARTNER_VIEWER)
    return user


@pytest.fixture
def auditor(pcc):
    return UserFactory(
        username="seco", membership=(Organisation.objects.get(acronym="SECO"), Role.AUDITOR, pcc)
    )


def test_two_hats_cannot_explain_a_pcc_finding(login, two_hats, pcc):
    finding = Finding.objects.filter(rule__programme=pcc, partner__acronym="PROSUR", status="open").first()
    response = login(two_hats).post(
        reverse("budgets:explain", args=["pcc", finding.pk]), {"comment": "Not my programme."}
    )
    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and finding.explained_by is None


def test_two_hats_cannot_recompute_the_pcc_reconciliation(login, two_hats, pcc, monkeypatch):
    calls = []
    monkeypatch.setattr("budgets.views.reconcile", lambda programme, cause="": calls.append(programme) or [])
    response = login(two_hats).post(reverse("budgets:recompute", args=["pcc"]))
    assert response.status_code == 403 and calls == []


def test_two_hats_cannot_open_the_pcc_dashboard_but_sees_prosur(login, two_hats):
    client = login(two_hats)
    assert client.get(reverse("reports:programme_dashboard", args=["pcc"])).status_code == 403
    assert client.get(reverse("results:plan_detail", args=["poa-prosur-2008"])).status_code == 200
    assert client.get(reverse("results:plan_detail", args=["poa-ampex-2008"])).status_code == 404
    assert set(BudgetFact.objects.for_user(two_hats).values_list("partner__acronym", flat=True)) == {"PROSUR"}


def test_nobody_else_opens_an_import_preview(login, two_hats, staff_user, admin_user):
    record = ImportRecord.objects.create(
        user=staff_user,
        kind="budget-facts",
        file_name="cifras.xlsx",
        sha256="0" * 64,
        locale="dot",
        status=ImportStatus.DRY_RUN,
        preview={"changed": [{"key": "sp12", "changes": [["amount", "1", "2"]]}]},
    )
    other_staff = UserFactory(membership=(Organisation.objects.get(acronym="APCI"), Role.PROGRAMME_STAFF))
    for intruder in (two_hats, other_staff):
        client = login(intruder)
        assert client.get(reverse("imports:import_preview", args=[record.pk])).status_code == 404
        assert client.post(reverse("imports:import_confirm", args=[record.pk])).status_code == 404
        assert client.post(reverse("imports:import_cancel", args=[record.pk])).status_code == 404
    # A site administrator may look (support), never confirm or cancel someone else's import.
    client = login(admin_user)
    assert client.get(reverse("imports:import_preview", args=[record.pk])).status_code == 200
    assert client.post(reverse("imports:import_cancel", args=[record.pk])).status_code == 403
    record.refresh_from_db()
    assert record.status == ImportStatus.DRY_RUN and not record.cancel_requested


def test_a_superuser_writes_a_partners_progress_only_explicitly_on_its_behalf(login, admin_user, pcc):
    activity = Activity.objects.filter(plan__code="poa-prosur-2008", target_value__isnull=False).first()
    assert not admin_user.has_perm("results.report_progress", activity.plan)
    period = pcc.reporting_periods.order_by("start_date").first()
    client = login(admin_user)
    url = reverse("results:activity_progress_create", args=[activity.pk])
    data = {"period": period.pk, "reported_on": "2008-09-30", "achieved_value": "3", "narrative": "x"}

    response = client.post(url, data)
    assert response.status_code == 200 and "on_behalf" in response.context["form"].errors
    assert not ProgressReport.objects.filter(activity=activity).exists()

    client.post(url, {**data, "on_behalf": "on"})
    report = ProgressReport.objects.get(activity=activity)
    assert (report.on_behalf_of.acronym, report.created_by) == ("PROSUR", admin_user)
    assert report.history.get().history_change_reason == "En nombre de PROSUR."
    page = client.get(reverse("results:progress_detail", args=[report.pk])).content.decode()
    assert "PROSUR" in page and "En nombre de" in page


def test_programme_staff_never_write_a_partners_progress(login, staff_user):
    activity = Activity.objects.filter(plan__code="poa-prosur-2008", target_value__isnull=False).first()
    url = reverse("results:activity_progress_create", args=[activity.pk])
    assert login(staff_user).post(url, {"on_behalf": "on"}).status_code == 403


def test_programme_staff_cannot_change_a_shared_exchange_rate(login, staff_user):
    client = login(staff_user)
    from core.models import ExchangeRate

    rate = ExchangeRate.objects.get(code="pcc-chf-usd-1-25")
    response = client.post(reverse("admin:core_exchangerate_change", args=[rate.pk]), {"rate": "9.99"})
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    rate.refresh_from_db()
    assert str(rate.rate) == "1.250000"


def test_an_auditor_reads_the_whole_programme_and_changes_nothing(login, auditor, pcc):
    client = login(auditor)
    assert client.get(reverse("reports:programme_dashboard", args=["pcc"])).status_code == 200
    assert client.get(reverse("budgets:table", args=["pcc", "sp12-cuadro-2-ampex"])).status_code == 200
    assert client.get(reverse("results:plan_detail", args=["poa-ampex-2008"])).status_code == 200
    assert BudgetFact.objects.for_user(auditor).count() == BudgetFact.objects.filter(programme=pcc).count()
    finding = Finding.objects.filter(rule__programme=pcc, status="open").first()
    assert (
        client.post(reverse("budgets:explain", args=["pcc", finding.pk]), {"comment": "ok"}).status_code
        == 403
    )
    assert client.post(reverse("budgets:recompute", args=["pcc"])).status_code == 403
    assert client.get(reverse("results:review_queue")).status_code == 403
    activity = Activity.objects.filter(plan__code="poa-prosur-2008").first()
    assert client.post(reverse("results:activity_progress_create", args=[activity.pk])).status_code == 403


def test_a_role_in_another_programme_opens_no_pcc_page(login, other_programme):
    donor = other_programme.participants.get().organisation
    outsider = UserFactory(membership=(donor, Role.ADMINISTRATOR, other_programme))
    client = login(outsider)
    for path in (
        reverse("agreements:programme_detail", args=["pcc"]),
        reverse("budgets:reconciliation", args=["pcc"]),
        reverse("agreements:document", args=[SOURCE]),
        reverse("results:plan_detail", args=["poa-prosur-2008"]),
    ):
        assert client.get(path).status_code == 404, path


# --- the source viewer --------------------------------------------------------------------------------


def _ampex_execution_line(pcc) -> int:
    return (
        BudgetFact.objects.filter(
            programme=pcc, partner__acronym="AMPEX", budget_table__code="sp12-cuadro-2-ampex"
        )
        .order_by("line")
        .values_list("line", flat=True)
        .first()
    )


def test_participants_read_the_whole_source_by_default(login, partner_b_user, pcc):
    line = _ampex_execution_line(pcc)
    prosur_line = BudgetFact.objects.filter(budget_table__code="sp12-cuadro-2-prosur").values_list(
        "line", flat=True
    )[0]
    html = login(partner_b_user).get(reverse("agreements:document", args=[SOURCE])).content.decode()
    assert f'id="L{line}"' in html and f'id="L{prosur_line}"' in html
    assert "withheld" not in html.lower() and "reservad" not in html.lower()


def test_a_programme_may_show_partners_only_the_table_lines_they_may_see(
    login, partner_b_user, staff_user, pcc
):
    pcc.partner_document_access = DocumentAccess.OWN_LINES
    pcc.save(update_fields=["partner_document_access"])
    document_url = reverse("agreements:document", args=[SOURCE])
    prosur_row = (
        BudgetRow.objects.filter(table__code="sp12-cuadro-2-prosur", label__gt="").order_by("line").first()
    )
    ampex_line = _ampex_execution_line(pcc)
    prosur_text = pcc.budget_tables.get(code="sp12-cuadro-2-prosur").document.line_text(prosur_row.line)

    lines = login(partner_b_user).get(document_url).context["lines"]
    by_number = {n: text for n, text, _hl in lines}
    assert by_number[prosur_row.line] is None  # PROSUR's row: withheld from AMPEX
    assert by_number[ampex_line]  # its own row: shown
    assert by_number[100]  # the glossary, outside the tables: shown
    assert len(lines) == len(pcc.budget_tables.first().document.text.splitlines())  # numbering kept

    staff_lines = {n: text for n, text, _hl in login(staff_user).get(document_url).context["lines"]}
    assert staff_lines[prosur_row.line] == prosur_text
