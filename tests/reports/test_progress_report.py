import io

from django.urls import reverse
from openpyxl import load_workbook


def _url(fmt):
    return reverse("reports:progress_report", args=[fmt])


def test_progress_xlsx_of_a_partner_and_period(login, staff_user, progress):
    period = progress["approved"].period
    response = login(staff_user).get(_url("xlsx"), {"partner": "AMPEX", "period": period.pk})
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    plans = [r[0] for r in rows[3:]]
    assert plans == ["poa-ampex-2008", "poa-ampex-2008"]
    assert any(r[10] == "Add the list of participants." for r in rows[3:])


def test_progress_pdf_of_a_partner_and_period(login, partner_a_user, progress, download_pdf):
    from pypdf import PdfReader

    period = progress["approved"].period
    content = download_pdf(login(partner_a_user), _url("pdf"), {"partner": "PROSUR", "period": period.pk})
    assert content.startswith(b"%PDF")
    text = " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
    assert "PROSUR" in text
    assert "Sixty per cent of the firms trained." in text


def test_a_partner_cannot_export_another_partners_progress(login, partner_a_user, progress):
    period = progress["approved"].period
    response = login(partner_a_user).get(_url("xlsx"), {"partner": "AMPEX", "period": period.pk})
    assert response.status_code == 404


def test_a_missing_period_is_a_404(login, partner_a_user, pcc):
    assert login(partner_a_user).get(_url("pdf"), {"partner": "PROSUR", "period": "x"}).status_code == 404
