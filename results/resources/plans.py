"""Importable kinds ``reporting-periods``, ``work-plans`` and ``results``."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements.access import Level
from core.spreadsheets.columns import Column
from core.spreadsheets.errors import CellError
from imports.lookups import NO_ORGANISATION, component_id, named
from imports.registry import ImportContext, ModelColumn, check_period, register_importer
from results.models import ReportingPeriod, Result, WorkPlan
from results.resources.common import (
    EXTRA_LINES,
    LINE,
    ORDER,
    _extra_lines,
    _lines_export,
    _plan,
    _plan_objects,
    plan_key,
)

PROGRAMME = ModelColumn("programme", "programme.code", example="pcc")


def _reporting_period_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    check_period(values, "start", "end")
    return {}


register_importer(
    "reporting-periods",
    label=_("Reporting periods"),
    model=ReportingPeriod,
    columns=[
        PROGRAMME,
        ModelColumn("kind", example="month"),
        ModelColumn("start", "start_date", example="2008-09-01"),
        ModelColumn("end", "end_date", example="2008-09-30"),
        ModelColumn("label", example="Setiembre 2008"),
    ],
    natural_key=["programme_id", "start_date", "end_date"],
    build=_reporting_period_row,
    queryset=lambda user: (
        ReportingPeriod.objects.for_user(user)
        .select_related("programme")
        .order_by("programme__code", "start_date", "end_date")
    ),
    level=Level.ADMIN,
    order=30,
    programme_lookup="programme",
)

# ---------------------------------------------------------------------------------------------
# Work plans

WORK_PLAN_COLUMNS = [
    PROGRAMME,
    ModelColumn("code", example="poa-prosur-2008"),
    ModelColumn("organisation", "organisation.acronym", label=_("partner"), example="PROSUR"),
    Column(
        "partners",
        _("other partners"),
        required=False,
        max_length=1000,
        example="",
        help_text=_("Acronyms separated by commas, e.g. OGD-AQP, OGD-PUN."),
    ),
    ModelColumn("component", "component.code", resolve=False, example="1.2"),
    ModelColumn("title", example="Plan de Trabajo Septiembre a Diciembre 2008"),
    ModelColumn(
        "title_en",
        example="Work Plan September to December 2008",
        help_text=_("Empty: English readers see the Spanish, marked as untranslated."),
    ),
    ModelColumn("period_start", example="2008-09-01"),
    ModelColumn("period_end", example="2008-12-31"),
    ModelColumn("period_label", example="Septiembre a Diciembre 2008"),
    ORDER,
    ModelColumn("document", "document.code", example="pcc-enmienda-2009"),
    ModelColumn("line", example=307),
    ModelColumn("end_line", example=435),
]


def _work_plan_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    partner_ids = {
        named({"partners": acronym}, "partners", "organisations", NO_ORGANISATION, context)
        for acronym in (part.strip() for part in re.split(r"[,;]", values["partners"]))
        if acronym
    }
    check_period(values)
    if values["line"] > values["end_line"]:
        raise CellError(gettext_noop("the last line comes before the seed line"), column="end_line")
    return {
        "component_id": component_id(values, values["programme_id"], context),
        # The whole set of other partners, written once the plans exist.
        "@partners": sorted(partner_ids),
    }


def _set_partners(context: ImportContext) -> None:
    wanted = {
        (obj.programme_id, obj.code): set(deferred["partners"])
        for _number, obj, deferred in context.deferred
        if "partners" in deferred
    }
    if not wanted:
        return
    plan_ids = {
        (programme_id, code): pk
        for pk, programme_id, code in WorkPlan.objects.filter(
            programme_id__in={programme_id for programme_id, _code in wanted},
            code__in={code for _programme_id, code in wanted},
        ).values_list("id", "programme_id", "code")
    }
    through = WorkPlan.partners.through
    current = defaultdict(set)
    for plan_id, organisation_id in through.objects.filter(workplan_id__in=plan_ids.values()).values_list(
        "workplan_id", "organisation_id"
    ):
        current[plan_id].add(organisation_id)
    changed = {
        plan_ids[key]: organisations
        for key, organisations in wanted.items()
        if current[plan_ids[key]] != organisations
    }
    if changed:
        through.objects.filter(workplan_id__in=changed).delete()
        through.objects.bulk_create(
            [
                through(workplan_id=plan_id, organisation_id=organisation_id)
                for plan_id, organisations in changed.items()
                for organisation_id in sorted(organisations)
            ]
        )


def _work_plan_export(plan: WorkPlan) -> dict[str, Any]:
    return {
        "partners": ", ".join(sorted(partner.acronym for partner in plan.partners.all())),
    }


register_importer(
    "work-plans",
    label=_("Work plans"),
    model=WorkPlan,
    columns=WORK_PLAN_COLUMNS,
    natural_key=["programme_id", "code"],
    build=_work_plan_row,
    export=_work_plan_export,
    queryset=lambda user: (
        WorkPlan.objects.for_user(user)
        .select_related("programme", "organisation", "component", "document")
        .prefetch_related("partners")
        .order_by("programme__code", "order", "code")
    ),
    level=Level.ADMIN,
    after_commit=_set_partners,
    order=31,
    programme_lookup="programme",
)

# ---------------------------------------------------------------------------------------------
# Results

RESULT_COLUMNS = [
    *plan_key(),
    ModelColumn("code", example="1"),
    ModelColumn("statement", example="Exportadores capacitados"),
    ModelColumn(
        "statement_en",
        example="Trained exporters",
        help_text=_("Empty: English readers see the Spanish, marked as untranslated."),
    ),
    ModelColumn("activities_heading"),
    ModelColumn("activities_heading_line"),
    ORDER,
    LINE,
    EXTRA_LINES,
]


def _result_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = _plan(values, context)
    return {
        "plan_id": plan.pk,
        "extra_lines": _extra_lines(values),
    }


def _result_export(result: Result) -> dict[str, Any]:
    return {
        "extra_lines": _lines_export(result.extra_lines),
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
        .order_by("plan__programme__code", "plan__code", "order", "code")
    ),
    level=Level.STAFF,
    lookups={"plan_objects": _plan_objects},
    order=32,
    programme_lookup="plan__programme",
)
