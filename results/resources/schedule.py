"""Importable kinds ``schedule-months`` (the Cronograma) and ``footnotes``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements.access import Level
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError
from imports.registry import ImportContext, ModelColumn, register_importer
from results.models import (
    Footnote,
    Indicator,
    IndicatorKind,
    ScheduleMonth,
)
from results.resources.common import (
    _activity_id,
    _activity_ids,
    _plan,
    _plan_objects,
    _result_id,
    _result_ids,
    _visible,
    plan_key,
)

SCHEDULE_MONTH_COLUMNS = [
    *plan_key("activity.plan"),
    ModelColumn("activity", "activity.key", example="1.1"),
    ModelColumn("month", example="2008-09-01"),
    ModelColumn("planned", example=True),
    ModelColumn("line", example=1012),
]


def _schedule_month_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = _plan(values, context)
    activity_id = _activity_id(plan, values["activity"], context)
    month = values["month"]
    if month.day != 1:
        raise CellError(
            gettext_noop("expected the first day of a month, such as %(month)s"),
            {"month": month.replace(day=1).isoformat()},
            column="month",
        )
    return {"activity_id": activity_id}


register_importer(
    "schedule-months",
    label=_("Schedule months of activities"),
    model=ScheduleMonth,
    columns=SCHEDULE_MONTH_COLUMNS,
    natural_key=["activity_id", "month"],
    key_columns=["plan", "activity", "month"],
    build=_schedule_month_row,
    queryset=lambda user: (
        _visible(ScheduleMonth.objects.all(), user, "activity__plan__")
        .select_related("activity__plan__programme")
        .order_by(
            "activity__plan__programme__code",
            "activity__plan__code",
            "activity__order",
            "activity__key",
            "month",
        )
    ),
    level=Level.STAFF,
    lookups={"plan_objects": _plan_objects, "activity_ids": _activity_ids},
    order=35,
    programme_lookup="activity__plan__programme",
)

# ---------------------------------------------------------------------------------------------
# Footnotes

FOOTNOTE_COLUMNS = [
    *plan_key(),
    ModelColumn("marker", example="³"),
    ModelColumn("text", example="El Resultado 6 del POA será el objetivo general."),
    ModelColumn("line", example=435),
    ModelColumn("anchor_line", example=433),
    ModelColumn("annotates", example="Resultado 6"),
    Column(
        "result",
        _("result"),
        required=False,
        max_length=10,
        example="6",
        help_text=_("The result annotated, or the result of the indicator annotated."),
    ),
    Column(
        "indicator_kind", _("indicator type"), ColumnType.CHOICE, required=False, choices=IndicatorKind.values
    ),
    Column("indicator", _("indicator"), required=False, max_length=40),
    ModelColumn("activity", "activity.key", label=_("activity")),
]


def _indicator_ids(context: ImportContext) -> dict[tuple[int, str, str], int]:
    return {
        (result_id, kind, code): pk
        for pk, result_id, kind, code in Indicator.objects.values_list("id", "result_id", "kind", "code")
    }


def _footnote_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = _plan(values, context)
    result, kind, code, activity = (values[n] for n in ("result", "indicator_kind", "indicator", "activity"))
    if activity and (result or kind or code):
        raise CellError(
            gettext_noop("a footnote annotates one result, indicator or activity"), column="activity"
        )
    anchor = {"result_id": None, "indicator_id": None, "activity_id": None}
    if kind or code:
        missing = next(
            (
                name
                for name, cell in (("result", result), ("indicator_kind", kind), ("indicator", code))
                if not cell
            ),
            None,
        )
        if missing:
            raise CellError(
                gettext_noop("an indicator is named by its result, type and code"), column=missing
            )
        result_id = _result_id(plan, result, context)
        anchor["indicator_id"] = context.find(
            "indicator_ids",
            (result_id, kind, code),
            gettext_noop("the result %(result)s has no indicator %(code)s of type %(kind)s"),
            {"result": result, "code": code, "kind": kind},
            column="indicator",
        )
    elif result:
        anchor["result_id"] = _result_id(plan, result, context)
    elif activity:
        anchor["activity_id"] = _activity_id(plan, activity, context)
    return {
        "plan_id": plan.pk,
        **anchor,
    }


def _footnote_export(footnote: Footnote) -> dict[str, Any]:
    indicator = footnote.indicator
    result = footnote.result or (indicator.result if indicator else None)
    return {
        "result": result.code if result else "",
        "indicator_kind": indicator.kind if indicator else None,
        "indicator": indicator.code if indicator else "",
    }


register_importer(
    "footnotes",
    label=_("Footnotes of work plans"),
    model=Footnote,
    columns=FOOTNOTE_COLUMNS,
    natural_key=["plan_id", "marker"],
    build=_footnote_row,
    export=_footnote_export,
    queryset=lambda user: (
        _visible(Footnote.objects.all(), user, "plan__")
        .select_related("plan__programme", "result", "indicator__result", "activity")
        .order_by("plan__programme__code", "plan__code", "line", "marker")
    ),
    level=Level.STAFF,
    lookups={
        "plan_objects": _plan_objects,
        "result_ids": _result_ids,
        "indicator_ids": _indicator_ids,
        "activity_ids": _activity_ids,
    },
    field_columns={"result": "result", "indicator": "indicator"},
    order=36,
    programme_lookup="plan__programme",
)
