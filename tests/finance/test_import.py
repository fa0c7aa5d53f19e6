"""Financial reports through the one import pipeline (issue #11, item 2): the ``financial-report`` kind.

PROSUR's template for October 2008 holds its five lines of Subproyecto 1.2 Cuadro 2 (seed lines
592–596, budgeted CHF 674 / 18,709 / 1,247 / 1,202 / 6,322); the partner fills ``spent`` and imports it
with a dry run, then confirms.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from djmoney.money import Money
from openpyxl import load_workbook

from agreements.models import Programme
from core.models import ImportStatus
from core.spreadsheets.errors import Problem
from core.spreadsheets.writers import write_xlsx
from finance import services
from finance.models import FinancialReport, FinancialReportLine, FinancialStatus
from imports.registry import get_importer
from imports.services import import_commit, import_dry_run, import_start
from results.models import ReportingPeriod
from tests.finance.test_services import period, prosur

pytestmark = pytest.mark.django_db

OCTOBER = {"programme": "pcc", "partner": "PROSUR", "period_start": "2008-10-01", "period_end": "2008-10-31"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def template(client, **params) -> list[list]:
    """The pre-filled template as its sheet's rows (header first)."""
    url = reverse("imports:import_template", args=["financial-report"])
    response = client.get(url, params or OCTOBER)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx(rows: list[list]) -> SimpleUploadedFile:
    """``rows`` (header first, as the template's) written back as the partner saves the file."""
    header, *body = rows
    columns = get_importer("financial-report").columns
    stream = io.BytesIO()
    write_xlsx(
        stream,
        sheet="Informe financiero",
        columns=columns,
        rows=[dict(zip(header, row, strict=True)) for row in body],
    )
    return SimpleUploadedFile("informe-octubre.xlsx", stream.getvalue())


def checked(user, rows):
    return import_dry_run(
        record=import_start(user=user, kind="financial-report", upload=xlsx(rows), locale="dot")
    )


def filled(rows: list[list], spent: dict[int, object], explanations: dict[int, str] | None = None):
    """The template's rows with ``spent`` (and explanations) written in, by seed line."""
    header, *body = rows
    line, amount, why = header.index("line"), header.index("spent"), header.index("variance_explanation")
    out = [header]
    for row in body:
        row = list(row)
        if row[line] in spent:
            row[amount] = spent[row[line]]
        if explanations and row[line] in explanations:
            row[why] = explanations[row[line]]
        out.append(row)
    return out


def report_of(pcc) -> FinancialReport | None:
    return FinancialReport.objects.filter(programme=pcc, partner=prosur(pcc), period=period(pcc, 10)).first()


def spent_by_line(report) -> dict[int, Decimal]:
    return {line.budget_row.line: line.spent.amount for line in report.lines.select_related("budget_row")}


def test_the_october_template_holds_prosurs_five_budget_lines(pcc, login, partner_a_user):
    client = login(partner_a_user)
    header, *rows = template(client)
    # The partner, the end of the period and the currency may be left out: its own, the one period, CHF.
    assert template(client, programme="pcc", period_start="2008-10-01") == [header, *rows]
    assert header[:5] == ["programme", "partner", "period_start", "period_end", "currency"]
    as_read = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(r["table"], r["line"], r["budget"], r["spent"]) for r in as_read] == [
        ("sp12-cuadro-2-prosur", 592, 674, 0),
        ("sp12-cuadro-2-prosur", 593, 18709, 0),
        ("sp12-cuadro-2-prosur", 594, 1247, 0),
        ("sp12-cuadro-2-prosur", 595, 1202, 0),
        ("sp12-cuadro-2-prosur", 596, 6322, 0),
    ]
    assert {(r["programme"], r["partner"], r["currency"]) for r in as_read} == {("pcc", "PROSUR", "CHF")}
    assert as_read[1]["label"].startswith("Resultado 2")
    # Nothing is opened by asking for the template.
    assert report_of(pcc) is None


def test_the_template_without_parameters_is_the_example_row(pcc, login, partner_a_user):
    client = login(partner_a_user)
    url = reverse("imports:import_template", args=["financial-report"])
    sheet = load_workbook(io.BytesIO(b"".join(client.get(url).streaming_content))).active
    assert sheet.max_row == 2


def test_another_partners_template_or_an_unknown_period_is_not_found(
    pcc, login, partner_a_user, partner_b_user
):
    url = reverse("imports:import_template", args=["financial-report"])
    client = login(partner_b_user)
    assert client.get(url, OCTOBER).status_code == 404
    assert client.get(url, {**OCTOBER, "period_start": "2009-10-01", "partner": "AMPEX"}).status_code == 404
    client = login(partner_a_user)
    assert client.get(url, {**OCTOBER, "currency": "ZZ"}).status_code == 404
    assert client.get(url, {**OCTOBER, "period_end": "2008-10-30"}).status_code == 404


