import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream

from budgets.models import BudgetFact, BudgetTable, RowRole
from core import formatting
from reports import operational_plan

XLSX = reverse("reports:operational_plan", args=["pcc", "xlsx"])
PDF = reverse("reports:operational_plan", args=["pcc", "pdf"])
# Sheets, named in the reader's language: results and indicators, activities, schedule, budget tables.
RESULTS, ACTIVITIES, SCHEDULE, BUDGETS = range(4)


# The TOTAL rows of the tables issue #10 found cut on the right, by the source line each table starts
# on, as the staff user (Swiss number format) reads them.
CUT_TABLES_TOTALS = {
    # Cuadro 1 of the programme, line 238.
    214: ["577'000.00", "1'422'000.00", "1'115'000.00", "886'000.00", "4'086'384.00"],
    # Subproyecto 1.2, Cuadro 1, line 584: its last four columns were off the page.
    572: [
        "1'580'000.00",
        "1'288'584.00",
        "22'837.00",
        "780'037.00",
        "29'917.00",
        "158'427.00",
        "179'812.00",
        "21'384.00",
    ],
    # Anexo 1 of subprogrammes 1.2 and 1.3, line 1126.
    1108: ["281'226.00", "250'424.00", "4'220.00", "246'204.00"],
}

_OPERATION = re.compile(
    rb"(?P<matrix>(?:-?[\d.]+ ){6})(?P<kind>cm|Tm)\b|(?P<font>/[\w.+-]+) (?P<size>[\d.]+) Tf\b"
    rb"|\[(?P<glyphs>[^\]]*)\] ?TJ|(?<![\w/])(?P<stack>[qQ])(?!\w)"
)
_GLYPHS = re.compile(rb"<([0-9a-fA-F]*)>|(-?[\d.]+)")


def _advances(font) -> tuple[dict[int, float], float]:
    """The glyph widths (thousandths of the font size) of one of WeasyPrint's CID fonts."""
    descendant = font["/DescendantFonts"][0].get_object()
    widths: dict[int, float] = {}
    entries, i = list(descendant.get("/W", [])), 0
    while i < len(entries):
        first, following = int(entries[i]), entries[i + 1]
        if isinstance(following, list):
            widths.update({first + k: float(w) for k, w in enumerate(following)})
            i += 2
        else:
            widths.update({code: float(entries[i + 2]) for code in range(first, int(following) + 1)})
            i += 3
    return widths, float(descendant.get("/DW", 1000))


def _visible_text(content: bytes) -> str:
    """The text a reader sees: pypdf extracts text drawn off the page too, so every run of glyphs that
    does not lie wholly inside its page is blanked first (WeasyPrint places each run with a Tm and
    scales the page once with a cm)."""
    writer = PdfWriter(clone_from=io.BytesIO(content))
    for page in writer.pages:
        right = float(page.mediabox.right)
        fonts = {
            name.encode(): _advances(font.get_object()) for name, font in page["/Resources"]["/Font"].items()
        }
        state: dict = {"scale": 1.0, "saved": [], "x": 0.0, "font": ({}, 1000.0), "size": 0.0}

        def clip(match, state=state, fonts=fonts, right=right):
            if match["stack"] == b"q":
                state["saved"].append(state["scale"])
            elif match["stack"] == b"Q":
                state["scale"] = state["saved"].pop()
            elif match["kind"] == b"cm":
                state["scale"] *= float(match["matrix"].split()[0])
            elif match["kind"] == b"Tm":
                state["x"] = float(match["matrix"].split()[4])
            elif match["font"]:
                state["font"], state["size"] = fonts[match["font"]], float(match["size"])
            elif match["glyphs"] is not None:
                widths, default = state["font"]
                advance = 0.0
                for glyphs, kerning in _GLYPHS.findall(match["glyphs"]):
                    if kerning:
                        advance -= float(kerning)
                    else:
                        advance += sum(
                            widths.get(int(glyphs[k : k + 4], 16), default) for k in range(0, len(glyphs), 4)
                        )
                start = state["x"] * state["scale"]
                end = (state["x"] + advance / 1000 * state["size"]) * state["scale"]
                if start < 0 or end > right:
                    return b"[] TJ"
            return match[0]

        clipped = ContentStream(None, writer)
        clipped.set_data(_OPERATION.sub(clip, page.get_contents().get_data()))
        page.replace_contents(clipped)
    output = io.BytesIO()
    writer.write(output)
    return " ".join(page.extract_text() for page in PdfReader(output).pages)


