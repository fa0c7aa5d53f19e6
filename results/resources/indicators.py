"""The ``indicators`` importable kind, linked to the phase indicator each completes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements.access import Level
from imports.links import SameFileLinks
from imports.registry import ImportContext, ModelColumn, register_importer
from results.models import (
    Aggregation,
    Indicator,
    IndicatorKind,
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

INDICATOR_COLUMNS = [
    *plan_key("result.plan"),
    ModelColumn("result", "result.code", label=_("result"), example="1"),
    ModelColumn("kind", example="year"),
    ModelColumn("code", example="IPR.9"),
    ModelColumn("kind_as_printed"),
    ModelColumn("statement", example="Empresas que exportan"),
    ModelColumn(
        "statement_en",
        example="Firms that export",
        help_text=_("Empty: English readers see the Spanish, marked as untranslated."),
    ),
    ModelColumn("baseline", "baseline_text"),
    ModelColumn("baseline_value"),
    *TARGET_COLUMNS,
    ModelColumn(
        "phase_indicator",
        "phase_indicator.code",
        label=_("phase indicator it completes"),
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
    return {
        "result_id": result_id,
        "extra_lines": _extra_lines(values),
        **_target(values, indicators.get(key)),
        **PHASE_INDICATOR.resolve(values, key, context),
    }


# Further down this file, perhaps: linked once every row is written (checked after the last row).
PHASE_INDICATOR = SameFileLinks(
    fields=("phase_indicator",),
    key=("result_id", "kind", "code"),
    target=lambda own, code: (own[0], IndicatorKind.PHASE.value, code),
    known="indicators",
    itself=gettext_noop("an indicator cannot complete itself"),
    missing=gettext_noop(
        "no phase indicator %(code)s in the result %(result)s, neither in this file nor in the database"
    ),
    params=lambda cells, code: {"code": code, "result": cells["result"]},
)


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
    },
    # A new indicator counts progress as the loader's do: the latest value to date.
    create_defaults=lambda values, context: (
        {} if "aggregation" in values else {"aggregation": Aggregation.CUMULATIVE}
    ),
    check_existing=_refuse_target_change_of_approved_plan,
    check_file=PHASE_INDICATOR.check_file,
    after_commit=PHASE_INDICATOR.link,
    field_columns={"target_text": "target"},
    order=33,
    programme_lookup="result__plan__programme",
)
