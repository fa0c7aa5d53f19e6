"""The ``progress`` importable kind: partners' progress on their own activities."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements import access
from agreements.access import Level
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError
from imports.registry import ImportContext, ModelColumn, register_importer
from results.models import (
    EDITABLE_STATUSES,
    Activity,
    ProgressReport,
    ProgressStatus,
    ReportingPeriod,
    WorkPlan,
)
from results.resources.common import NO_ACTIVITY, NO_PLAN

PROGRESS_COLUMNS = [
    Column("programme", _("programme"), max_length=40, example="pcc"),
    Column("plan", _("work plan"), max_length=80, example="poa-prosur-2008"),
    Column("activity", _("activity"), max_length=20, example="1.1"),
    Column("period_start", _("period start"), ColumnType.DATE, example="2008-09-01"),
    Column("period_end", _("period end"), ColumnType.DATE, example="2008-09-30"),
    ModelColumn("reported_on", example="2008-10-05"),
    ModelColumn("achieved_value", example=None),
    ModelColumn("achieved_text", max_length=settings.PCC_TEXT_MAX_CHARS, example=""),
    ModelColumn("narrative", max_length=settings.PCC_TEXT_MAX_CHARS, example=""),
]


def _plans(context: ImportContext) -> dict[tuple[str, str], dict]:
    return {
        (p["programme__code"], p["code"]): p
        for p in WorkPlan.objects.values("id", "code", "programme_id", "programme__code", "organisation_id")
    }


def _editable_plan_ids(context: ImportContext) -> set[int]:
    return set(access.editable_plans(context.user).values_list("id", flat=True))


def _activities(context: ImportContext) -> dict[tuple[int, str], Activity]:
    fields_needed = ["id", "plan_id", "key", "target_kind", "target_value", "target_text"]
    return {(a.plan_id, a.key): a for a in Activity.objects.only(*fields_needed)}


def _periods(context: ImportContext) -> dict[tuple[int, Any, Any], ReportingPeriod]:
    return {(p.programme_id, p.start_date, p.end_date): p for p in ReportingPeriod.objects.all()}


def _progress_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    names = {name: values[name] for name in ("programme", "plan", "activity")}
    plan = context.find("plans", (names["programme"], names["plan"]), NO_PLAN, names, column="plan")
    if plan["id"] not in context.cache("editable_plans"):
        raise CellError(
            gettext_noop("the work plan %(plan)s is another partner's; you may report only your own"),
            {"plan": values["plan"]},
            column="plan",
        )
    activity = context.find(
        "activities", (plan["id"], names["activity"]), NO_ACTIVITY, names, column="activity"
    )
    start, end = values["period_start"], values["period_end"]
    period = context.find(
        "periods",
        (plan["programme_id"], start, end),
        gettext_noop("no reporting period from %(start)s to %(end)s"),
        {"start": start, "end": end},
        column="period_start",
    )
    if period.is_locked:
        raise CellError(
            gettext_noop("the reporting period %(period)s is locked"),
            {"period": period.label},
            column="period_start",
        )
    if activity.expects_text:
        if values["achieved_value"] is not None:
            raise CellError(
                gettext_noop("this target is a text: report the achievement as text"), column="achieved_value"
            )
    elif values["achieved_text"]:
        raise CellError(
            gettext_noop("this target is a number: report the achieved value"), column="achieved_text"
        )
    if activity.achieved_value_error(values["achieved_value"]) is not None:
        raise CellError(
            gettext_noop("the achieved value cannot be negative: the target %(target)s is not"),
            {"target": activity.target_text or activity.target_value},
            column="achieved_value",
        )
    return {
        "activity_id": activity.pk,
        "period_id": period.pk,
    }


def _progress_defaults(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    return {"status": ProgressStatus.DRAFT, "created_by_id": context.user.pk}


def _progress_check_existing(report: ProgressReport, values: dict[str, Any], context: ImportContext) -> None:
    if report.status not in EDITABLE_STATUSES:
        raise CellError(
            gettext_noop("the report is %(status)s and can no longer be changed"),
            {"status": report.get_status_display()},
            column="activity",
        )


def _progress_export(report: ProgressReport) -> dict[str, Any]:
    activity, plan, period = report.activity, report.activity.plan, report.period
    return {
        "programme": plan.programme.code,
        "plan": plan.code,
        "activity": activity.key,
        "period_start": period.start_date,
        "period_end": period.end_date,
    }


register_importer(
    "progress",
    label=_("Progress of activities"),
    model=ProgressReport,
    columns=PROGRESS_COLUMNS,
    natural_key=["activity_id", "period_id"],
    key_columns=["plan", "activity", "period_start"],
    build=_progress_row,
    export=_progress_export,
    queryset=lambda user: (
        ProgressReport.objects.for_user(user)
        .filter(activity__isnull=False)
        .select_related("activity__plan__programme", "period")
        .order_by(
            "activity__plan__programme__code", "activity__plan__code", "period__start_date", "activity__order"
        )
    ),
    level=Level.EDITOR,
    lookups={
        "plans": _plans,
        "editable_plans": _editable_plan_ids,
        "activities": _activities,
        "periods": _periods,
    },
    create_defaults=_progress_defaults,
    check_existing=_progress_check_existing,
    field_columns={"activity": "activity", "period": "period_start"},
    order=40,
    programme_lookup="activity__plan__programme",
)
