"""The finance pages: a partner enters its report, staff review it; nobody else's report is reachable."""

import pytest
from django.urls import reverse
from djmoney.money import Money

from agreements.models import Role
from core.models import Organisation
from finance import services
from finance.models import Disbursement, FinancialReport, FinancialStatus
from results.models import ReportingPeriod
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db


def october(pcc):
    return ReportingPeriod.objects.get(programme=pcc, start_date="2008-10-01")


def open_report(client, pcc, month="10"):
    period = ReportingPeriod.objects.get(programme=pcc, start_date=f"2008-{month}-01")
    return client.post(
        reverse("finance:report_create", args=["pcc"]),
        {"partner": Organisation.objects.get(acronym="PROSUR").pk, "period": period.pk, "currency": "CHF"},
    )


def row_pk(report, line):
    return report.lines.get(budget_row__line=line).budget_row_id


def test_a_partner_fills_submits_and_staff_approve(pcc, login, client, partner_a_user, staff_user):
    login(partner_a_user)
    response = open_report(client, pcc)
    report = FinancialReport.objects.get()
    assert response.url == reverse("finance:report_edit", args=[report.pk])
    page = client.get(response.url)
    assert page.status_code == 200 and "Resultado 2" in page.content.decode()

    data = {"version": report.version, "stated_total": "21,600", "narrative": "Octubre"}
    for line in (592, 593, 594, 595, 596):
        data[f"spent_{row_pk(report, line)}"] = "0"
        data[f"explanation_{row_pk(report, line)}"] = ""
    data[f"spent_{row_pk(report, 593)}"] = "21,000.00"  # 12.2 % over CHF 18,709 (line 593)
    data[f"spent_{row_pk(report, 592)}"] = "600"
    assert client.post(reverse("finance:report_edit", args=[report.pk]), data).status_code == 302
    refused = client.post(reverse("finance:report_submit", args=[report.pk]), follow=True)
    assert "Línea 593" in refused.content.decode()  # PROSUR reads Spanish
    assert FinancialReport.objects.get().status == FinancialStatus.DRAFT

    data["version"] = FinancialReport.objects.get().version
    data[f"explanation_{row_pk(report, 593)}"] = "Dos ferias en vez de una"
    client.post(reverse("finance:report_edit", args=[report.pk]), data)
    client.post(reverse("finance:report_submit", args=[report.pk]))
    assert FinancialReport.objects.get().status == FinancialStatus.SUBMITTED

    login(staff_user)
    detail = client.get(reverse("finance:report_detail", args=[report.pk])).content.decode()
    assert "Dos ferias en vez de una" in detail and 'id="lines-total"' in detail
    # COSUDE staff read Swiss numbers; the budget lines add up to the table's printed total (line 598).
    assert 'id="stated-total"><span class="money">CHF&nbsp;21&#x27;600.00' in detail
    assert "CHF&nbsp;28&#x27;154.00" in detail
    client.post(reverse("finance:report_approve", args=[report.pk]))
    assert FinancialReport.objects.get().status == FinancialStatus.APPROVED


def test_a_number_the_form_cannot_read_is_a_located_error(pcc, login, client, partner_a_user):
    login(partner_a_user)
    open_report(client, pcc)
    report = FinancialReport.objects.get()
    data = {"version": report.version}
    for line in (592, 593, 594, 595, 596):
        data[f"spent_{row_pk(report, line)}"] = "0"
    data[f"spent_{row_pk(report, 594)}"] = "1e2"
    page = client.post(reverse("finance:report_edit", args=[report.pk]), data).content.decode()
    # PROSUR reads Spanish: the error is in its language, beside the line it is about.
    row = page[page.index('id="line-594"') :]
    assert "Ingrese un número escrito como" in row[: row.index("</tr>")]
    assert report.lines.get(budget_row__line=594).spent == Money(0, "CHF")


def test_other_partners_and_programmes_get_404(pcc, login, client, partner_a_user, partner_b_user):
    login(partner_a_user)
    open_report(client, pcc)
    report = FinancialReport.objects.get()
    other = ProgrammeFactory()
    outsider = UserFactory(
        membership=(Organisation.objects.get(acronym="COSUDE"), Role.PROGRAMME_STAFF, other)
    )
    for user in (partner_b_user, outsider):
        login(user)
        for name in ("report_detail", "report_edit", "report_document"):
            assert client.get(reverse(f"finance:{name}", args=[report.pk])).status_code == 404, (user, name)
        for name in ("report_submit", "report_approve", "report_return", "report_reopen"):
            assert client.post(reverse(f"finance:{name}", args=[report.pk])).status_code == 404, (user, name)
        assert client.get(reverse("finance:balance", args=["pcc", "PROSUR"])).status_code == 404
    login(outsider)
    assert client.get(reverse("finance:report_list", args=["pcc"])).status_code == 404
    assert client.get(reverse("finance:disbursement_list", args=["pcc"])).status_code == 404


