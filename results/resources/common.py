"""What the work-plan kinds share: scoping, look-ups of plans and their parts, typed targets."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements import access
from core.models import User
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError
from imports.registry import ImportContext, ModelColumn
from imports.rows import differences_of
from results.models import (
    Activity,
    Indicator,
    Result,
    WorkPlan,
)
from results.targets import NUMERIC_KINDS, TargetKind, parse_target

NO_PLAN = gettext_noop("no work plan %(plan)s in the programme %(programme)s")
NO_ACTIVITY = gettext_noop("the work plan %(plan)s has no activity %(activity)s")
TARGET_FIELDS = ["target_kind", "target_value", "target_second_value", "target_unit", "target_currency"]


def _visible(queryset: QuerySet, user: User, prefix: str) -> QuerySet:
    """``queryset`` limited to the work plans ``user`` may see, reached through ``prefix``."""
    return access.plan_scope(queryset, user, prefix)


def _extra_lines(values: dict[str, Any]) -> list[int]:
    text = values["extra_lines"]
    parts = [part for part in re.split(r"[\s,;]+", text) if part]
    if not all(part.isdigit() and int(part) > 0 for part in parts):
        raise CellError(
            gettext_noop("expected line numbers separated by commas, such as 488, 854"), column="extra_lines"
        )
    return [int(part) for part in parts]


def _lines_export(lines: list[int]) -> str:
    return ", ".join(str(line) for line in lines)


def _plan_objects(context: ImportContext) -> dict[tuple[str, str], WorkPlan]:
    plans = (
        WorkPlan.objects.for_user(context.user)
        .select_related("programme")
        .only("id", "code", "status", "programme__code")
    )
    return {(p.programme.code, p.code): p for p in plans}


def _plan(values: dict[str, Any], context: ImportContext) -> WorkPlan:
    return context.find(
        "plan_objects",
        (values["programme"], values["plan"]),
        NO_PLAN,
        {"plan": values["plan"], "programme": values["programme"]},
        column="plan",
    )


def _result_ids(context: ImportContext) -> dict[tuple[int, str], int]:
    return {(plan_id, code): pk for pk, plan_id, code in Result.objects.values_list("id", "plan_id", "code")}


def _result_id(plan: WorkPlan, code: str, context: ImportContext, column: str = "result") -> int:
    return context.find(
        "result_ids",
        (plan.pk, code),
        gettext_noop("the work plan %(plan)s has no result %(result)s"),
        {"plan": plan.code, "result": code},
        column=column,
    )


def _activity_ids(context: ImportContext) -> dict[tuple[int, str], int]:
    return {(plan_id, key): pk for pk, plan_id, key in Activity.objects.values_list("id", "plan_id", "key")}


def _activity_id(plan: WorkPlan, key: str, context: ImportContext) -> int:
    return context.find(
        "activity_ids", (plan.pk, key), NO_ACTIVITY, {"plan": plan.code, "activity": key}, column="activity"
    )


def plan_key(path: str = "plan") -> list[ModelColumn]:
    """The ``programme`` and ``plan`` columns naming the work plan a model reaches through ``path``."""
    return [
        ModelColumn("programme", f"{path}.programme.code", label=_("programme"), example="pcc"),
        ModelColumn("plan", f"{path}.code", label=_("work plan"), example="poa-prosur-2008"),
    ]


ORDER = ModelColumn("order", keep=True, required=False, example=1)
LINE = ModelColumn("line", example=1)
EXTRA_LINES = Column(
    "extra_lines",
    _("continued on lines"),
    required=False,
    max_length=255,
    help_text=_("Where a row is split across a page break, the lines it continues on."),
)


# ---------------------------------------------------------------------------------------------
# Targets, shared by indicators and activities

TARGET_COLUMNS = [
    Column("target", _("target as printed"), required=False, max_length=255, example="20 empresas"),
    Column(
        "target_kind",
        _("target type"),
        ColumnType.CHOICE,
        required=False,
        choices=TargetKind.values,
        help_text=_("Blank when the printed target reads as it is; otherwise its type and values."),
    ),
    Column("target_value", _("target value"), ColumnType.DECIMAL, required=False),
    Column("target_second_value", _("second value of a pair"), ColumnType.DECIMAL, required=False),
    Column("target_unit", _("unit of the target"), required=False, max_length=255),
    Column("target_currency", _("currency of the target"), ColumnType.CURRENCY, required=False),
    ModelColumn("lower_is_better", keep=True, required=False),
    ModelColumn("aggregation", keep=True, required=False),
    ModelColumn("note"),
]


def _typed_target(values: dict[str, Any]) -> dict[str, Any]:
    kind, value, second = values["target_kind"], values["target_value"], values["target_second_value"]
    if value is None and (kind in NUMERIC_KINDS or kind == TargetKind.PAIR):
        raise CellError(
            gettext_noop("a target of type %(kind)s needs its value"), {"kind": kind}, column="target_value"
        )
    if second is None and kind == TargetKind.PAIR:
        raise CellError(gettext_noop("a pair needs its second value"), column="target_second_value")
    if not values["target_currency"] and kind == TargetKind.MONEY:
        raise CellError(gettext_noop("a money target needs its currency"), column="target_currency")
    return {
        "target_kind": kind,
        "target_value": value,
        "target_second_value": second,
        "target_unit": values["target_unit"],
        "target_currency": values["target_currency"] or "",
    }


def _target(values: dict[str, Any], existing) -> dict[str, Any]:
    """The printed target and its typed reading: as given, else kept (same text) or read from the text."""
    printed = " ".join(values["target"].split())
    if values["target_kind"]:
        return {"target_text": printed, **_typed_target(values)}
    given = next((name for name in TARGET_FIELDS[1:] if values[name] not in (None, "")), None)
    if given:
        raise CellError(gettext_noop("give the target type with its typed values"), column="target_kind")
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


def _target_export(target: Indicator | Activity) -> dict[str, Any]:
    """The printed target, and its typed reading only where it is not what the text reads as."""
    parsed = parse_target(target.target_text)
    stored = [getattr(target, name) for name in TARGET_FIELDS]
    read = [parsed.kind, parsed.value, parsed.second_value, parsed.unit, parsed.currency]
    typed = stored if stored != read else [None] * len(TARGET_FIELDS)
    return {
        "target": target.target_text,
        **dict(zip(TARGET_FIELDS, typed, strict=True)),
    }


def _refuse_target_change_of_approved_plan(obj, values: dict[str, Any], context: ImportContext) -> None:
    if not context.cache("approved_plans").get(obj.pk):
        return
    changed = list(differences_of(obj, {name: values[name] for name in ["target_text", *TARGET_FIELDS]}))
    if changed:
        raise CellError(
            gettext_noop("the plan is approved: change this target on its page, giving a reason"),
            column="target" if "target_text" in changed else changed[0],
        )