def _printed_budget_tables(programme) -> dict[str, tuple[list[str], list[str]]]:
    """Every budget table, named by its code and first line: its column headers as the PDF prints
    them, and the amounts its TOTAL and subtotal rows state, in the staff user's (Swiss) format."""
    tables = {}
    for table in BudgetTable.objects.filter(programme=programme).prefetch_related("columns"):
        headers = [f"{c.header} ({c.currency})" if c.currency else c.header for c in table.columns.all()]
        totals = [
            formatting.amount(fact.amount.amount, "ch")
            for fact in BudgetFact.objects.filter(
                row__table=table, row__role__in=[RowRole.TOTAL, RowRole.SUBTOTAL], amount__isnull=False
            )
        ]
        tables[f"{table.code} (line {table.first_line})"] = (headers, totals)
    return tables


def _missing(text: str, tables: dict[str, tuple[list[str], list[str]]]) -> dict[str, list[str]]:
    # A header the PDF wraps over two lines comes out of it with a space, or none, where it broke.
    squeezed = "".join(text.split())
    missing = {}
    for name, (headers, totals) in tables.items():
        lost = [h for h in headers + totals if "".join(h.split()) not in squeezed]
        if lost:
            missing[name] = lost
    return missing


def _budget_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[BUDGETS]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_prints_cuadro_1_stated_total_beside_the_recomputed_sum(login, staff_user, pcc):
    response = login(staff_user).get(XLSX)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(workbook.sheetnames) == 5  # results, activities, schedule, budget tables, money (live)
    rows = _budget_rows(response.content)
    total = next(r for r in rows if r[0] == 238 and r[1] == "TOTAL")
    # Columns: line, label, then (stated, recomputed) per column; the total column is the sixth.
    stated, recomputed = total[2 + 2 * 5], total[3 + 2 * 5]
    assert stated == 4086384
    assert recomputed == 4216380  # the sum of the rows above it, as pcc recomputes it


@pytest.mark.parametrize("style", ["ch", "pe"])
def test_xlsx_money_stays_a_number_with_two_decimals_for_every_reader(login, staff_user, pcc, style):
    staff_user.number_format = style
    staff_user.save(update_fields=["number_format"])
    content = login(staff_user).get(XLSX).content
    sheet = load_workbook(io.BytesIO(content)).worksheets[BUDGETS]
    row = next(r for r in sheet.iter_rows() if r[0].value == 238 and r[1].value == "TOTAL")
    # Cuadro 1, line 238: the TOTAL column states 4'086'384, the rows above add up to 4'216'380.
    stated, recomputed = row[2 + 2 * 5], row[3 + 2 * 5]
    assert (stated.value, recomputed.value) == (4086384, 4216380)
    assert stated.data_type == recomputed.data_type == "n"
    assert stated.number_format == recomputed.number_format == "#,##0.00"
    # The source line is a whole number, not an amount.
    assert row[0].number_format == "General"


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


def test_pdf_keeps_every_column_of_every_budget_table_on_the_page(login, staff_user, pcc, download_pdf):
    content = download_pdf(login(staff_user), PDF)
    text = _visible_text(content)
    tables = _printed_budget_tables(pcc)
    assert len(tables) == 16
    assert _missing(text, tables) == {}
    squeezed = "".join(text.split())
    for first_line, totals in CUT_TABLES_TOTALS.items():
        assert [t for t in totals if t not in squeezed] == [], f"the table from line {first_line}"


def test_pdf_prints_a_table_too_wide_for_the_page_in_parts_with_the_rows_repeated(
    login, staff_user, pcc, download_pdf, monkeypatch
):
    # Three columns a part: the subproject Cuadro 1 (eight columns) comes in three parts of 3, 3 and 2.
    monkeypatch.setattr(operational_plan, "PRINTED_COLUMNS", 3)
    text = _visible_text(download_pdf(login(staff_user), PDF))
    assert _missing(text, _printed_budget_tables(pcc)) == {}
    title = "Cuadro 1: Resumen de presupuesto ejecutado a julio 2008 y presupuesto disponible"
    flat = " ".join(text.split())
    for part in ["columnas 1–3 de 8", "columnas 4–6 de 8", "columnas 7–8 de 8"]:
        assert f"{title} · {part}" in flat or f"{title} · 9 totales no cuadran · {part}" in flat
    # Each part repeats the rows' line and label, which say where its figures come from.
    assert flat.count("584 Total 1'580'000.00") == 1
    assert flat.count("584 Total") >= 3


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


def test_xlsx_keeps_every_column_of_every_budget_table(login, staff_user, pcc):
    cells = {
        str(v) for row in _budget_rows(login(staff_user).get(XLSX).content) for v in row if v is not None
    }
    missing = {
        name: [h for h in headers if h not in cells]
        for name, (headers, _totals) in _printed_budget_tables(pcc).items()
        if any(h not in cells for h in headers)
    }
    assert missing == {}
