"""PDF (WeasyPrint, from an HTML template) and XLSX (xlsxwriter) renderings of the reports.

Amounts go to the spreadsheet as numbers with their currency in the column header or beside them, so
they stay summable; the PDF prints them in the reader's number format like the pages do.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from agreements.models import Programme
from core import formatting
from core.formatting import reading_as
from core.models import Organisation, User
from core.spreadsheets.formulas import is_formula_like
from reports.filters import Filters
from reports.operational_plan import OperationalPlan, ProgressReportDocument
from results.models import ReportingPeriod

# WeasyPrint reports every layout step at INFO; the project logs INFO, so keep only its warnings.

PDF_MEDIA_TYPE = "application/pdf"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def operational_plan_file_name(programme: Programme, filters: Filters, extension: str) -> str:
    name = f"poa-{programme.code}-{filters.date_from or ''}-{filters.date_to or ''}".rstrip("-")
    return f"{name}.{extension}"


def progress_file_name(organisation: Organisation, period: ReportingPeriod, extension: str) -> str:
    return f"progress-{slugify(organisation.acronym)}-{period.start_date:%Y-%m}.{extension}"


def render_html(template: str, context: dict, *, user: User) -> str:
    """The report's HTML as ``user`` reads it: their number format, in the active language.

    Rendered outside any request (in a background task too): the user is made the reader of
    :mod:`core.formatting` for the rendering, and a bare request carries it to the templates.
    """
    request = HttpRequest()
    request.user = user
    with reading_as(user):
        return render_to_string(template, context, request=request)


def render_pdf(html: str) -> bytes:
    """The HTML laid out by WeasyPrint (the templates link no file, so no base URL is needed)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


class _Sheet:
    """A worksheet written row by row, with the few formats the reports use.

    Text that a spreadsheet program would run as a formula gets the quote prefix
    (:mod:`core.spreadsheets.formulas`); numbers are written as numbers.
    """

    def __init__(self, workbook, name: str, formats_: dict):
        self.sheet = workbook.add_worksheet(name[:31])
        self.formats = formats_
        self.row = 0

    def _string(self, col: int, text: str, style: str = "") -> None:
        if is_formula_like(text):
            style = f"{QUOTED}{style}"
        self.sheet.write_string(self.row, col, text, self.formats.get(style))

    def title(self, text: str) -> None:
        self._string(0, text, "title")
        self.row += 2

    def header(self, values: list[str], widths: list[int] | None = None) -> None:
        for col, value in enumerate(values):
            self._string(col, str(value), "header")
            if widths:
                self.sheet.set_column(col, col, widths[col] if col < len(widths) else 14)
        self.row += 1

    def values(self, values: list, fmt: dict | None = None) -> None:
        fmt = fmt or {}
        for col, value in enumerate(values):
            name = fmt.get(col, "")
            style = self.formats.get(name)
            if value is None or value == "":
                self.sheet.write_blank(self.row, col, None, style)
            elif isinstance(value, Decimal | float):
                self.sheet.write_number(self.row, col, float(value), style or self.formats["amount"])
            elif isinstance(value, int) and not isinstance(value, bool):
                # A line number or a count: a whole number, not an amount.
                self.sheet.write_number(self.row, col, value, style)
            else:
                self._string(col, str(value), name)
        self.row += 1

    def skip(self, n: int = 1) -> None:
        self.row += n


