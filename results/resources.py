"""Spreadsheet import/export of work plans (results, indicators, activities) and partner progress.

Kinds of :mod:`core.imports`, on natural keys:

* ``results``: (programme, plan, result code); ``indicators``: (programme, plan, result, kind,
  code); ``activities``: (programme, plan, activity key). Programme staff and administrators;
  the work plan must exist. A file sets what the plan states (statements, targets, months,
  responsible); targets are read with :func:`results.targets.parse_target` as the loader does.
* ``progress``: one report per (activity, reporting period). Partner editors only, for the plans
  of their organisations: a row naming another partner's activity is an error, not a skip. New
  reports start as drafts; a report already submitted or approved, or a locked period, is an error.

The django-import-export resources serve the admin.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from import_export import fields, resources, widgets

from core.imports import ImportContext, register_importer
from core.spreadsheets import CellError, Column, ColumnType
from results.models import (
    EDITABLE_STATUSES,
    Activity,
    Indicator,
    IndicatorKind,
    ProgressReport,
    ProgressStatus,
    ReportingPeriod,
    Result,
    WorkPlan,
)
from results.querysets import editable_plan_filter
from results.targets import parse_target

# ---------------------------------------------------------------------------------------------
# django-import-export, for the admin


class _InFilePlan(widgets.ForeignKeyWidget):
    """A work plan, activity or reporting period named as printed, within the programme (and plan) of its row."""

    def __init__(self, model, field: str, *, scope: str):
        super().__init__(model, field=field)
        self.scope = scope

    def get_queryset(self, value, row, *args, **kwargs):
        if self.scope == "programme":
            return self.model.objects.filter(programme__code=row["programme"])
        return self.model.objects.filter(plan__programme__code=row["programme"], plan__code=row["plan"])


class ActivityResource(resources.ModelResource):
    programme = fields.Field(attribute="plan__programme__code", column_name="programme", readonly=True)
    plan = fields.Field(
        attribute="plan", column_name="plan", widget=_InFilePlan(WorkPlan, "code", scope="programme")
    )
    result = fields.Field(
        attribute="result", column_name="result", widget=_InFilePlan(Result, "code", scope="plan")
    )

    class Meta:
        model = Activity
        fields = [
            "programme",
            "plan",
            "key",
            "result",
            "code",
            "statement",
            "unit",
            "target_text",
            "months_as_printed",
            "start_month",
            "end_month",
            "responsible",
            "line",
        ]
        export_order = fields
        import_id_fields = ["plan", "key"]
        skip_diff = True
        clean_model_instances = True
        use_transactions = True

    def before_save_instance(self, instance, row, **kwargs):
        parsed = parse_target(instance.target_text)
        instance.target_kind, instance.target_value = parsed.kind, parsed.value
        instance.target_second_value, instance.target_unit = parsed.second_value, parsed.unit
        instance.target_currency = parsed.currency


class _Period(widgets.ForeignKeyWidget):
    def get_queryset(self, value, row, *args, **kwargs):
        return ReportingPeriod.objects.filter(programme__code=row["programme"], end_date=row["period_end"])


class ProgressReportResource(resources.ModelResource):
    """Progress of activities for administrators; partners import theirs from the import pages."""

    programme = fields.Field(attribute="period__programme__code", column_name="programme", readonly=True)
    plan = fields.Field(attribute="activity__plan__code", column_name="plan", readonly=True)
    activity = fields.Field(
        attribute="activity", column_name="activity", widget=_InFilePlan(Activity, "key", scope="plan")
    )
    period_start = fields.Field(
        attribute="period", column_name="period_start", widget=_Period(ReportingPeriod, field="start_date")
    )
    period_end = fields.Field(attribute="period__end_date", column_name="period_end", readonly=True)

    class Meta:
        model = ProgressReport
        fields = [
            "programme",
            "plan",
            "activity",
            "period_start",
            "period_end",
            "reported_on",
            "achieved_value",
            "achieved_text",
            "narrative",
            "status",
        ]
        export_order = fields
        import_id_fields = ["activity", "period_start"]
        skip_diff = True
        clean_model_instances = True
        use_transactions = True

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(activity__isnull=False)
            .select_related("activity__plan", "period__programme")
        )


TARGET_FIELDS = ["target_kind", "target_value", "target_second_value", "target_unit", "target_currency"]

# ---------------------------------------------------------------------------------------------
# Work plans: results, indicators, activities


def _plan_objects(context: ImportContext) -> dict[tuple[str, str], WorkPlan]:
    plans = WorkPlan.objects.select_related("programme").only("id", "code", "status", "programme__code")
    return {(p.programme.code, p.code): p for p in plans}


def _plan(values: dict[str, Any], context: ImportContext) -> WorkPlan:
    plan = context.cache("plan_objects").get((values["programme"], values["plan"]))
    if plan is None:
        raise CellError(
            gettext_noop("no work plan %(plan)s in the programme %(programme)s"),
            {"plan": values["plan"], "programme": values["programme"]},
            column="plan",
        )
    return plan


def _result_ids(context: ImportContext) -> dict[tuple[int, str], int]:
    return {(plan_id, code): pk for pk, plan_id, code in Result.objects.values_list("id", "plan_id", "code")}


def _result_id(plan: WorkPlan, code: str, context: ImportContext, column: str = "result") -> int:
    result_id = context.cache("result_ids").get((plan.pk, code))
    if result_id is None:
        raise CellError(
            gettext_noop("the work plan %(plan)s has no result %(result)s"),
            {"plan": plan.code, "result": code},
            column=column,
        )
    return result_id


def _target(printed: str, existing) -> dict[str, Any]:
    """The typed target of a printed one; an unchanged text keeps the typed values already stored."""
    printed = " ".join(printed.split())
    if existing is not None and existing.target_text == printed:
        return {"target_text": printed, **{name: getattr(existing, name) for name in TARGET_FIELDS}}
    parsed = parse_target(printed)
    return {
        "target_text": printed,
        "target_kind": parsed.kind,
        "target_value": parsed.value,
        "target_second_value": parsed.second_value,
        "target_unit": parsed.unit,
        "target_currency": parsed.currency,
    }


def _refuse_target_change_of_approved_plan(obj, values: dict[str, Any], context: ImportContext) -> None:
    if obj.target_text != values["target_text"] and context.cache("approved_plans").get(obj.pk):
        raise CellError(
            gettext_noop("the plan is approved: change this target on its page, giving a reason"),
            column="target",
        )


WORK_PLAN_KEY = [
    Column("programme", _("programme"), max_length=40, example="pcc"),
    Column("plan", _("work plan"), max_length=80, example="poa-prosur-2008"),
]

RESULT_COLUMNS = [
    *WORK_PLAN_KEY,
    Column("code", _("code"), max_length=10, example="1"),
    Column("statement", _("statement as printed"), max_length=10_000, example="Exportadores capacitados"),
    Column("activities_heading", _("heading of the activity table"), required=False, max_length=10_000),
    Column("line", _("seed line"), ColumnType.INTEGER, example=1),
]


def _result_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = _plan(values, context)
    return {
        "plan_id": plan.pk,
        "code": values["code"],
        "statement": values["statement"],
        "activities_heading": values["activities_heading"],
        "line": values["line"],
    }


def _result_export(result: Result) -> dict[str, Any]:
    return {
        "programme": result.plan.programme.code,
        "plan": result.plan.code,
        "code": result.code,
        "statement": result.statement,
        "activities_heading": result.activities_heading,
        "line": result.line,
    }


register_importer(
    "results",
    label=_("Results of work plans"),
    model=Result,
    columns=RESULT_COLUMNS,
    natural_key=["plan_id", "code"],
    build=_result_row,
    export=_result_export,
    queryset=lambda user: (
        Result.objects.for_user(user)
        .select_related("plan__programme")
        .order_by("plan__programme__code", "plan__code", "order")
    ),
    can_import=lambda user: user.is_programme_staff,
    lookups={"plan_objects": _plan_objects},
)

TARGET_COLUMN = Column(
    "target", _("target as printed"), required=False, max_length=255, example="20 empresas"
)

INDICATOR_COLUMNS = [
    *WORK_PLAN_KEY,
    Column("result", _("result"), max_length=10, example="1"),
    Column("kind", _("indicator type"), ColumnType.CHOICE, choices=IndicatorKind.values, example="year"),
    Column("code", _("code as printed"), max_length=40, example="IPR.9"),
    Column("statement", _("statement as printed"), max_length=10_000, example="Empresas que exportan"),
    Column("baseline", _("baseline as printed"), required=False, max_length=255),
    TARGET_COLUMN,
    Column("line", _("seed line"), ColumnType.INTEGER, example=1),
]


def _indicators(context: ImportContext) -> dict[tuple[int, str, str], Indicator]:
    return {
        (i.result_id, i.kind, i.code): i
        for i in Indicator.objects.only("id", "result_id", "kind", "code", "target_text", *TARGET_FIELDS)
    }


def _indicator_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = _plan(values, context)
    result_id = _result_id(plan, values["result"], context)
    existing = context.cache("indicators").get((result_id, values["kind"], values["code"]))
    return {
        "result_id": result_id,
        "kind": values["kind"],
        "code": values["code"],
        "statement": values["statement"],
        "baseline_text": values["baseline"],
        "line": values["line"],
        **_target(values["target"], existing),
    }


def _indicator_export(indicator: Indicator) -> dict[str, Any]:
    plan = indicator.result.plan
    return {
        "programme": plan.programme.code,
        "plan": plan.code,
        "result": indicator.result.code,
        "kind": indicator.kind,
        "code": indicator.code,
        "statement": indicator.statement,
        "baseline": indicator.baseline_text,
        "target": indicator.target_text,
        "line": indicator.line,
    }


register_importer(
    "indicators",
    label=_("Indicators of work plans"),
    model=Indicator,
    columns=INDICATOR_COLUMNS,
    natural_key=["result_id", "kind", "code"],
    build=_indicator_row,
    export=_indicator_export,
    queryset=lambda user: (
        Indicator.objects.for_user(user)
        .select_related("result__plan__programme")
        .order_by("result__plan__programme__code", "result__plan__code", "result__order", "order")
    ),
    can_import=lambda user: user.is_programme_staff,
    lookups={
        "plan_objects": _plan_objects,
        "result_ids": _result_ids,
        "indicators": _indicators,
        "approved_plans": lambda context: dict(
            Indicator.objects.filter(result__plan__status="approved").values_list(
                "id", "result__plan__status"
            )
        ),
    },
    check_existing=_refuse_target_change_of_approved_plan,
    field_columns={
        "result": "result",
        "baseline_text": "baseline",
        "target_text": "target",
        **{name: "target" for name in TARGET_FIELDS},
    },
)

ACTIVITY_COLUMNS = [
    *WORK_PLAN_KEY,
    Column("key", _("key"), max_length=20, example="9.1", help_text=_("Unique in the plan.")),
    Column("result", _("result"), max_length=10, example="1"),
    Column("code", _("code as printed"), required=False, max_length=20, example="9.1"),
    Column("statement", _("statement as printed"), required=False, max_length=10_000, example="Talleres"),
    Column("unit", _("unit of measure"), required=False, max_length=255, example="talleres"),
    TARGET_COLUMN,
    Column("months", _("months as printed"), required=False, max_length=60, example="Set-Dic"),
    Column("start_month", _("start month"), ColumnType.DATE, required=False, example="2008-09-01"),
    Column("end_month", _("end month"), ColumnType.DATE, required=False, example="2008-12-01"),
    Column("responsible", _("responsible"), required=False, max_length=60, example="PROSUR"),
    Column("line", _("seed line"), ColumnType.INTEGER, example=1),
]


def _activity_objects(context: ImportContext) -> dict[tuple[int, str], Activity]:
    return {
        (a.plan_id, a.key): a
        for a in Activity.objects.only("id", "plan_id", "key", "target_text", *TARGET_FIELDS)
    }


def _activity_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = _plan(values, context)
    start, end = values["start_month"], values["end_month"]
    if start and end and start > end:
        raise CellError(gettext_noop("the period ends before it starts"), column="end_month")
    existing = context.cache("activity_objects").get((plan.pk, values["key"]))
    return {
        "plan_id": plan.pk,
        "key": values["key"],
        "result_id": _result_id(plan, values["result"], context),
        "code": values["code"],
        "statement": values["statement"],
        "unit": values["unit"],
        "months_as_printed": values["months"],
        "start_month": start,
        "end_month": end,
        "responsible": values["responsible"],
        "line": values["line"],
        **_target(values["target"], existing),
    }


def _activity_export(activity: Activity) -> dict[str, Any]:
    return {
        "programme": activity.plan.programme.code,
        "plan": activity.plan.code,
        "key": activity.key,
        "result": activity.result.code,
        "code": activity.code,
        "statement": activity.statement,
        "unit": activity.unit,
        "target": activity.target_text,
        "months": activity.months_as_printed,
        "start_month": activity.start_month,
        "end_month": activity.end_month,
        "responsible": activity.responsible,
        "line": activity.line,
    }


register_importer(
    "activities",
    label=_("Activities of work plans"),
    model=Activity,
    columns=ACTIVITY_COLUMNS,
    natural_key=["plan_id", "key"],
    build=_activity_row,
    export=_activity_export,
    queryset=lambda user: (
        Activity.objects.for_user(user)
        .select_related("plan__programme", "result")
        .order_by("plan__programme__code", "plan__code", "order")
    ),
    can_import=lambda user: user.is_programme_staff,
    lookups={
        "plan_objects": _plan_objects,
        "result_ids": _result_ids,
        "activity_objects": _activity_objects,
        "approved_plans": lambda context: dict(
            Activity.objects.filter(plan__status="approved").values_list("id", "plan__status")
        ),
    },
    check_existing=_refuse_target_change_of_approved_plan,
    field_columns={
        "result": "result",
        "months_as_printed": "months",
        "target_text": "target",
        **{name: "target" for name in TARGET_FIELDS},
    },
)

# ---------------------------------------------------------------------------------------------
# Progress

PROGRESS_COLUMNS = [
    Column("programme", _("programme"), max_length=40, example="pcc"),
    Column("plan", _("work plan"), max_length=80, example="poa-prosur-2008"),
    Column("activity", _("activity"), max_length=20, example="1.1"),
    Column("period_start", _("period start"), ColumnType.DATE, example="2008-09-01"),
    Column("period_end", _("period end"), ColumnType.DATE, example="2008-09-30"),
    Column("reported_on", _("date"), ColumnType.DATE, example="2008-10-05"),
    Column("achieved_value", _("achieved value"), ColumnType.DECIMAL, required=False, example=None),
    Column("achieved_text", _("achieved (text)"), required=False, example=""),
    Column("narrative", _("narrative"), required=False, example=""),
]


def _plans(context: ImportContext) -> dict[tuple[str, str], dict]:
    return {
        (p["programme__code"], p["code"]): p
        for p in WorkPlan.objects.values("id", "code", "programme_id", "programme__code", "organisation_id")
    }


def _editable_plan_ids(context: ImportContext) -> set[int]:
    return set(WorkPlan.objects.filter(editable_plan_filter(context.user)).values_list("id", flat=True))


def _activities(context: ImportContext) -> dict[tuple[int, str], Activity]:
    fields_needed = ["id", "plan_id", "key", "target_kind", "target_value"]
    return {(a.plan_id, a.key): a for a in Activity.objects.only(*fields_needed)}


def _periods(context: ImportContext) -> dict[tuple[int, Any, Any], ReportingPeriod]:
    return {(p.programme_id, p.start_date, p.end_date): p for p in ReportingPeriod.objects.all()}


def _progress_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = context.cache("plans").get((values["programme"], values["plan"]))
    if plan is None:
        raise CellError(
            gettext_noop("no work plan %(plan)s in the programme %(programme)s"),
            {"plan": values["plan"], "programme": values["programme"]},
            column="plan",
        )
    if plan["id"] not in context.cache("editable_plans"):
        raise CellError(
            gettext_noop("the work plan %(plan)s is another partner's; you may report only your own"),
            {"plan": values["plan"]},
            column="plan",
        )
    activity = context.cache("activities").get((plan["id"], values["activity"]))
    if activity is None:
        raise CellError(
            gettext_noop("the work plan %(plan)s has no activity %(activity)s"),
            {"plan": values["plan"], "activity": values["activity"]},
            column="activity",
        )
    period = context.cache("periods").get(
        (plan["programme_id"], values["period_start"], values["period_end"])
    )
    if period is None:
        raise CellError(
            gettext_noop("no reporting period from %(start)s to %(end)s"),
            {"start": values["period_start"], "end": values["period_end"]},
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
    return {
        "activity_id": activity.pk,
        "period_id": period.pk,
        "reported_on": values["reported_on"],
        "achieved_value": values["achieved_value"],
        "achieved_text": values["achieved_text"],
        "narrative": values["narrative"],
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
        "reported_on": report.reported_on,
        "achieved_value": report.achieved_value,
        "achieved_text": report.achieved_text,
        "narrative": report.narrative,
    }


register_importer(
    "progress",
    label=_("Progress of activities"),
    model=ProgressReport,
    columns=PROGRESS_COLUMNS,
    natural_key=["activity_id", "period_id"],
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
    can_import=lambda user: user.can_edit_partner_data,
    lookups={
        "plans": _plans,
        "editable_plans": _editable_plan_ids,
        "activities": _activities,
        "periods": _periods,
    },
    create_defaults=_progress_defaults,
    check_existing=_progress_check_existing,
    field_columns={"activity": "activity", "period": "period_start"},
)
