"""The ``activities`` importable kind, with their parents and schedule fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements.access import Level
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError, Problem
from imports.registry import ImportContext, register_importer
from results.models import (
    Activity,
    Aggregation,
    WorkPlan,
)
from results.resources.common import (
    EXTRA_LINES,
    LINE,
    ORDER,
    TARGET_COLUMNS,
    TARGET_FIELDS,
    WORK_PLAN_KEY,
    _extra_lines,
    _FileLinks,
    _lines_export,
    _optional,
    _plan,
    _plan_objects,
    _refuse_target_change_of_approved_plan,
    _refused,
    _result_id,
    _result_ids,
    _save_links,
    _target_export,
    _target_fields,
    _unresolved_links,
)
from results.targets import TargetKind

ACTIVITY_COLUMNS = [
    *WORK_PLAN_KEY,
    Column("key", _("key"), max_length=20, example="9.1", help_text=_("Unique in the plan.")),
    Column("result", _("result"), max_length=10, example="1"),
    Column(
        "parent",
        _("parent activity"),
        required=False,
        max_length=20,
        help_text=_("The key of the activity it belongs to, in the same plan."),
    ),
    Column("code", _("code as printed"), required=False, max_length=20, example="9.1"),
    Column("group", _("group heading"), required=False, max_length=255),
    Column("statement", _("statement as printed"), required=False, max_length=10_000, example="Talleres"),
    Column("unit", _("unit of measure"), required=False, max_length=255, example="talleres"),
    *TARGET_COLUMNS,
    Column("months", _("months as printed"), required=False, max_length=60, example="Set-Dic"),
    Column("start_month", _("start month"), ColumnType.DATE, required=False, example="2008-09-01"),
    Column("end_month", _("end month"), ColumnType.DATE, required=False, example="2008-12-01"),
    Column("responsible", _("responsible"), required=False, max_length=60, example="PROSUR"),
    Column("schedule_statement", _("statement in the schedule"), required=False, max_length=10_000),
    Column("schedule_line", _("line in the schedule"), ColumnType.INTEGER, required=False),
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
    start, end = values["start_month"], values["end_month"]
    if start and end and start > end:
        raise CellError(gettext_noop("the period ends before it starts"), column="end_month")
    key = (plan.pk, values["key"])
    activities = context.cache("activity_objects")
    row = {
        "plan_id": plan.pk,
        "result_id": _result_id(plan, values["result"], context),
        "months_as_printed": values["months"],
        "start_month": start,
        "end_month": end,
        "extra_lines": _extra_lines(values),
        **_target_fields(values, activities.get(key)),
        **_optional(values, "order"),
    }
    links: _FileLinks = context.cache("links")
    links.rows[key] = context.row
    parent_key = values["parent"] or None
    links.parents[key] = parent_key
    if parent_key is None:
        row["parent_id"] = None
        return row
    if parent_key == values["key"]:
        raise CellError(gettext_noop("an activity cannot be its own parent"), column="parent")
    target = (plan.pk, parent_key)
    parent = activities.get(target)
    if parent is not None:
        row["parent_id"] = parent.pk
    else:
        row["@parent"] = parent_key
        links.pending.append((target, key, parent_key, {"activity": parent_key, "plan": plan.code}))
    return row


PARENT_MISSING = gettext_noop(
    "no activity %(activity)s in the work plan %(plan)s, neither in this file nor in the database"
)


def _activity_check_file(context: ImportContext) -> Iterator[Problem]:
    yield from _unresolved_links(context, column="parent", message=PARENT_MISSING)
    links: _FileLinks = context.cache("links")
    activities = context.cache("activity_objects")
    keys_by_id = {a.pk: a.key for a in activities.values()}
    parents = {key: keys_by_id.get(a.parent_id) for key, a in activities.items()}
    parents.update(links.parents)
    looping = []
    for start in links.parents:
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
                row=links.rows[key],
                column="parent",
                value=links.parents[key] or "",
            )


def _link_parents(context: ImportContext) -> None:
    links = [(n, obj, deferred["parent"]) for n, obj, deferred in context.deferred]
    if not links:
        return
    activities = {
        (a.plan_id, a.key): a
        for a in Activity.objects.filter(plan_id__in={obj.plan_id for _n, obj, _key in links})
    }
    changed = []
    for number, obj, parent_key in links:
        parent = activities.get((obj.plan_id, parent_key))
        if parent is None:
            plan_code = WorkPlan.objects.filter(pk=obj.plan_id).values_list("code", flat=True).first()
            raise _refused(
                context,
                number,
                PARENT_MISSING,
                {"activity": parent_key, "plan": plan_code},
                "parent",
                parent_key,
            )
        activity = activities[(obj.plan_id, obj.key)]
        if activity.parent_id != parent.pk:
            activity.parent_id = parent.pk
            changed.append(activity)
    _save_links(changed, ["parent"], context)


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
    stored=(
        "key",
        "code",
        "group",
        "statement",
        "unit",
        "responsible",
        "schedule_statement",
        "schedule_line",
        "line",
    ),
    exported={
        "programme": "plan.programme.code",
        "plan": "plan.code",
        "result": "result.code",
        "parent": "parent.key",
        "months": "months_as_printed",
        "start_month": "start_month",
        "end_month": "end_month",
        "order": "order",
    },
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
        "links": lambda context: _FileLinks(),
    },
    create_defaults=_activity_defaults,
    check_existing=_refuse_target_change_of_approved_plan,
    check_file=_activity_check_file,
    after_commit=_link_parents,
    field_columns={"result": "result", "months_as_printed": "months", "target_text": "target"},
    order=34,
    programme_lookup="plan__programme",
)