def test_the_filled_template_imports_with_a_dry_run_then_a_confirm(pcc, login, partner_a_user):
    client = login(partner_a_user)
    rows = filled(template(client), {592: 600, 593: "21000.50"}, {593: "Dos ferias en vez de una"})
    record = checked(partner_a_user, rows)
    assert (record.error_count, record.created_count) == (0, 5), record.errors
    # The dry run writes nothing: no report is opened yet.
    assert report_of(pcc) is None

    version = Programme.objects.get(pk=pcc.pk).figures_version
    assert import_commit(record=record).status == ImportStatus.DONE
    report = report_of(pcc)
    assert (report.status, report.created_by, report.currency) == (
        FinancialStatus.DRAFT,
        partner_a_user,
        "CHF",
    )
    assert spent_by_line(report) == {
        592: Decimal("600"),
        593: Decimal("21000.50"),
        594: Decimal("0"),
        595: Decimal("0"),
        596: Decimal("0"),
    }
    line = report.lines.get(budget_row__line=593)
    assert line.variance_explanation == "Dos ferias en vez de una"
    assert line.history.latest().history_user == partner_a_user
    # Written figures: the programme is reconciled again.
    assert Programme.objects.get(pk=pcc.pk).figures_version > version

    # The template now holds what the report states; changing one line shows that change only.
    rows = template(client)
    assert [row[rows[0].index("spent")] for row in rows[1:]] == [600, 21000.5, 0, 0, 0]
    record = checked(partner_a_user, filled(rows, {594: "1200"}))
    assert (record.created_count, record.changed_count, record.unchanged_count) == (0, 1, 4), record.errors
    assert record.preview["changed"][0]["changes"] == [
        {"field": "spent", "old": "CHF 0.00", "new": "CHF 1200.00"}
    ]
    assert spent_by_line(report_of(pcc))[594] == Decimal("0")
    assert import_commit(record=record).status == ImportStatus.DONE
    report = report_of(pcc)
    assert spent_by_line(report)[594] == Decimal("1200")
    assert report.version == 3  # opened, then two imports: each through report_update


def test_another_partners_editor_is_refused_located(pcc, login, partner_a_user, partner_b_user):
    rows = filled(template(login(partner_a_user)), {593: 500})
    record = checked(partner_b_user, rows)
    assert (record.error_count, record.can_confirm) == (5, False)
    first = record.errors[0]
    assert (first["sheet"], first["row"], first["column"], first["value"]) == (
        "Informe financiero",
        2,
        "partner",
        "PROSUR",
    )
    assert first["message"] == "the financial reports of %(partner)s are written by its own editors"
    with translation.override("es"):
        assert Problem.from_json(first).text() == (
            "los informes financieros de PROSUR los escriben sus propios editores"
        )
    assert report_of(pcc) is None


def test_a_row_of_another_programme_or_of_another_partners_line_is_refused(pcc, login, partner_a_user):
    header, *rows = template(login(partner_a_user))
    other_programme = list(rows[0])
    other_programme[header.index("programme")] = "otro"
    ampex_line = list(rows[1])
    ampex_line[header.index("table")] = "sp12-cuadro-2-ampex"
    record = checked(partner_a_user, [header, other_programme, ampex_line, *rows[2:]])
    assert [(e["row"], e["column"]) for e in record.errors] == [(2, "programme"), (3, "line")]
    assert record.errors[1]["params"] == {"table": "sp12-cuadro-2-ampex", "line": 593, "partner": "PROSUR"}
    assert report_of(pcc) is None


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "an amount spent cannot be negative"),
        ("mil", "expected an amount written %(format)s (%(reason)s)"),
    ],
)
def test_a_negative_or_unreadable_amount_is_located_and_nothing_is_written(
    pcc, login, partner_a_user, amount, message
):
    client = login(partner_a_user)
    services.report_create(
        user=partner_a_user, programme=pcc, partner=prosur(pcc), period=period(pcc, 10), currency="CHF"
    )
    record = checked(partner_a_user, filled(template(client), {592: 100, 593: amount}))
    assert record.error_count == 1 and not record.can_confirm
    error = record.errors[0]
    assert (error["row"], error["column"], error["value"], error["message"]) == (3, "spent", amount, message)
    with translation.override("es"):
        assert Problem.from_json(error).text() != message  # in the user's language
    assert set(spent_by_line(report_of(pcc)).values()) == {Decimal("0")}


