"""The ``financial-report`` importable kind: a partner's expenditure in a period, one row per budget line.

A row names its report by (programme, partner, period, currency) and its line by the budget table's
code and the seed line (``sp12-cuadro-2-prosur`` / ``593``); ``label`` and ``budget`` are there for the
person filling the file and are not read. The partner's own editors only (like ``progress``): a row of
another partner, of a programme the user does not report to or of a report no longer editable is a
located error of the dry run. A report that does not exist yet is opened as a draft at commit
(:func:`finance.services.report_create`), and every line is written through
:func:`finance.services.report_update`, which checks permission and editability again and keeps the
history and the report's version; a refusal there writes nothing of the file.

The template of a partner and period comes pre-filled with its budget lines (and what its report
already states): ``imports:import_template`` with ``?programme=pcc&partner=PROSUR&period_start=2008-10-01``
(optionally ``period_end`` and ``currency``, by default the programme's binding one).

The ``disbursements`` kind, at the end of this module, holds the programme's transfers to its partners
(programme staff; see there).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Value
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from djmoney.money import Money

from agreements import access
from agreements.access import EDITOR_ROLES, Level
from agreements.models import Programme, ProgrammeParticipant
from core.models import ExchangeRate, Organisation, User
from core.spreadsheets.columns import Column, ColumnType, parse_currency, parse_date
from core.spreadsheets.errors import CellError
from finance.models import Disbursement, FinancialReport, FinancialReportLine
from finance.services import (
    budget_rows,
    disbursement_create,
    line_budgets,
    line_statuses,
    report_create,
    report_update,
)
from imports.lookups import NO_ORGANISATION, NO_RATE, NOT_STAFF
from imports.registry import ImportContext, ModelColumn, RowRefused, check_period, register_importer
from results.models import ReportingPeriod

NOT_REPORTING = gettext_noop("%(programme)s is not a programme you report to")
NOT_YOUR_PARTNER = gettext_noop("the financial reports of %(partner)s are written by its own editors")
NOT_A_LINE = gettext_noop("%(table)s line %(line)s is not a budget line of %(partner)s")
NO_REPORT_LINE = gettext_noop("the report has no line for %(table)s line %(line)s")
OTHER_RATE = gettext_noop("this report's exchange rate is %(rate)s")

FINANCIAL_REPORT_COLUMNS = [
    Column("programme", _("programme"), max_length=40, example="pcc"),
    Column("partner", _("partner"), max_length=40, example="PROSUR"),
    Column("period_start", _("period start"), ColumnType.DATE, example="2008-10-01"),
    Column("period_end", _("period end"), ColumnType.DATE, example="2008-10-31"),
    Column("currency", _("reporting currency"), ColumnType.CURRENCY, example="CHF"),
    Column(
        "rate",
        _("exchange rate of the period"),
        required=False,
        max_length=80,
        example="",
        help_text=_("The code of the rate to the binding currency, for a new report in another currency."),
    ),
    Column("table", _("budget table"), max_length=80, example="sp12-cuadro-2-prosur"),
    Column("line", _("seed line"), ColumnType.INTEGER, example=593),
    # For the person filling the file; never read (any text goes).
    Column("label", _("label as printed"), required=False, max_length=10_000, example=""),
    Column("budget", _("budget"), required=False, max_length=10_000, example=""),
    Column("spent", _("spent in the period"), ColumnType.DECIMAL, example=Decimal("0")),
    ModelColumn("variance_explanation", max_length=settings.PCC_TEXT_MAX_CHARS, example=""),
]


# --- look-ups (one query each per import) -----------------------------------------------------------


def _periods(context: ImportContext) -> dict[tuple[int, Any, Any], ReportingPeriod]:
    return {(p.programme_id, p.start_date, p.end_date): p for p in ReportingPeriod.objects.all()}


def _reports(context: ImportContext) -> dict[tuple[int, int, int, str], FinancialReport]:
    reports = access.financial_reports(context.user).select_related("period", "rate")
    return {(r.programme_id, r.partner_id, r.period_id, r.currency): r for r in reports}


def _report_lines(context: ImportContext) -> set[tuple[int, int]]:
    reports = access.financial_reports(context.user)
    return set(
        FinancialReportLine.objects.filter(report__in=reports).values_list("report_id", "budget_row_id")
    )


def _budget_lines(context: ImportContext) -> dict[tuple[int, int], dict[tuple[str, int], int]]:
    """Filled per (programme, partner) as rows name them, from :func:`finance.services.budget_rows`."""
    return {}


def _new_reports(context: ImportContext) -> dict[tuple[int, int, int, str], tuple[int, int | None]]:
    """The reports the file opens: their stand-in id and their rate, filled as rows name them."""
    return {}


def _lines_of(programme_id: int, partner_id: int, context: ImportContext) -> dict[tuple[str, int], int]:
    known = context.cache("budget_lines")
    if (programme_id, partner_id) not in known:
        known[(programme_id, partner_id)] = {
            (row.table.code, row.line): row.pk for row in budget_rows(programme_id, partner_id)
        }
    return known[(programme_id, partner_id)]


# --- one row ----------------------------------------------------------------------------------------


def _line_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    programme_id = context.find(
        "programmes",
        values["programme"],
        NOT_REPORTING,
        {"programme": values["programme"]},
        column="programme",
    )
    partner_id = context.find(
        "organisations", values["partner"], NO_ORGANISATION, {"code": values["partner"]}, column="partner"
    )
    # The rule itself (finance.services.may_report): the partner's editors in this programme.
    if partner_id not in access.partner_ids(context.user, programme_id, EDITOR_ROLES):
        raise CellError(NOT_YOUR_PARTNER, {"partner": values["partner"]}, column="partner")
    check_period(values)
    start, end = values["period_start"], values["period_end"]
    period = context.find(
        "periods",
        (programme_id, start, end),
        gettext_noop("no reporting period from %(start)s to %(end)s"),
        {"start": start, "end": end},
        column="period_start",
    )
    names = {"table": values["table"], "line": values["line"], "partner": values["partner"]}
    row_id = _lines_of(programme_id, partner_id, context).get((values["table"], values["line"]))
    if row_id is None:
        raise CellError(NOT_A_LINE, names, column="line")
    if values["spent"] < 0:
        raise CellError(gettext_noop("an amount spent cannot be negative"), column="spent")
    rate_id = None
    if values["rate"]:
        rate_id = context.find("rates", values["rate"], NO_RATE, {"code": values["rate"]}, column="rate")
    key = (programme_id, partner_id, period.pk, values["currency"])
    report = context.cache("reports").get(key)
    if report is not None:
        if report.edit_error() is not None:
            if period.is_locked:
                raise CellError(
                    gettext_noop("the reporting period %(period)s is locked"),
                    {"period": period.label},
                    column="period_start",
                )
            raise CellError(
                gettext_noop("the report is %(status)s and can no longer be changed"),
                {"status": report.get_status_display()},
                column="period_start",
            )
        if rate_id is not None and rate_id != report.rate_id:
            raise CellError(OTHER_RATE, {"rate": report.rate.code if report.rate else "—"}, column="rate")
        if (report.pk, row_id) not in context.cache("report_lines"):
            raise CellError(NO_REPORT_LINE, names, column="line")
        report_id = report.pk
    else:
        report_id = _new_report(key, period, rate_id, values, context)
    return {
        "report_id": report_id,
        "budget_row_id": row_id,
        "spent": Money(values["spent"], values["currency"]),
        # Where the line's report is (or will be): kept out of the comparison, read by the writer.
        "@report": [*key, rate_id],
    }


def _new_report(key: tuple, period: ReportingPeriod, rate_id: int | None, values: dict, context) -> int:
    """The stand-in id of a report the file opens, checked once as :func:`report_create` will check it.

    Negative, so it never names a stored report: its lines are compared with none (they are new) and two
    reports the file opens keep their lines apart in the check for rows given twice."""
    opened = context.cache("new_reports")
    if key in opened:
        stand_in, first_rate = opened[key]
        if rate_id is not None and rate_id != first_rate:
            rate = ExchangeRate.objects.filter(pk=first_rate).values_list("code", flat=True).first()
            raise CellError(OTHER_RATE, {"rate": rate or "—"}, column="rate")
        return stand_in
    if period.is_locked:
        raise CellError(
            gettext_noop("the reporting period %(period)s is locked"),
            {"period": period.label},
            column="period_start",
        )
    programme_id, partner_id, _period, currency = key
    draft = FinancialReport(
        programme_id=programme_id, partner_id=partner_id, period=period, currency=currency, rate_id=rate_id
    )
    try:
        draft.clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise CellError(messages[0], column="rate" if field == "rate" else "period_start") from None
    stand_in = -(len(opened) + 1)
    opened[key] = (stand_in, rate_id)
    return stand_in


# --- writing through the services -------------------------------------------------------------------


def _write(
    creates: list[FinancialReportLine],
    updates: list[FinancialReportLine],
    fields: list[str],
    context: ImportContext,
) -> None:
    """Each report's lines through :func:`report_update` (its report opened with :func:`report_create`
    first when new); a refusal stops the import, which then writes nothing."""
    where = {id(obj): (number, deferred["report"]) for number, obj, deferred in context.deferred}
    by_report: dict[tuple, list[tuple[int, FinancialReportLine, int | None]]] = {}
    for obj in [*creates, *updates]:
        number, (programme_id, partner_id, period_id, currency, rate_id) = where[id(obj)]
        by_report.setdefault((programme_id, partner_id, period_id, currency), []).append(
            (number, obj, rate_id)
        )
    for key, lines in by_report.items():
        first = min(number for number, _obj, _rate in lines)
        try:
            report = _report_for(key, rate_id=lines[0][2], user=context.user)
            report_update(
                report=report,
                user=context.user,
                spent={obj.budget_row_id: obj.spent.amount for _n, obj, _r in lines},
                explanations={obj.budget_row_id: obj.variance_explanation for _n, obj, _r in lines},
            )
        except PermissionDenied:
            partner = Organisation.objects.filter(pk=key[1]).values_list("acronym", flat=True).first()
            raise RowRefused.at(
                context, first, NOT_YOUR_PARTNER, {"partner": partner}, column="partner"
            ) from None
        except ValidationError as error:
            codes = {item.code for item in error.error_list} if hasattr(error, "error_list") else set()
            column = "period_start" if codes & {"period_locked", "not_editable"} else "spent"
            raise RowRefused.at(context, first, "; ".join(error.messages), {}, column=column) from None
        # The pipeline reconciles the programmes of the lines it was given: they now have their ids.
        ids = dict(report.lines.values_list("budget_row_id", "id"))
        for _number, obj, _rate in lines:
            obj.report_id, obj.pk = report.pk, ids[obj.budget_row_id]


def _report_for(key: tuple, *, rate_id: int | None, user: User) -> FinancialReport:
    programme_id, partner_id, period_id, currency = key
    report = FinancialReport.objects.filter(
        programme_id=programme_id, partner_id=partner_id, period_id=period_id, currency=currency
    ).first()
    if report is not None:
        return report
    return report_create(
        user=user,
        programme=Programme.objects.get(pk=programme_id),
        partner=Organisation.objects.get(pk=partner_id),
        period=ReportingPeriod.objects.get(pk=period_id),
        currency=currency,
        rate=ExchangeRate.objects.get(pk=rate_id) if rate_id else None,
    )


# --- export and the pre-filled template -------------------------------------------------------------

# The budgets of the report whose lines are being exported (one entry): an export reads its lines report
# by report, and a report's budgets come from line_statuses, as its page shows them (one computation per
# report, not per line). Keyed by the export's token, so no export reads another's.
_BUDGETS: dict[tuple[str, int], dict[int, Money | None]] = {}


def _lines_queryset(user: User):
    return (
        FinancialReportLine.objects.filter(report__in=access.financial_reports(user))
        .select_related(
            "report__programme", "report__partner", "report__period", "report__rate", "budget_row__table"
        )
        .annotate(export_token=Value(uuid.uuid4().hex))
        .order_by(
            "report__programme__code",
            "report__partner__acronym",
            "report__period__start_date",
            "report__currency",
            "report_id",
            "budget_row__table__order",
            "budget_row__order",
        )
    )


def _budget(line: FinancialReportLine) -> Money | None:
    key = (getattr(line, "export_token", ""), line.report_id)
    budgets = _BUDGETS.get(key)
    if budgets is None:
        budgets = {status.line.budget_row_id: status.budget for status in line_statuses(line.report)}
        _BUDGETS.clear()
        _BUDGETS[key] = budgets
    return budgets.get(line.budget_row_id)


def _row(report: FinancialReport, row, budget: Money | None, line: FinancialReportLine | None) -> dict:
    return {
        "programme": report.programme.code,
        "partner": report.partner.acronym,
        "period_start": report.period.start_date,
        "period_end": report.period.end_date,
        "currency": report.currency,
        "rate": report.rate.code if report.rate else "",
        "table": row.table.code,
        "line": row.line,
        "label": row.label,
        "budget": budget.amount if budget is not None else "",
        "spent": line.spent.amount if line is not None else Decimal("0"),
        "variance_explanation": line.variance_explanation if line is not None else "",
    }


def _line_export(line: FinancialReportLine) -> dict[str, Any]:
    return _row(line.report, line.budget_row, _budget(line), line)


def _template(user: User, params: Mapping[str, str]) -> list[dict[str, Any]]:
    """A partner's budget lines for one period, with what its report states (0 where it has none yet).

    ``params``: ``programme`` (code), ``partner`` (acronym; the user's own when it edits for one only),
    ``period_start`` and ``period_end`` (ISO dates; the end may be left out when one period starts that
    day), ``currency`` (by default the programme's binding one). Anything the user may not see is a 404.
    """
    programme, _staff = access.get_programme_for_user_or_404(user, params.get("programme", ""))
    acronym = params.get("partner", "")
    if not acronym:
        own = access.partner_ids(user, programme, EDITOR_ROLES)
        if len(own) != 1:
            raise Http404
        acronym = Organisation.objects.get(pk=next(iter(own))).acronym
    partner, _whole = access.get_programme_partner_for_user_or_404(user, programme, acronym)
    try:
        dates = {
            f"{name}_date": parse_date(params[f"period_{name}"])
            for name in ("start", "end")
            if params.get(f"period_{name}")
        }
        periods = ReportingPeriod.objects.filter(programme=programme, **dates)
        period = get_object_or_404(periods) if "start_date" in dates else None
        currency = parse_currency(params.get("currency") or programme.binding_currency)
    except (CellError, ReportingPeriod.MultipleObjectsReturned):
        raise Http404 from None
    if period is None:
        raise Http404
    report = (
        FinancialReport.objects.filter(programme=programme, partner=partner, period=period, currency=currency)
        .select_related("programme", "partner", "period", "rate")
        .first()
    )
    if report is not None:  # its lines, with their budgets as its page shows them
        return [
            _row(report, status.line.budget_row, status.budget, status.line)
            for status in line_statuses(report)
        ]
    # Not stored yet: the lines report_create will open, 0 spent on each.
    report = FinancialReport(programme=programme, partner=partner, period=period, currency=currency)
    rows = list(budget_rows(programme, partner))
    budgets = line_budgets(rows, currency, as_of=period.end_date)
    return [_row(report, row, budgets[row.pk].amount, None) for row in rows]


register_importer(
    "financial-report",
    label=_("Financial reports (per budget line)"),
    model=FinancialReportLine,
    columns=FINANCIAL_REPORT_COLUMNS,
    natural_key=["report_id", "budget_row_id"],
    key_columns=["partner", "period_start", "currency", "table", "line"],
    build=_line_row,
    export=_line_export,
    queryset=_lines_queryset,
    template=_template,
    level=Level.EDITOR,
    lookups={
        "periods": _periods,
        "reports": _reports,
        "report_lines": _report_lines,
        "budget_lines": _budget_lines,
        "new_reports": _new_reports,
    },
    write=_write,
    field_columns={"report": "period_start", "budget_row": "line"},
    order=45,
    programme_lookup="report__programme",
)


# --- the ``disbursements`` kind ---------------------------------------------------------------------
#
# Transfers from the programme to a partner, keyed by (programme, reference): programme staff and
# administrators of the programme (like ``budget-facts``), into the programmes they are staff of. A
# partner that does not take part in the programme, an amount that is not positive, or an amount outside
# the binding currency without a rate valid on its date is a located error of the dry run. New transfers
# are written by :func:`finance.services.disbursement_create`; a changed one is saved with the same
# checks, so its history row and the reconciliation of its programme follow as for any save.

NOT_TAKING_PART = gettext_noop("%(partner)s does not take part in the programme %(programme)s")
NOT_POSITIVE = gettext_noop("the amount of a transfer must be greater than zero")
# The model's own messages (finance.models._rate_error), by code, as msgids for the located error.
RATE_MESSAGES = {
    "rate_required": gettext_noop(
        "An amount in %(currency)s needs the exchange rate to %(binding)s of its date."
    ),
    "rate_pair": gettext_noop("The rate %(rate)s does not convert %(currency)s to %(binding)s."),
    "rate_period": gettext_noop("The rate %(rate)s is valid from %(first)s to %(last)s, not on %(date)s."),
}

DISBURSEMENT_COLUMNS = [
    ModelColumn("programme", "programme.code", label=_("programme"), example="pcc"),
    ModelColumn(
        "partner",
        "partner.acronym",
        example="PROSUR",
        help_text=_("The acronym of an organisation taking part in the programme."),
    ),
    ModelColumn("date", example="2008-10-01"),
    Column("amount", _("amount"), ColumnType.DECIMAL, example=Decimal("10000")),
    Column("currency", _("currency"), ColumnType.CURRENCY, example="CHF"),
    ModelColumn(
        "rate",
        "rate.code",
        example="",
        help_text=_("The code of the rate to the binding currency, for an amount in another currency."),
    ),
    ModelColumn("reference", example="T-2008-001"),
]


def _participants(context: ImportContext) -> set[tuple[int, int]]:
    return set(ProgrammeParticipant.objects.values_list("programme_id", "organisation_id"))


def _programmes_by_id(context: ImportContext) -> dict[int, Programme]:
    return {p.pk: p for p in Programme.objects.only("id", "code", "binding_currency")}


def _rates_by_id(context: ImportContext) -> dict[int, ExchangeRate]:
    return {rate.pk: rate for rate in ExchangeRate.objects.all()}


def _disbursement_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    programme_id, partner_id = values["programme_id"], values["partner_id"]
    if (programme_id, partner_id) not in context.cache("participants"):
        raise CellError(
            NOT_TAKING_PART,
            {"partner": values["partner"], "programme": values["programme"]},
            column="partner",
        )
    if values["amount"] <= 0:
        raise CellError(NOT_POSITIVE, column="amount")
    amount = Money(values["amount"], values["currency"])
    draft = Disbursement(
        programme=context.cache("programmes_by_id")[programme_id],
        amount=amount,
        rate=context.cache("rates_by_id").get(values["rate_id"]),
        date=values["date"],
    )
    try:
        draft.clean()
    except ValidationError as error:
        problem = error.error_dict["rate"][0]
        message = RATE_MESSAGES.get(problem.code, problem.messages[0])
        raise CellError(message, problem.params or {}, column="rate") from None
    return {"amount": amount, "@disbursement": True}


def _refused(context: ImportContext, number: int, error: Exception, obj: Disbursement) -> RowRefused:
    if isinstance(error, PermissionDenied):
        code = Programme.objects.filter(pk=obj.programme_id).values_list("code", flat=True).first()
        return RowRefused.at(context, number, NOT_STAFF, {"programme": code}, column="programme")
    field, messages = next(iter(error.message_dict.items()))
    column = context.importer.column_for_field(field) or "reference"
    return RowRefused.at(context, number, messages[0], {}, column=column)


def _write_disbursements(
    creates: list[Disbursement], updates: list[Disbursement], fields: list[str], context: ImportContext
) -> None:
    """New transfers through :func:`disbursement_create`, changed ones saved after the same checks.

    One save per row, not a bulk write: saves send the signal the reconciliation watches and write the
    history rows (who, and why: ``import #<id>``). Transfers are few; a refusal writes nothing of the file.
    """
    user = context.user
    reason = f"import #{context.record.pk}" if context.record else "import"
    numbers = {id(obj): number for number, obj, _deferred in context.deferred}
    for obj in creates:
        try:
            created = disbursement_create(
                user=user,
                programme_id=obj.programme_id,
                partner_id=obj.partner_id,
                date=obj.date,
                amount=obj.amount,
                rate_id=obj.rate_id,
                reference=obj.reference,
            )
        except (PermissionDenied, ValidationError) as error:
            raise _refused(context, numbers[id(obj)], error, obj) from None
        Disbursement.history.filter(id=created.pk).update(history_change_reason=reason)
        obj.pk = created.pk  # the pipeline reconciles the programmes of the rows it was given
    saved = {*fields, "amount_currency"} if "amount" in fields else set(fields)
    for obj in updates:
        try:
            if not user.has_perm("finance.record_disbursement", obj):
                raise PermissionDenied
            # The document is not the import's: left out, as it is of the saved fields.
            obj.full_clean(exclude=["document"])
        except (PermissionDenied, ValidationError) as error:
            raise _refused(context, numbers[id(obj)], error, obj) from None
        obj._history_user, obj._change_reason = user, reason
        obj.save(update_fields=sorted(saved))


def _disbursements_queryset(user: User):
    # What the user may see, of the programmes it may import into: the export imports again unchanged.
    return (
        access.disbursements(user)
        .filter(programme__in=access.import_programmes(user, Level.STAFF))
        .select_related("programme", "partner", "rate")
        .order_by("programme__code", "date", "reference")
    )


def _disbursement_export(disbursement: Disbursement) -> dict[str, Any]:
    return {"amount": disbursement.amount.amount, "currency": str(disbursement.amount.currency)}


register_importer(
    "disbursements",
    label=_("Disbursements (transfers to partners)"),
    model=Disbursement,
    columns=DISBURSEMENT_COLUMNS,
    natural_key=["programme_id", "reference"],
    key_columns=["programme", "reference"],
    build=_disbursement_row,
    export=_disbursement_export,
    queryset=_disbursements_queryset,
    level=Level.STAFF,
    lookups={
        "participants": _participants,
        "programmes_by_id": _programmes_by_id,
        "rates_by_id": _rates_by_id,
    },
    write=_write_disbursements,
    field_columns={"amount_currency": "currency"},
    order=46,
    programme_lookup="programme",
)
