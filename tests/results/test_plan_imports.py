"""Imports of the PCC's work plan structure: periods, plans, results, indicators, activities, schedule, footnotes.

Files are built in memory with the kinds' own columns (as exports write them), checked (dry run)
and committed through :mod:`imports.services`.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Component, Programme, Role
from core.models import Document, ImportRecord, ImportStatus, Organisation, User
from core.spreadsheets.writers import write_xlsx
from imports.registry import get_importer, registry
from imports.services import export_kind, import_commit, import_dry_run, import_start
from reconciliation.engine import reconcile
from results.models import (
    Activity,
    Footnote,
    Indicator,
    ReportingPeriod,
    Result,
    ScheduleMonth,
    WorkPlan,
)
from results.rule_kinds import RESULTS_RULE_KINDS
from tests.factories import ParticipantFactory, ProgrammeFactory, UserFactory

KINDS = [
    "reporting-periods",
    "work-plans",
    "results",
    "indicators",
    "activities",
    "schedule-months",
    "footnotes",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(user: User, kind: str, rows: list[dict]) -> ImportRecord:
    stream = io.BytesIO()
    write_xlsx(stream, sheet=kind, columns=get_importer(kind).columns, rows=rows)
    file = SimpleUploadedFile(f"{kind}.xlsx", stream.getvalue())
    return import_start(user=user, kind=kind, upload=file, locale="dot")


def checked(user: User, kind: str, rows: list[dict]) -> ImportRecord:
    return import_dry_run(record=upload(user, kind, rows))


def imported(user: User, kind: str, rows: list[dict]) -> ImportRecord:
    record = checked(user, kind, rows)
    assert record.error_count == 0, record.errors[:3]
    record = import_commit(record=record)
    assert record.status == ImportStatus.DONE, (record.message, record.errors)
    return record


def exported(user: User, kind: str, programme: Programme | None = None) -> list[dict]:
    return list(get_importer(kind).export_rows(user, programme=programme))


def located(record: ImportRecord) -> set[tuple]:
    return {(error["row"], error["column"]) for error in record.errors}


# ---------------------------------------------------------------------------------------------
# Every stored field, with natural keys in place of ids


def natural_keys() -> dict[type, dict[int, object]]:
    plans = {p.pk: (p.programme.code, p.code) for p in WorkPlan.objects.select_related("programme")}
    results = {r.pk: (*plans[r.plan_id], r.code) for r in Result.objects.all()}
    return {
        Programme: dict(Programme.objects.values_list("id", "code")),
        Organisation: dict(Organisation.objects.values_list("id", "acronym")),
        Component: {c.pk: (c.programme.code, c.code) for c in Component.objects.select_related("programme")},
        Document: dict(Document.objects.values_list("id", "code")),
        User: dict(User.objects.values_list("id", "username")),
        WorkPlan: plans,
        Result: results,
        Indicator: {i.pk: (*results[i.result_id], i.kind, i.code) for i in Indicator.objects.all()},
        Activity: {a.pk: (*plans[a.plan_id], a.key) for a in Activity.objects.all()},
    }


def stored(queryset, keys: dict, skip: frozenset[str] = frozenset()) -> set[tuple]:
    model_fields = [
        f for f in queryset.model._meta.concrete_fields if not f.primary_key and f.name not in skip
    ]
    rows = set()
    for values in queryset.values(*[f.attname for f in model_fields]):
        row = []
        for model_field in model_fields:
            value = values[model_field.attname]
            if model_field.is_relation and value is not None:
                value = keys[model_field.related_model][value]
            row.append((model_field.name, tuple(value) if isinstance(value, list) else value))
        rows.add(tuple(row))
    return rows


def capture(programme: Programme) -> dict[str, set[tuple]]:
    keys = natural_keys()
    return {
        "periods": stored(ReportingPeriod.objects.filter(programme=programme), keys),
        # The status of a plan is workflow (approval), not imported: a plan comes in as a draft.
        "plans": stored(WorkPlan.objects.filter(programme=programme), keys, frozenset({"status"})),
        "partners": set(
            WorkPlan.partners.through.objects.filter(workplan__programme=programme).values_list(
                "workplan__code", "organisation__acronym"
            )
        ),
        "results": stored(Result.objects.filter(plan__programme=programme), keys),
        "indicators": stored(Indicator.objects.filter(result__plan__programme=programme), keys),
        "activities": stored(Activity.objects.filter(plan__programme=programme), keys),
        "schedule": stored(ScheduleMonth.objects.filter(activity__plan__programme=programme), keys),
        "footnotes": stored(Footnote.objects.filter(plan__programme=programme), keys),
    }


def results_findings(programme: Programme) -> set[tuple]:
    return {
        (f.rule.code, f.key, f.severity, f.stated, f.recomputed, tuple(f.lines), f.message)
        for f in reconcile(programme)
        if f.rule.kind in RESULTS_RULE_KINDS
    }


# ---------------------------------------------------------------------------------------------
# Exports and the round trip


def test_the_results_kinds_import_in_order_after_the_programme_and_before_progress():
    kinds = list(registry())
    assert [kind for kind in kinds if kind in KINDS] == KINDS
    assert kinds.index("footnotes") < kinds.index("progress")
    assert all(get_importer(kind).programme_lookup for kind in [*KINDS, "progress"])


@pytest.mark.parametrize("kind", KINDS)
def test_export_of_the_pcc_reimports_with_nothing_created_or_changed(kind, pcc, admin_user):
    rows = exported(admin_user, kind, pcc)
    record = checked(admin_user, kind, rows)
    assert record.error_count == 0, record.errors[:3]
    assert (record.created_count, record.changed_count) == (0, 0), record.preview["changed"][:2]
    assert record.unchanged_count == len(rows) > 0


def test_importing_the_exported_files_in_order_gives_the_loaders_plans_and_findings(pcc, admin_user):
    files = {kind: exported(admin_user, kind, pcc) for kind in KINDS}
    loaded, loaded_findings = capture(pcc), results_findings(pcc)
    assert all(loaded.values()) and loaded_findings
    assert any(dict(row)["phase_indicator"] for row in loaded["indicators"])
    assert any(dict(row)["parent"] for row in loaded["activities"])

    WorkPlan.objects.filter(programme=pcc).delete()
    ReportingPeriod.objects.filter(programme=pcc).delete()
    assert not Result.objects.filter(plan__programme=pcc).exists()

    for kind in (kind for kind in registry() if kind in KINDS):
        imported(admin_user, kind, files[kind])
    assert capture(pcc) == loaded
    assert results_findings(pcc) == loaded_findings
    assert set(WorkPlan.objects.filter(programme=pcc).values_list("status", flat=True)) == {"draft"}


# ---------------------------------------------------------------------------------------------
# Links between rows of one file


def indicator_row(admin_user, pcc, **changes) -> dict:
    row = next(r for r in exported(admin_user, "indicators", pcc) if r["plan"] == "poa-turismo-2008")
    return {**row, **changes}


def activity_row(admin_user, pcc, **changes) -> dict:
    row = next(r for r in exported(admin_user, "activities", pcc) if r["plan"] == "poa-prosur-2008")
    return {**row, **changes}


def test_a_phase_indicator_later_in_the_same_file_is_linked_after_the_import(pcc, admin_user):
    year = indicator_row(admin_user, pcc, kind="year", code="IR 9.1", phase_indicator="IR 9.1")
    phase = indicator_row(admin_user, pcc, kind="phase", code="IR 9.1", phase_indicator="")
    record = imported(admin_user, "indicators", [year, phase])
    assert record.created_count == 2
    linked = Indicator.objects.get(result__plan__code="poa-turismo-2008", kind="year", code="IR 9.1")
    assert (linked.phase_indicator.kind, linked.phase_indicator.code) == ("phase", "IR 9.1")
    assert linked.history.first().phase_indicator_id == linked.phase_indicator_id
    again = checked(admin_user, "indicators", [year, phase])
    assert (again.created_count, again.changed_count, again.unchanged_count) == (0, 0, 2)


def test_a_parent_activity_later_in_the_same_file_is_linked_after_the_import(pcc, admin_user):
    child = activity_row(admin_user, pcc, key="9.1.1", code="9.1.1", parent="9.1")
    parent = activity_row(admin_user, pcc, key="9.1", code="9.1", parent="")
    imported(admin_user, "activities", [child, parent])
    activity = Activity.objects.get(plan__code="poa-prosur-2008", key="9.1.1")
    assert activity.parent.key == "9.1"


def test_a_phase_indicator_in_neither_file_nor_database_is_a_located_error(pcc, admin_user):
    before = Indicator.objects.count()
    good = indicator_row(admin_user, pcc, kind="phase", code="IR 9.2", phase_indicator="")
    bad = indicator_row(admin_user, pcc, kind="year", code="IR 9.1", phase_indicator="IR 9.9")
    record = checked(admin_user, "indicators", [good, bad])
    assert record.status == ImportStatus.DRY_RUN and not record.can_confirm
    assert located(record) == {(3, "phase_indicator")}
    assert record.errors[0]["value"] == "IR 9.9" and record.errors[0]["file"] == "indicators.xlsx"
    with pytest.raises(ValueError):
        import_commit(record=record)
    assert Indicator.objects.count() == before


def test_a_parent_in_neither_file_nor_database_is_a_located_error(pcc, admin_user):
    before = Activity.objects.count()
    rows = [
        activity_row(admin_user, pcc, key="9.1", code="9.1", parent=""),
        activity_row(admin_user, pcc, key="9.1.1", code="9.1.1", parent="9.2"),
    ]
    record = checked(admin_user, "activities", rows)
    assert located(record) == {(3, "parent")} and not record.can_confirm
    assert Activity.objects.count() == before


def test_parents_that_lead_back_to_the_activity_are_located_errors(pcc, admin_user):
    rows = [
        activity_row(admin_user, pcc, key="9.1", code="9.1", parent="9.2"),
        activity_row(admin_user, pcc, key="9.2", code="9.2", parent="9.1"),
        activity_row(admin_user, pcc, key="9.3", code="9.3", parent="9.3"),
    ]
    record = checked(admin_user, "activities", rows)
    assert located(record) == {(2, "parent"), (3, "parent"), (4, "parent")}


# ---------------------------------------------------------------------------------------------
# Work plans and their partners


def plan_row(admin_user, pcc, plan: str, **changes) -> dict:
    row = next(r for r in exported(admin_user, "work-plans", pcc) if r["code"] == plan)
    return {**row, **changes}


def test_partners_are_the_whole_set_written_after_the_plans(pcc, admin_user):
    new = plan_row(admin_user, pcc, "poa-turismo-2008", code="poa-turismo-2009", partners="OGD-AQP; OGD-PUN")
    changed = plan_row(admin_user, pcc, "poa-turismo-2008", partners="OGD-CUS")
    record = imported(admin_user, "work-plans", [new, changed])
    assert (record.created_count, record.unchanged_count) == (1, 1)
    plans = WorkPlan.objects.filter(programme=pcc)
    assert {o.acronym for o in plans.get(code="poa-turismo-2009").partners.all()} == {"OGD-AQP", "OGD-PUN"}
    assert [o.acronym for o in plans.get(code="poa-turismo-2008").partners.all()] == ["OGD-CUS"]
    assert plans.get(code="poa-turismo-2009").status == "draft"


def test_an_unknown_partner_acronym_is_a_located_error(pcc, admin_user):
    row = plan_row(admin_user, pcc, "poa-turismo-2008", partners="OGD-AQP, NOPE")
    record = checked(admin_user, "work-plans", [row])
    assert located(record) == {(2, "partners")}
    assert record.errors[0]["params"] == {"code": "NOPE"}


def test_a_plan_ending_before_it_starts_is_a_located_error(pcc, admin_user):
    row = plan_row(admin_user, pcc, "poa-prosur-2008", period_end=datetime.date(2008, 1, 1), end_line=1)
    record = checked(admin_user, "work-plans", [row])
    assert located(record) == {(2, "period_end")}


# ---------------------------------------------------------------------------------------------
# Schedule months and footnotes


def test_an_unknown_activity_in_schedule_months_is_a_located_error(pcc, staff_user):
    row = {**exported(staff_user, "schedule-months", pcc)[0], "activity": "99.99"}
    not_first_day = {**exported(staff_user, "schedule-months", pcc)[0], "month": datetime.date(2008, 9, 15)}
    record = checked(staff_user, "schedule-months", [row, not_first_day])
    assert located(record) == {(2, "activity"), (3, "month")}


def test_a_footnote_annotates_one_result_indicator_or_activity(pcc, staff_user):
    rows = exported(staff_user, "footnotes", pcc)
    on_indicator = next(r for r in rows if r["indicator"])
    assert on_indicator["result"] and on_indicator["indicator_kind"]
    two_anchors = {**on_indicator, "activity": "2.1.1"}
    no_kind = {**on_indicator, "indicator_kind": None}
    record = checked(staff_user, "footnotes", [two_anchors, no_kind])
    assert located(record) == {(2, "activity"), (3, "indicator_kind")}
    moved = {**on_indicator, "result": "", "indicator_kind": None, "indicator": "", "activity": "2.1.1"}
    imported(staff_user, "footnotes", [moved])
    footnote = Footnote.objects.get(plan__code=on_indicator["plan"], marker=on_indicator["marker"])
    assert (footnote.result, footnote.indicator, footnote.activity.key) == (None, None, "2.1.1")


def test_continued_lines_are_a_list_of_line_numbers(pcc, admin_user):
    row = activity_row(admin_user, pcc, key="9.1", extra_lines="488; 854")
    imported(admin_user, "activities", [row])
    activity = Activity.objects.get(plan__code="poa-prosur-2008", key="9.1")
    assert activity.extra_lines == [488, 854]
    assert get_importer("activities").row_of(activity)["extra_lines"] == "488, 854"
    record = checked(admin_user, "activities", [{**row, "extra_lines": "488, p. 12"}])
    assert located(record) == {(2, "extra_lines")}


# ---------------------------------------------------------------------------------------------
# Typed targets


def test_typed_target_columns_are_stored_as_given_and_blank_ones_read_the_printed_target(pcc, admin_user):
    blank_typed = dict.fromkeys(
        ["target_kind", "target_value", "target_second_value", "target_unit", "target_currency"]
    )
    given = activity_row(
        admin_user,
        pcc,
        **{
            **blank_typed,
            "target_kind": "percentage",
            "target_value": Decimal("95"),
            "target_unit": "% de ejecución",
        },
        key="9.1",
        target="95",
        aggregation=None,
    )
    read = activity_row(admin_user, pcc, **blank_typed, key="9.2", target="12 talleres", aggregation=None)
    imported(admin_user, "activities", [given, read])
    activities = Activity.objects.filter(plan__code="poa-prosur-2008")
    typed = activities.get(key="9.1")
    assert (typed.target_kind, typed.target_value, typed.target_unit) == (
        "percentage",
        Decimal("95"),
        "% de ejecución",
    )
    assert typed.aggregation == "cumulative"
    parsed = activities.get(key="9.2")
    assert (parsed.target_kind, parsed.target_value, parsed.target_unit) == (
        "quantity",
        Decimal("12"),
        "talleres",
    )
    assert parsed.aggregation == "per_period"
    assert get_importer("activities").row_of(parsed)["target_kind"] is None
    assert get_importer("activities").row_of(typed)["target_kind"] == "percentage"


def test_incomplete_typed_targets_are_located_errors(pcc, admin_user):
    rows = [
        activity_row(admin_user, pcc, key="9.1", target_kind="number", target_value=None),
        activity_row(admin_user, pcc, key="9.2", target_kind=None, target_value=Decimal("3")),
    ]
    record = checked(admin_user, "activities", rows)
    assert located(record) == {(2, "target_value"), (3, "target_kind")}


def test_a_typed_target_of_an_approved_plan_changes_only_on_its_page(pcc, admin_user):
    WorkPlan.objects.filter(code="poa-turismo-2008").update(status="approved")
    row = next(r for r in exported(admin_user, "activities", pcc) if r["target_kind"] == "pair")
    record = checked(admin_user, "activities", [{**row, "target_second_value": Decimal("13")}])
    assert located(record) == {(2, "target_second_value")}


# ---------------------------------------------------------------------------------------------
# Access


@pytest.mark.parametrize("kind", KINDS)
def test_a_partner_can_neither_import_nor_export_the_structure_of_work_plans(kind, partner_a_user):
    with pytest.raises(PermissionDenied):
        upload(partner_a_user, kind, [])
    with pytest.raises(PermissionDenied):
        export_kind(user=partner_a_user, kind=kind)


@pytest.mark.parametrize("kind", ["reporting-periods", "work-plans"])
def test_only_administrators_import_periods_and_work_plans(kind, staff_user, admin_user):
    with pytest.raises(PermissionDenied):
        upload(staff_user, kind, [])
    assert upload(admin_user, kind, []).kind == kind


@pytest.mark.parametrize("kind", ["results", "indicators", "activities", "schedule-months", "footnotes"])
def test_staff_reach_only_the_plans_of_programmes_they_work_in(kind, pcc, staff_user):
    other = ParticipantFactory(programme=ProgrammeFactory(code="otro"), role="donor").organisation
    outsider = UserFactory(membership=(other, Role.PROGRAMME_STAFF))
    rows = exported(staff_user, kind)
    assert rows and not list(export_kind(user=outsider, kind=kind))
    record = checked(outsider, kind, rows[:1])
    assert located(record) == {(2, "plan")}


# ---------------------------------------------------------------------------------------------
# Templates and query counts


@pytest.mark.parametrize("kind", KINDS)
def test_template_example_rows_import_cleanly(kind, admin_user):
    importer = get_importer(kind)
    stream = io.BytesIO()
    write_xlsx(stream, sheet="t", columns=importer.columns, rows=importer.template_rows(), validations=True)
    upload_file = SimpleUploadedFile("template.xlsx", stream.getvalue())
    record = import_dry_run(record=import_start(user=admin_user, kind=kind, upload=upload_file, locale="dot"))
    assert record.error_count == 0, record.errors


def new_rows(kind: str, count: int, user: User, pcc: Programme) -> list[dict]:
    """``count`` rows of new objects, half of them linked to a row before them where the kind has links."""
    rows = exported(user, kind, pcc)
    if kind == "reporting-periods":
        return [
            {**rows[0], "start": datetime.date(2030 + i, 1, 1), "end": datetime.date(2030 + i, 1, 31)}
            for i in range(count)
        ]
    if kind == "work-plans":
        base = next(r for r in rows if r["partners"])
        return [{**base, "code": f"poa-new-{i}"} for i in range(count)]
    if kind == "indicators":
        base = next(r for r in rows if r["phase_indicator"])
        return [
            {**base, "kind": "phase", "code": f"X{i}", "phase_indicator": ""}
            if i % 2 == 0
            else {**base, "kind": "year", "code": f"X{i}", "phase_indicator": f"X{i - 1}"}
            for i in range(count)
        ]
    if kind == "activities":
        return [{**rows[0], "key": f"x{i}", "parent": f"x{i - 1}" if i % 2 else ""} for i in range(count)]
    if kind == "schedule-months":
        return [{**rows[0], "month": datetime.date(2009 + i // 12, i % 12 + 1, 1)} for i in range(count)]
    key = {"results": "code", "footnotes": "marker"}[kind]
    return [{**rows[0], key: f"x{i}"} for i in range(count)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_dry_run_of_fifty_rows_costs_the_queries_of_five(
    kind, pcc, admin_user, django_assert_max_num_queries
):
    small = upload(admin_user, kind, new_rows(kind, 5, admin_user, pcc))
    with CaptureQueriesContext(connection) as queries:
        small = import_dry_run(record=small)
    assert (small.error_count, small.created_count) == (0, 5), small.errors[:3]
    large = upload(admin_user, kind, new_rows(kind, 50, admin_user, pcc))
    with django_assert_max_num_queries(len(queries)):
        large = import_dry_run(record=large)
    assert (large.error_count, large.created_count) == (0, 50), large.errors[:3]