def test_an_approved_report_is_refused(pcc, login, partner_a_user):
    client = login(partner_a_user)
    report = services.report_create(
        user=partner_a_user, programme=pcc, partner=prosur(pcc), period=period(pcc, 10), currency="CHF"
    )
    FinancialReport.objects.filter(pk=report.pk).update(status=FinancialStatus.APPROVED)
    record = checked(partner_a_user, filled(template(client), {593: 500}))
    assert record.error_count == 5 and not record.can_confirm
    assert (record.errors[0]["row"], record.errors[0]["column"]) == (2, "period_start")
    assert "can no longer be changed" in record.errors[0]["message"]
    with translation.override("es"):
        assert "ya no puede modificarse" in Problem.from_json(record.errors[0]).text()


def test_a_report_approved_between_dry_run_and_confirm_writes_nothing(pcc, login, partner_a_user):
    client = login(partner_a_user)
    report = services.report_create(
        user=partner_a_user, programme=pcc, partner=prosur(pcc), period=period(pcc, 10), currency="CHF"
    )
    # Line 592 of the first rows, untouched (unchanged); the refusal is located at the changed rows.
    record = checked(partner_a_user, filled(template(client), {593: 500, 594: 40}))
    assert (record.error_count, record.changed_count) == (0, 2), record.errors
    FinancialReport.objects.filter(pk=report.pk).update(status=FinancialStatus.APPROVED)
    record = import_commit(record=record)
    assert record.status == ImportStatus.FAILED
    assert (record.errors[0]["row"], record.errors[0]["column"]) == (3, "period_start")
    assert set(spent_by_line(report_of(pcc)).values()) == {Decimal("0")}


def test_a_locked_period_is_refused(pcc, login, partner_a_user):
    rows = template(login(partner_a_user))
    ReportingPeriod.objects.filter(programme=pcc, start_date="2008-10-01").update(is_locked=True)
    record = checked(partner_a_user, rows)
    assert (record.errors[0]["column"], record.errors[0]["message"]) == (
        "period_start",
        "the reporting period %(period)s is locked",
    )


def test_a_report_in_dollars_needs_its_rate(pcc, login, partner_a_user):
    client = login(partner_a_user)
    rows = template(client, **OCTOBER, currency="USD")
    header = rows[0]
    assert [row[header.index("budget")] for row in rows[1:]][1] == 16660  # the table's own US$ figure
    record = checked(partner_a_user, rows)
    assert record.errors[0]["column"] == "rate"
    for row in rows[1:]:
        row[header.index("rate")] = "pcc-chf-usd-1-123"
    record = checked(partner_a_user, filled(rows, {593: "100"}))
    assert record.error_count == 0, record.errors
    assert import_commit(record=record).status == ImportStatus.DONE
    report = FinancialReport.objects.get(programme=pcc, partner=prosur(pcc), currency="USD")
    assert report.rate.code == "pcc-chf-usd-1-123"
    assert report.lines.get(budget_row__line=593).spent == Money("100", "USD")


def test_two_periods_in_one_file_open_two_reports(pcc, login, partner_a_user):
    client = login(partner_a_user)
    october = template(client)
    november = template(client, **{**OCTOBER, "period_start": "2008-11-01", "period_end": "2008-11-30"})
    record = checked(partner_a_user, [*filled(october, {592: 1}), *filled(november, {592: 2})[1:]])
    assert (record.error_count, record.created_count) == (0, 10), record.errors
    assert import_commit(record=record).status == ImportStatus.DONE
    spent = FinancialReportLine.objects.filter(budget_row__line=592).order_by("report__period__start_date")
    assert [line.spent.amount for line in spent] == [Decimal("1"), Decimal("2")]


def test_the_export_imports_again_unchanged(pcc, partner_a_user):
    report = services.report_create(
        user=partner_a_user, programme=pcc, partner=prosur(pcc), period=period(pcc, 10), currency="CHF"
    )
    rows = {line.budget_row.line: line.budget_row_id for line in report.lines.select_related("budget_row")}
    services.report_update(report=report, user=partner_a_user, spent={rows[593]: Decimal("321.45")})
    importer = get_importer("financial-report")
    exported = list(importer.export_rows(partner_a_user))
    assert [(r["line"], r["budget"], r["spent"]) for r in exported][:2] == [
        (592, Decimal("674"), Decimal("0.00")),
        (593, Decimal("18709"), Decimal("321.45")),
    ]
    stream = io.BytesIO()
    write_xlsx(stream, sheet="export", columns=importer.columns, rows=exported)
    upload = SimpleUploadedFile("export.xlsx", stream.getvalue())
    record = import_dry_run(
        record=import_start(user=partner_a_user, kind="financial-report", upload=upload, locale="dot")
    )
    assert (record.error_count, record.created_count, record.changed_count, record.unchanged_count) == (
        0,
        0,
        0,
        5,
    ), record.errors
