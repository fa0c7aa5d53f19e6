"""Importable kinds ``reporting-periods``, ``work-plans`` and ``results``."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from agreements.access import Level
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError
from imports.lookups import SHARED_LOOKUPS, component_id, document_id, programme_id
from imports.registry import ImportContext, register_importer
from results.models import (
    PeriodKind,
    ReportingPeriod,
    Result,
    WorkPlan,
)
from results.resources.common import (
    EXTRA_LINES,
    LINE,
    ORDER,
    PROGRAMME,
    WORK_PLAN_KEY,
    _extra_lines,
    _lines_export,
    _optional,
    _plan,
    _plan_objects,
)

REPORTING_PERIOD_COLUMNS = [
    PROGRAMME,
    Column("kind", _("kind"), ColumnType.CHOICE, choices=PeriodKind.values, example="month"),
    Column("start", _("start"), ColumnType.DATE, example="2008-09-01"),
    Column("end", _("end"), ColumnType.DATE, example="2008-09-30"),
    Column("label", _("label"), max_length=60, example="Setiembre 2008"),
]


def _reporting_period_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    programme = programme_id(values, context)
    if values["start"] > values["end"]:
        raise CellError(gettext_noop("the period ends before it starts"), column="end")
    return {
        "programme_id": programme,
        "start_date": values["start"],
        "end_date": values["end"],
    }


register_importer(
    "reporting-periods",
    label=_("Reporting periods"),
    model=ReportingPeriod,
    columns=REPORTING_PERIOD_COLUMNS,
    natural_key=["programme_id", "start_date", "end_date"],
    stored=("kind", "label"),
    exported={"programme": "programme.code", "start": "start_date", "end": "end_date"},
    build=_reporting_period_row,
    queryset=lambda user: (
        ReportingPeriod.objects.for_user(user)
        .select_related("programme")
        .order_by("programme__code", "start_date", "end_date")
    ),
    level=Level.ADMIN,
    lookups=SHARED_LOOKUPS,
    field_columns={"programme": "programme", "start_date": "start", "end_date": "end"},
    order=30,
    programme_lookup="programme",
)

# ---------------------------------------------------------------------------------------------
# Work plans

WORK_PLAN_COLUMNS = [
    PROGRAMME,
    Column("code", _("code"), max_length=80, example="poa-prosur-2008"),
    Column("organisation", _("partner"), max_length=40, example="PROSUR"),
    Column(
        "partners",
        _("other partners"),
        required=False,
        max_length=1000,
        example="",
        help_text=_("Acronyms separated by commas, e.g. OGD-AQP, OGD-PUN."),
    ),
    Column("component", _("component"), required=False, max_length=20, example="1.2"),
    Column("title", _("title"), max_length=255, example="Plan de Trabajo Septiembre a Diciembre 2008"),
    Column(
        "title_en",
        _("title in English"),
        required=False,
        max_length=255,
        example="Work Plan September to December 2008",
        help_text=_("Empty: English readers see the Spanish, marked as untranslated."),
    ),
    Column("period_start", _("period start"), ColumnType.DATE, example="2008-09-01"),
    Column("period_end", _("period end"), ColumnType.DATE, example="2008-12-31"),
    Column("period_label", _("period as printed"), max_length=120, example="Septiembre a Diciembre 2008"),
    ORDER,
    Column("document", _("document"), max_length=80, example="pcc-enmienda-2009"),
    Column("line", _("seed line"), ColumnType.INTEGER, example=307),
    Column("end_line", _("last line"), ColumnType.INTEGER, example=435),
]


def _organisation_id(acronym: str, context: ImportContext, column: str) -> int:
    organisation_id = context.cache("organisations").get(acronym)
    if organisation_id is None:
        raise CellError(
            gettext_noop("no organisation with the acronym %(acronym)s"), {"acronym": acronym}, column=column
        )
    return organisation_id


def _work_plan_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    programme = programme_id(values, context)
    organisation_id = _organisation_id(values["organisation"], context, "organisation")
    partner_ids = {
        _organisation_id(acronym, context, "partners")
        for acronym in (part.strip() for part in re.split(r"[,;]", values["partners"]))
        if acronym
    }
    component = component_id(values, programme, context)
    document = document_id(values, context)
    if values["period_start"] > values["period_end"]:
        raise CellError(gettext_noop("the period ends before it starts"), column="period_end")
    if values["line"] > values["end_line"]:
        raise CellError(gettext_noop("the last line comes before the seed line"), column="end_line")
    return {
        "programme_id": programme,
        "organisation_id": organisation_id,
        "component_id": component,
        "document_id": document,
        **_optional(values, "order"),
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
    stored=("code", "title", "title_en", "period_start", "period_end", "period_label", "line", "end_line"),
    exported={
        "programme": "programme.code",
        "organisation": "organisation.acronym",
        "component": "component.code",
        "document": "document.code",
        "order": "order",
    },
    build=_work_plan_row,
    export=_work_plan_export,
    queryset=lambda user: (
        WorkPlan.objects.for_user(user)
        .select_related("programme", "organisation", "component", "document")
        .prefetch_related("partners")
        .order_by("programme__code", "order", "code")
    ),
    level=Level.ADMIN,
    lookups=SHARED_LOOKUPS,
    after_commit=_set_partners,
    field_columns={
        "programme": "programme",
        "organisation": "organisation",
        "component": "component",
        "document": "document",
    },
    order=31,
    programme_lookup="programme",
)

# ---------------------------------------------------------------------------------------------
# Results

RESULT_COLUMNS = [
    *WORK_PLAN_KEY,
    Column("code", _("code"), max_length=10, example="1"),
    Column("statement", _("statement as printed"), max_length=10_000, example="Exportadores capacitados"),
    Column("activities_heading", _("heading of the activity table"), required=False, max_length=10_000),
    Column("activities_heading_line", _("line of the heading"), ColumnType.INTEGER, required=False),
    ORDER,
    LINE,
    EXTRA_LINES,
]


def _result_row(values: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    plan = _plan(values, context)
    return {
        "plan_id": plan.pk,
        "extra_lines": _extra_lines(values),
        **_optional(values, "order"),
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
    stored=("code", "statement", "activities_heading", "activities_heading_line", "line"),
    exported={"programme": "plan.programme.code", "plan": "plan.code", "order": "order"},
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
