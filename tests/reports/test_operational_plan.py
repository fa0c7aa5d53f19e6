import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

XLSX = reverse("reports:operational_plan", args=["pcc", "xlsx"])
PDF = reverse("reports:operational_plan", args=["pcc", "pdf"])
# Sheets, named in the reader's language: results and indicators, activities, schedule, budget tables.
RESULTS, ACTIVITIES, SCHEDULE, BUDGETS = range(4)


def _budget_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[BUDGETS]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_prints_cuadro_1_stated_total_beside_the_recomputed_sum(login, staff_user, pcc):
    response = login(staff_user).get(XLSX)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(workbook.sheetnames) == 4
    rows = _budget_rows(response.content)
    total = next(r for r in rows if r[0] == 238 and r[1] == "TOTAL")
    # Columns: line, label, then (stated, recomputed) per column; the total column is the sixth.
    stated, recomputed = total[2 + 2 * 5], total[3 + 2 * 5]
    assert stated == 4086384
    assert recomputed == 4216380  # the sum of the rows above it, as pcc recomputes it


def test_xlsx_lists_results_indicators_and_activities_of_every_plan(login, staff_user, pcc):
    content = login(staff_user).get(XLSX).content
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    activities = [r for r in workbook.worksheets[ACTIVITIES].iter_rows(values_only=True)]
    plans = {r[0] for r in activities[1:]}
    assert {"poa-prosur-2008", "poa-ampex-2008", "poa-turismo-2008"} <= plans
    prosur_11 = next(r for r in activities if r[0] == "poa-prosur-2008" and r[3] == "1.1")
    assert prosur_11[6] == "80%"


def test_partner_export_holds_only_its_own_plans_and_figures(login, partner_a_user, pcc):
    content = login(partner_a_user).get(XLSX).content
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    plans = {r[0] for r in list(workbook.worksheets[ACTIVITIES].iter_rows(values_only=True))[1:]}
    assert plans == {"poa-prosur-2008"}
    labels = {r[1] for r in _budget_rows(content)}
    assert "AMPEX" not in labels
    assert "PROSUR" in labels


def test_pdf_is_a_pdf_with_the_stated_and_recomputed_totals(login, staff_user, pcc, download_pdf):
    from pypdf import PdfReader

    content = download_pdf(
        login(staff_user), PDF, {"partner": "", "date_from": "2008-09-01", "date_to": "2008-12-31"}
    )
    assert content.startswith(b"%PDF")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())
    assert "4'086'384.00" in text  # Cuadro 1 as stated, in the reader's (Swiss) format
    assert "≠ 4'216'380.00" in text  # beside what the rows add up to
    assert "Resumen de presupuesto ejecutado a julio 2008" in text


def test_unknown_format_is_a_404(login, staff_user, pcc):
    assert login(staff_user).get(reverse("reports:operational_plan", args=["pcc", "docx"])).status_code == 404


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_another_programme_is_a_404(login, partner_a_user, pcc, fmt):
    url = reverse("reports:operational_plan", args=["other", fmt])
    assert login(partner_a_user).get(url).status_code == 404


def test_xlsx_shows_the_recomputed_sum_of_a_total_that_holds(login, staff_user, pcc):
    rows = _budget_rows(login(staff_user).get(XLSX).content)
    # Subproyecto 1.2 Cuadro 1, line 584: the CHF phase total 1'580'000 is the sum of its rows.
    total = next(r for r in rows if r[0] == 584)
    assert total[2] == 1580000
    assert total[3] == 1580000
