"""The ``indicators`` importable kind, linked to the phase indicator each completes."""

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
    Aggregation,
    Indicator,
    IndicatorKind,
    Result,
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

INDICATOR_COLUMNS = [
    *WORK_PLAN_KEY,
    Column("result", _("result"), max_length=10, example="1"),
    Column("kind", _("indicator type"), ColumnType.CHOICE, choices=IndicatorKind.values, example="year"),
    Column("code", _("code as printed"), max_length=40, example="IPR.9"),
    Column("kind_as_printed", _("indicator type as printed"), required=False, max_length=255),
    Column("statement", _("statement as printed"), max_length=10_000, example="Empresas que exportan"),
    Column("baseline", _("baseline as printed"), required=False, max_length=255),
    Column("baseline_value", _("baseline"), ColumnType.DECIMAL, required=False),
    *TARGET_COLUMNS,
    Column(
        "phase_indicator",
        _("phase indicator it completes"),
        required=False,
        max_length=40,
        help_text=_("The code of a phase indicator of the same result."),
    ),
    ORDER,
    LINE,
    EXTRA_LINES,
]


def _indicators(context: ImportContext) -> dict[tuple[int, str, str], Indicator]:
    return {
        (i.result_id, i.kind, i.code): i
        for i in Indicator.objects.only("id", "result_id", "kind", "code", "target_text", *TARGET_FIELDS)
    }


def _indicator_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = _plan(values, context)
    result_id = _result_id(plan, values["result"], context)
    key = (result_id, values["kind"], values["code"])
    indicators = context.cache("indicators")
    row = {
        "result_id": result_id,
        "baseline_text": values["baseline"],
        "extra_lines": _extra_lines(values),
        **_target_fields(values, indicators.get(key)),
        **_optional(values, "order"),
    }
    links: _FileLinks = context.cache("links")
    links.rows[key] = context.row
    code = values["phase_indicator"]
    if not code:
        row["phase_indicator_id"] = None
        return row
    if (values["kind"], values["code"]) == (IndicatorKind.PHASE, code):
        raise CellError(gettext_noop("an indicator cannot complete itself"), column="phase_indicator")
    target = (result_id, IndicatorKind.PHASE.value, code)
    phase = indicators.get(target)
    if phase is not None:
        row["phase_indicator_id"] = phase.pk
    else:
        # Further down this file, perhaps: linked once every row is written (checked after the last row).
        row["@phase_indicator"] = code
        links.pending.append((target, key, code, {"code": code, "result": values["result"]}))
    return row


PHASE_INDICATOR_MISSING = gettext_noop(
    "no phase indicator %(code)s in the result %(result)s, neither in this file nor in the database"
)


def _indicator_check_file(context: ImportContext) -> Iterator[Problem]:
    yield from _unresolved_links(context, column="phase_indicator", message=PHASE_INDICATOR_MISSING)


def _link_phase_indicators(context: ImportContext) -> None:
    links = [(n, obj, deferred["phase_indicator"]) for n, obj, deferred in context.deferred]
    if not links:
        return
    indicators = {
        (i.result_id, i.kind, i.code): i
        for i in Indicator.objects.filter(result_id__in={obj.result_id for _n, obj, _code in links})
    }
    changed = []
    for number, obj, code in links:
        phase = indicators.get((obj.result_id, IndicatorKind.PHASE.value, code))
        if phase is None:
            result_code = Result.objects.filter(pk=obj.result_id).values_list("code", flat=True).first()
            raise _refused(
                context,
                number,
                PHASE_INDICATOR_MISSING,
                {"code": code, "result": result_code},
                "phase_indicator",
                code,
            )
        indicator = indicators[(obj.result_id, obj.kind, obj.code)]
        if indicator.phase_indicator_id != phase.pk:
            indicator.phase_indicator_id = phase.pk
            changed.append(indicator)
    _save_links(changed, ["phase_indicator"], context)


def _indicator_export(indicator: Indicator) -> dict[str, Any]:
    return {
        **_target_export(indicator),
        "extra_lines": _lines_export(indicator.extra_lines),
    }


register_importer(
    "indicators",
    label=_("Indicators of work plans"),
    model=Indicator,
    columns=INDICATOR_COLUMNS,
    natural_key=["result_id", "kind", "code"],
    key_columns=["plan", "result", "kind", "code"],
    stored=("kind", "code", "kind_as_printed", "statement", "baseline_value", "line"),
    exported={
        "result": "result.code",
        "phase_indicator": "phase_indicator.code",
        "programme": "result.plan.programme.code",
        "plan": "result.plan.code",
        "baseline": "baseline_text",
        "order": "order",
    },
    build=_indicator_row,
    export=_indicator_export,
    queryset=lambda user: (
        Indicator.objects.for_user(user)
        .select_related("result__plan__programme", "phase_indicator")
        .order_by(
            "result__plan__programme__code", "result__plan__code", "result__order", "order", "kind", "code"
        )
    ),
    level=Level.STAFF,
    lookups={
        "plan_objects": _plan_objects,
        "result_ids": _result_ids,
        "indicators": _indicators,
        "approved_plans": lambda context: dict(
            Indicator.objects.filter(result__plan__status="approved").values_list(
                "id", "result__plan__status"
            )
        ),
        "links": lambda context: _FileLinks(),
    },
    # A new indicator counts progress as the loader's do: the latest value to date.
    create_defaults=lambda values, context: (
        {} if "aggregation" in values else {"aggregation": Aggregation.CUMULATIVE}
    ),
    check_existing=_refuse_target_change_of_approved_plan,
    check_file=_indicator_check_file,
    after_commit=_link_phase_indicators,
    field_columns={"result": "result", "baseline_text": "baseline", "target_text": "target"},
    order=33,
    programme_lookup="result__plan__programme",
)
