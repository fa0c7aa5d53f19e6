"""What the work-plan kinds share: scoping, links between rows of a file, typed targets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements import access
from core.models import User
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError, Problem
from imports.registry import ImportContext, RowRefused
from imports.writes import bulk_write
from results.models import (
    Activity,
    Aggregation,
    Indicator,
    Result,
    WorkPlan,
)
from results.targets import NUMERIC_KINDS, TargetKind, parse_target

TARGET_FIELDS = ["target_kind", "target_value", "target_second_value", "target_unit", "target_currency"]


def _visible(queryset: QuerySet, user: User, prefix: str) -> QuerySet:
    """``queryset`` limited to the work plans ``user`` may see, reached through ``prefix``."""
    return access.plan_scope(queryset, user, prefix)


def _optional(values: dict[str, Any], *names: str) -> dict[str, Any]:
    """The cells given among ``names``: a blank one keeps what is stored (the model's default when new)."""
    return {name: values[name] for name in names if values[name] is not None}


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


def _differs(old: Any, new: Any) -> bool:
    # As the import compares: a blank text and no value are the same.
    return not (old == new or (old in (None, "") and new in (None, "")))


@dataclass
class _FileLinks:
    """The rows of one file and their links to rows of the same kind, gathered while ``build`` sees each row.

    A link the database cannot resolve yet is *pending*: the dry run's ``check_file`` looks for its
    target among the file's rows once every row has been seen.
    """

    # A row's natural key → its row in the file.
    rows: dict[tuple, int | None] = field(default_factory=dict)
    # (natural key of the target, natural key of the row, value of the cell, params of the message)
    pending: list[tuple[tuple, tuple, str, dict]] = field(default_factory=list)
    # Activities: a row's natural key → its parent's key, as the file states it.
    parents: dict[tuple, str | None] = field(default_factory=dict)

    def unresolved(self) -> list[tuple[tuple, str, dict]]:
        return [
            (row, value, params) for target, row, value, params in self.pending if target not in self.rows
        ]


def _unresolved_links(context: ImportContext, *, column: str, message: str) -> Iterator[Problem]:
    links: _FileLinks = context.cache("links")
    missing = links.unresolved()
    if not missing:
        return
    for row, value, params in missing:
        yield Problem(message, params, row=links.rows[row], column=column, value=value)


def _save_links(objs: list, names: list[str], context: ImportContext) -> None:
    """Write links resolved after the last batch with the import's own writer, history rows included."""
    if objs:
        bulk_write([], objs, names, context)


def _refused(context: ImportContext, number: int, message: str, params: dict, column: str, value: str):
    return RowRefused(
        Problem(
            message,
            params,
            file=context.record.file_name if context.record else "",
            row=number,
            column=column,
            value=value,
        )
    )


def _plan_objects(context: ImportContext) -> dict[tuple[str, str], WorkPlan]:
    plans = (
        WorkPlan.objects.for_user(context.user)
        .select_related("programme")
        .only("id", "code", "status", "programme__code")
    )
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


def _activity_ids(context: ImportContext) -> dict[tuple[int, str], int]:
    return {(plan_id, key): pk for pk, plan_id, key in Activity.objects.values_list("id", "plan_id", "key")}


def _activity_id(plan: WorkPlan, key: str, context: ImportContext) -> int:
    activity_id = context.cache("activity_ids").get((plan.pk, key))
    if activity_id is None:
        raise CellError(
            gettext_noop("the work plan %(plan)s has no activity %(activity)s"),
            {"plan": plan.code, "activity": key},
            column="activity",
        )
    return activity_id


PROGRAMME = Column("programme", _("programme"), max_length=40, example="pcc")
WORK_PLAN_KEY = [PROGRAMME, Column("plan", _("work plan"), max_length=80, example="poa-prosur-2008")]
ORDER = Column("order", _("order"), ColumnType.INTEGER, required=False, example=1)
LINE = Column("line", _("seed line"), ColumnType.INTEGER, example=1)
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
    Column("lower_is_better", _("lower is better"), ColumnType.BOOLEAN, required=False),
    Column("aggregation", _("aggregation"), ColumnType.CHOICE, required=False, choices=Aggregation.values),
    Column("note", _("note"), required=False, max_length=10_000),
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
        "lower_is_better": target.lower_is_better,
        "aggregation": target.aggregation,
        "note": target.note,
    }


def _target_fields(values: dict[str, Any], existing) -> dict[str, Any]:
    return {
        **_target(values, existing),
        "note": values["note"],
        **_optional(values, "lower_is_better", "aggregation"),
    }


def _refuse_target_change_of_approved_plan(obj, values: dict[str, Any], context: ImportContext) -> None:
    if not context.cache("approved_plans").get(obj.pk):
        return
    changed = [name for name in ["target_text", *TARGET_FIELDS] if _differs(getattr(obj, name), values[name])]
    if changed:
        raise CellError(
            gettext_noop("the plan is approved: change this target on its page, giving a reason"),
            column="target" if "target_text" in changed else changed[0],
        )