def test_a_viewer_reads_but_does_not_write(pcc, login, client, partner_a_user, partner_a_viewer):
    login(partner_a_user)
    open_report(client, pcc)
    report = FinancialReport.objects.get()
    login(partner_a_viewer)
    page = client.get(reverse("finance:report_detail", args=[report.pk])).content.decode()
    assert "Resultado 2" in page and 'id="edit-report"' not in page
    assert client.get(reverse("finance:report_edit", args=[report.pk])).status_code == 403
    assert open_report(client, pcc).status_code == 403
    client.post(reverse("finance:report_submit", args=[report.pk]))
    assert FinancialReport.objects.get().status == FinancialStatus.DRAFT


def test_staff_record_disbursements_and_partners_see_their_balance(
    pcc, login, client, staff_user, partner_a_user, partner_b_user
):
    login(staff_user)
    prosur = Organisation.objects.get(acronym="PROSUR")
    form = {
        "partner": prosur.pk,
        "date": "2008-09-15",
        "amount_value": "10'000",
        "currency": "CHF",
    }  # Swiss style
    response = client.post(reverse("finance:disbursement_list", args=["pcc"]), {**form, "reference": "T-1"})
    assert response.status_code == 302
    # A US$ transfer without its rate: refused on the rate field, nothing stored.
    page = client.post(
        reverse("finance:disbursement_list", args=["pcc"]), {**form, "currency": "USD", "reference": "T-2"}
    ).content.decode()
    assert "necesita el tipo de cambio" in page and Disbursement.objects.count() == 1

    login(partner_a_user)
    assert "10,000.00" in client.get(reverse("finance:balance", args=["pcc", "PROSUR"])).content.decode()
    assert client.post(reverse("finance:disbursement_list", args=["pcc"]), form).status_code == 403
    login(partner_b_user)
    assert "T-1" not in client.get(reverse("finance:disbursement_list", args=["pcc"])).content.decode()


def test_pages_query_counts_do_not_grow_with_rows(
    pcc, login, client, staff_user, partner_a_user, django_assert_max_num_queries
):
    prosur = Organisation.objects.get(acronym="PROSUR")
    periods = list(ReportingPeriod.objects.filter(programme=pcc).order_by("start_date"))
    services.disbursement_create(
        user=staff_user,
        programme=pcc,
        partner=prosur,
        date="2008-09-02",
        amount=Money(1, "CHF"),
        reference="A",
    )
    report = services.report_create(
        user=partner_a_user, programme=pcc, partner=prosur, period=periods[0], currency="CHF"
    )
    login(staff_user)
    urls = [
        reverse("finance:report_list", args=["pcc"]),
        reverse("finance:report_detail", args=[report.pk]),
        reverse("finance:disbursement_list", args=["pcc"]),
        reverse("finance:balance", args=["pcc", "PROSUR"]),
    ]
    counts = {}
    for url in urls:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx)
    for i, period in enumerate(periods[1:], start=2):
        services.disbursement_create(
            user=staff_user,
            programme=pcc,
            partner=prosur,
            date=period.start_date,
            amount=Money(i, "CHF"),
            reference=f"R{i}",
        )
        services.report_create(
            user=partner_a_user, programme=pcc, partner=prosur, period=period, currency="CHF"
        )
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_the_partner_attaches_invoices_checked_by_content(
    pcc, login, client, partner_a_user, staff_user, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    login(partner_a_user)
    open_report(client, pcc)
    report = FinancialReport.objects.get()
    data = {"version": report.version}
    for line in (592, 593, 594, 595, 596):
        data[f"spent_{row_pk(report, line)}"] = "0"
    fake = SimpleUploadedFile("facturas.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    page = client.post(reverse("finance:report_edit", args=[report.pk]), {**data, "document": fake})
    assert page.status_code == 200 and not FinancialReport.objects.get().document
    real = SimpleUploadedFile("facturas.pdf", b"%PDF-1.4 facturas de octubre", content_type="application/pdf")
    data["version"] = FinancialReport.objects.get().version
    assert (
        client.post(reverse("finance:report_edit", args=[report.pk]), {**data, "document": real}).status_code
        == 302
    )
    login(staff_user)
    download = client.get(reverse("finance:report_document", args=[report.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-1.4")
