"""The ``activities`` importable kind, with their parents and schedule fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements.access import Level
from core.spreadsheets.errors import Problem
from imports.links import SameFileLinks
from imports.registry import ImportContext, ModelColumn, check_period, register_importer
from results.models import (
    Activity,
    Aggregation,
)
from results.resources.common import (
    EXTRA_LINES,
    LINE,
    ORDER,
    TARGET_COLUMNS,
    TARGET_FIELDS,
    _extra_lines,
    _lines_export,
    _plan,
    _plan_objects,
    _refuse_target_change_of_approved_plan,
    _result_id,
    _result_ids,
    _target,
    _target_export,
    plan_key,
)
from results.targets import TargetKind

ACTIVITY_COLUMNS = [
    *plan_key(),
    ModelColumn("key", example="9.1", help_text=_("Unique in the plan.")),
    ModelColumn("result", "result.code", label=_("result"), example="1"),
    ModelColumn(
        "parent",
        "parent.key",
        label=_("parent activity"),
        help_text=_("The key of the activity it belongs to, in the same plan."),
    ),
    ModelColumn("code", example="9.1"),
    ModelColumn("group"),
    ModelColumn("statement", example="Talleres"),
    ModelColumn(
        "statement_en",
        example="Workshops",
        help_text=_("Empty: English readers see the Spanish, marked as untranslated."),
    ),
    ModelColumn("unit", example="talleres"),
    *TARGET_COLUMNS,
    ModelColumn("months", "months_as_printed", example="Set-Dic"),
    ModelColumn("start_month", example="2008-09-01"),
    ModelColumn("end_month", example="2008-12-01"),
    ModelColumn("responsible", example="PROSUR"),
    ModelColumn("schedule_statement"),
    ModelColumn("schedule_line"),
    ORDER,
    LINE,
    EXTRA_LINES,
]


def _activity_objects(context: ImportContext) -> dict[tuple[int, str], Activity]:
    return {
        (a.plan_id, a.key): a
        for a in Activity.objects.only("id", "plan_id", "key", "parent_id", "target_text", *TARGET_FIELDS)
    }


def _activity_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = _plan(values, context)
    check_period(values, "start_month", "end_month")
    key = (plan.pk, values["key"])
    activities = context.cache("activity_objects")
    return {
        "plan_id": plan.pk,
        "result_id": _result_id(plan, values["result"], context),
        "extra_lines": _extra_lines(values),
        **_target(values, activities.get(key)),
        **PARENT.resolve(values, key, context),
    }


PARENT = SameFileLinks(
    fields=("parent",),
    key=("plan_id", "key"),
    target=lambda own, key: (own[0], key),
    known="activity_objects",
    itself=gettext_noop("an activity cannot be its own parent"),
    missing=gettext_noop(
        "no activity %(activity)s in the work plan %(plan)s, neither in this file nor in the database"
    ),
    params=lambda cells, key: {"activity": key, "plan": cells["plan"]},
)


def _activity_check_file(context: ImportContext) -> Iterator[Problem]:
    yield from PARENT.check_file(context)
    seen = context.cache("same_file_links")
    stated = {key: cells["parent"] for key, cells in seen.stated.items()}
    activities = context.cache("activity_objects")
    keys_by_id = {a.pk: a.key for a in activities.values()}
    parents = {key: keys_by_id.get(a.parent_id) for key, a in activities.items()}
    parents.update(stated)
    looping = []
    for start in stated:
        current = start
        for _step in range(len(parents)):
            parent_key = parents.get(current)
            if parent_key is None:
                break
            current = (start[0], parent_key)
            if current == start:
                looping.append(start)
                break
    if looping:
        for key in looping:
            yield Problem(
                gettext_noop("the parents of the activity %(activity)s lead back to it"),
                {"activity": key[1]},
                row=seen.rows[key],
                column="parent",
                value=stated[key] or "",
            )


def _activity_defaults(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    if "aggregation" in values:
        return {}
    # As the loader: a percentage states how far things are, so its latest value counts.
    cumulative = values["target_kind"] == TargetKind.PERCENTAGE
    return {"aggregation": Aggregation.CUMULATIVE if cumulative else Aggregation.PER_PERIOD}


def _activity_export(activity: Activity) -> dict[str, Any]:
    return {
        **_target_export(activity),
        "extra_lines": _lines_export(activity.extra_lines),
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
        .select_related("plan__programme", "result", "parent")
        .order_by("plan__programme__code", "plan__code", "order", "key")
    ),
    level=Level.STAFF,
    lookups={
        "plan_objects": _plan_objects,
        "result_ids": _result_ids,
        "activity_objects": _activity_objects,
        "approved_plans": lambda context: dict(
            Activity.objects.filter(plan__status="approved").values_list("id", "plan__status")
        ),
    },
    create_defaults=_activity_defaults,
    check_existing=_refuse_target_change_of_approved_plan,
    check_file=_activity_check_file,
    after_commit=PARENT.link,
    field_columns={"target_text": "target"},
    order=34,
    programme_lookup="plan__programme",
)
