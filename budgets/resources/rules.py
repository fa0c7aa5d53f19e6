"""The ``reconciliation-rules`` importable kind: the checks as data, imported last."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements.access import Level
from budgets.resources.common import LOOKUPS, _json, _structure_queryset, _table, programme_column
from core.spreadsheets.columns import Column
from core.spreadsheets.errors import CellError
from imports.registry import ImportContext, ModelColumn, register_importer
from reconciliation.models import ReconciliationRule, RuleOrigin

RULE_COLUMNS = [
    programme_column(),
    ModelColumn("code", example="sp12-cuadro-2-prosur/598/chf:sum-rows"),
    ModelColumn(
        "kind",
        example="sum",
        help_text=_("A kind of check registered by pcc: sum, conversion, same_figure, …"),
    ),
    ModelColumn("description", example="TOTAL (línea 598): suma de las líneas 592–597."),
    ModelColumn(
        "description_en",
        example="«TOTAL» (line 598): sum of lines 592–597.",
        help_text=_("Empty: English readers see the Spanish, marked as untranslated."),
    ),
    Column(
        "params",
        _("parameters"),
        required=False,
        max_length=10_000,
        example='{"total": "sp12-cuadro-2-prosur/598/chf", "terms": ["sp12-cuadro-2-prosur/592/chf"]}',
        help_text=_("A JSON object, as the kind of check expects it."),
    ),
    Column("table", _("table"), required=False, max_length=80, example="sp12-cuadro-2-prosur"),
    ModelColumn("absolute_tolerance", example=None),
    ModelColumn("relative_tolerance", example=None),
    ModelColumn(
        "origin",
        keep=True,
        required=False,
        example=RuleOrigin.STAFF.value,
        help_text=_("Empty: kept as it is; added by staff for a new rule."),
    ),
    ModelColumn("active", required=False, example=True, help_text=_("Empty: yes.")),
]


def _rule_kinds(context: ImportContext) -> set[str]:
    # Other apps register kinds of their own: the registry is read when a file is checked.
    from reconciliation.registry import rule_kinds

    return set(rule_kinds())


def _rule_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    kinds = context.cache("rule_kinds")
    if values["kind"] not in kinds:
        raise CellError(
            gettext_noop("unknown rule kind %(kind)s; expected one of %(kinds)s"),
            {"kind": values["kind"], "kinds": ", ".join(sorted(kinds))},
            column="kind",
        )
    for name in ("absolute_tolerance", "relative_tolerance"):
        if values[name] is not None and values[name] < 0:
            raise CellError(gettext_noop("expected zero or more"), column=name)
    return {
        "params": _json(
            values,
            "params",
            dict,
            gettext_noop('expected a JSON object, such as {"total": "…", "terms": ["…"]}'),
        ),
        **ReconciliationRule.about(_table(values, context) if values["table"] else None),
        "active": True if values["active"] is None else values["active"],
    }


def _rule_export(rule: ReconciliationRule) -> dict[str, Any]:
    return {
        # Sorted keys: PostgreSQL (jsonb) and SQLite store an object's keys in different orders.
        "params": json.dumps(rule.params, ensure_ascii=False, sort_keys=True),
        "table": getattr(rule.subject, "code", "") if rule.subject_id else "",
    }


register_importer(
    "reconciliation-rules",
    label=_("Reconciliation rules"),
    model=ReconciliationRule,
    columns=RULE_COLUMNS,
    natural_key=["programme_id", "code"],
    build=_rule_row,
    export=_rule_export,
    queryset=lambda user: _structure_queryset(
        ReconciliationRule, "programme", "programme", order=["programme__code", "code"]
    )(user).prefetch_related("subject"),
    level=Level.ADMIN,
    lookups={**LOOKUPS, "rule_kinds": _rule_kinds},
    order=90,
    programme_lookup="programme",
)