QUOTED = "quoted:"
_MONEY = formatting.xlsx_number_format(places=2)  # number formats from core.formatting, the one formatter
_STYLES = {
    "title": {"bold": True, "font_size": 14},
    "header": {"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True},
    "amount": {"num_format": _MONEY},
    "bold_amount": {"num_format": _MONEY, "bold": True},
    "material": {"num_format": _MONEY, "bg_color": "#FDE8E8", "font_color": "#A4161A"},
    "rounding": {"num_format": _MONEY, "bg_color": "#FFF4D6", "font_color": "#8A5A00"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "percent": {"num_format": formatting.xlsx_number_format(places=1)},
}


def _workbook():
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    styles = {name: workbook.add_format(properties) for name, properties in _STYLES.items()}
    # The same styles with the quote prefix, for formula-like text ("" : text without a style).
    for name, properties in {"": {}, **_STYLES}.items():
        styles[f"{QUOTED}{name}"] = workbook.add_format({**properties, "quote_prefix": True})
    return output, workbook, styles


def _month(value) -> str:
    return formatting.month(value)


def operational_plan_xlsx(document: OperationalPlan) -> bytes:
    """Sheets: results and indicators, activities, schedule, budget tables (stated and recomputed totals)."""
    output, workbook, styles = _workbook()
    programme = document.programme
    results = _Sheet(workbook, _("Results and indicators"), styles)
    results.title(_("Operational plan of %(programme)s") % {"programme": programme.name_i18n})
    results.header(
        [
            _("Work plan"),
            _("Partner"),
            _("Result"),
            _("Indicator"),
            _("Statement"),
            _("Target"),
            _("Target value"),
            _("Achieved (approved)"),
            _("% achieved"),
            _("Source line"),
        ],
        [22, 12, 8, 10, 60, 20, 12, 14, 10, 10],
    )
    activities = _Sheet(workbook, _("Activities"), styles)
    activities.header(
        [
            _("Work plan"),
            _("Partner"),
            _("Result"),
            _("Activity"),
            _("Statement"),
            _("Unit"),
            _("Target"),
            _("Target value"),
            _("Months as printed"),
            _("Responsible"),
            _("Achieved (approved)"),
            _("% achieved"),
            _("Latest report"),
            _("Source line"),
        ],
        [22, 12, 8, 10, 60, 16, 16, 12, 14, 14, 14, 10, 14, 10],
    )
    schedule = _Sheet(workbook, _("Schedule"), styles)
    for section in document.plans:
        plan = section.plan
        for result in section.results:
            results.values(
                [
                    plan.code,
                    plan.organisation.acronym,
                    result.code,
                    "",
                    result.statement_i18n,
                    "",
                    None,
                    None,
                    None,
                    result.line,
                ],
                {4: "wrap"},
            )
            for indicator in result.indicators.all():
                results.values(
                    [
                        plan.code,
                        plan.organisation.acronym,
                        result.code,
                        indicator.code,
                        indicator.statement_i18n,
                        indicator.target_text,
                        indicator.target_value,
                        indicator.achieved,
                        indicator.achieved_percent,
                        indicator.line,
                    ],
                    {4: "wrap", 8: "percent"},
                )
            for activity in result.activities.all():
                activities.values(
                    [
                        plan.code,
                        plan.organisation.acronym,
                        result.code,
                        activity.code,
                        activity.statement_i18n,
                        activity.unit,
                        activity.target_text,
                        activity.target_value,
                        activity.months_as_printed,
                        activity.responsible,
                        activity.achieved,
                        activity.achieved_percent,
                        activity.latest_status_label,
                        activity.line,
                    ],
                    {4: "wrap", 11: "percent"},
                )
        schedule.title(f"{plan.title_i18n} ({plan.organisation.acronym})")
        schedule.header(
            [_("Activity"), _("Statement"), *[_month(m) for m in section.months]],
            [10, 60, *[12] * len(section.months)],
        )
        for activity, marks in section.schedule:
            schedule.values(
                [activity.code, activity.statement_i18n, *["X" if m else "" for m in marks]], {1: "wrap"}
            )
        schedule.skip()
    budgets = _Sheet(workbook, _("Budget tables"), styles)
    budgets.sheet.set_column(0, 0, 8)
    budgets.sheet.set_column(1, 1, 48)
    budgets.sheet.set_column(2, 40, 14)
    for section in document.budgets:
        budgets.title(section.table.title_i18n)
        headers = [_("Line"), _("Row as printed")]
        for column in section.columns:
            headers += [f"{column.header} ({column.currency})", _("Recomputed")]
        budgets.header(headers)
        for row, cells in section.rows:
            values: list = [row.line, row.label]
            fmt: dict[int, str] = {}
            for index, cell in enumerate(cells):
                stated = (
                    cell.fact.amount.amount
                    if cell.fact and cell.fact.amount is not None
                    else (cell.fact.text if cell.fact else "")
                )
                values.append(stated)
                mismatch = cell.mismatches
                # A total that holds shows its (equal) recomputed sum too.
                checks = mismatch or cell.recomputed
                values.append(checks[0].value if checks else None)
                if len(mismatch) > 1:
                    budgets.sheet.write_comment(
                        budgets.row, 3 + 2 * index, "\n".join(f"{r.rule}: {r.value}" for r in mismatch)
                    )
                if mismatch:
                    fmt[2 + 2 * index] = cell.severity
                    fmt[3 + 2 * index] = cell.severity
                elif row.role in ("total", "subtotal"):
                    fmt[2 + 2 * index] = "bold_amount"
            budgets.values(values, fmt)
        budgets.skip()
    if document.money is not None:
        _money_sheet(_Sheet(workbook, _("Money (live)"), styles), document.money)
    workbook.close()
    return output.getvalue()


def _money_sheet(sheet: _Sheet, money) -> None:
    """The live money per partner and currency (:mod:`finance.live`): the columns the pages show."""
    sheet.title(
        _("Money as of %(date)s: the source's figures plus approved financial reports")
        % {"date": formatting.date(money.as_of)}
    )
    sheet.header(
        [_("Partner"), _("Currency"), *[str(label) for _attribute, label in money.columns]],
        [14, 9, *[16] * len(money.columns)],
    )
    for row, cells in money.rows:
        sheet.values([row.partner, row.currency, *[None if m is None else m.amount for m in cells]])


def progress_xlsx(document: ProgressReportDocument) -> bytes:
    output, workbook, styles = _workbook()
    sheet = _Sheet(workbook, _("Progress"), styles)
    sheet.title(
        _("Progress of %(partner)s · %(period)s")
        % {"partner": document.organisation.acronym, "period": document.period.label}
    )
    sheet.header(
        [
            _("Work plan"),
            _("Kind"),
            _("Code"),
            _("Statement"),
            _("Target"),
            _("Achieved"),
            _("Narrative"),
            _("Status"),
            _("Submitted by"),
            _("Reviewed by"),
            _("Review comment"),
        ],
        [22, 10, 10, 50, 16, 14, 50, 12, 14, 14, 30],
    )
    for report in document.reports:
        target = report.target
        sheet.values(
            [
                report.plan.code,
                _("Indicator") if report.indicator_id else _("Activity"),
                target.code,
                target.statement_i18n,
                target.target_text,
                report.achieved_value if report.achieved_value is not None else report.achieved_text,
                report.narrative,
                report.get_status_display(),
                str(report.submitted_by or ""),
                str(report.reviewed_by or ""),
                report.review_comment,
            ],
            {3: "wrap", 6: "wrap"},
        )
    workbook.close()
    return output.getvalue()
