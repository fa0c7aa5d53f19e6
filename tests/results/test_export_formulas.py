"""The reports' XLSX exports escape formula-like text as the import exports do (core/test_formula_escaping.py)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from results.services import progress_create


def test_the_progress_report_xlsx_escapes_a_narrative_that_looks_like_a_formula(
    login, staff_user, partner_a_user, prosur_activity, september
):
    progress_create(
        target=prosur_activity,
        period=september,
        user=partner_a_user,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal("2"),
        narrative=' =HYPERLINK("http://evil.example","ver acta")',
    )
    response = login(staff_user).get(
        reverse("reports:progress_report", args=["xlsx"]), {"partner": "PROSUR", "period": september.pk}
    )
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    narratives = [row[6] for row in sheet.iter_rows(min_row=4) if row[6].value]
    assert [(c.value, bool(c.quotePrefix)) for c in narratives] == [
        (' =HYPERLINK("http://evil.example","ver acta")', True)
    ]
    achieved = [row[5] for row in sheet.iter_rows(min_row=4) if row[5].value is not None]
    assert [(c.data_type, c.value) for c in achieved] == [("n", 2)]
