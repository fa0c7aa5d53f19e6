"""Progress imports: partners write their own activities' progress, on (activity, period)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import ImportStatus
from imports.services import import_commit, import_dry_run, import_start
from results.models import Activity, ProgressReport, ProgressStatus, ReportingPeriod
from tests.core.test_spreadsheets import csv_bytes

HEADER = [
    "programme",
    "plan",
    "activity",
    "period_start",
    "period_end",
    "reported_on",
    "achieved_value",
    "achieved_text",
    "narrative",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def progress_row(
    activity: Activity, *, start="2008-09-01", end="2008-09-30", value="3", text="", narrative=""
):
    if activity.expects_text:
        value, text = "", text or "done"
    return ["pcc", activity.plan.code, activity.key, start, end, "2008-10-05", value, text, narrative]


def checked(user, rows):
    upload = SimpleUploadedFile("progress.csv", csv_bytes([HEADER, *rows]))
    return import_dry_run(record=import_start(user=user, kind="progress", upload=upload, locale="dot"))


def activity_of(plan_code: str) -> Activity:
    return Activity.objects.filter(plan__code=plan_code).select_related("plan").order_by("order").first()


def test_partner_imports_its_own_progress_as_drafts(partner_a_user):
    activity = activity_of("poa-prosur-2008")
    record = checked(partner_a_user, [progress_row(activity, narrative="workshops held")])
    assert (record.error_count, record.created_count) == (0, 1), record.errors
    assert import_commit(record=record).status == ImportStatus.DONE
    report = ProgressReport.objects.get(activity=activity)
    assert report.status == ProgressStatus.DRAFT
    assert report.created_by == partner_a_user and report.narrative == "workshops held"
    assert report.history.get().history_user == partner_a_user
    again = checked(partner_a_user, [progress_row(activity, narrative="workshops held")])
    assert (again.created_count, again.changed_count, again.unchanged_count) == (0, 0, 1)


def test_a_row_naming_another_partners_activity_is_an_error(partner_a_user):
    own, other = activity_of("poa-prosur-2008"), activity_of("poa-ampex-2008")
    record = checked(partner_a_user, [progress_row(own), progress_row(other)])
    assert record.error_count == 1 and not record.can_confirm
    assert (record.errors[0]["row"], record.errors[0]["column"]) == (3, "plan")
    assert not ProgressReport.objects.exists()


def test_locked_period_and_submitted_report_are_errors(partner_a_user):
    activity = activity_of("poa-prosur-2008")
    ReportingPeriod.objects.filter(start_date="2008-10-01").update(is_locked=True)
    record = checked(partner_a_user, [progress_row(activity, start="2008-10-01", end="2008-10-31")])
    assert record.errors[0]["column"] == "period_start"
    import_commit(record=checked(partner_a_user, [progress_row(activity)]))
    ProgressReport.objects.update(status=ProgressStatus.SUBMITTED)
    record = checked(partner_a_user, [progress_row(activity, narrative="changed")])
    assert record.error_count == 1 and "can no longer be changed" in record.errors[0]["message"]


def test_staff_and_viewers_cannot_import_progress(staff_user, partner_a_viewer):
    from django.core.exceptions import PermissionDenied

    for user in (staff_user, partner_a_viewer):
        with pytest.raises(PermissionDenied):
            import_start(
                user=user,
                kind="progress",
                locale="dot",
                upload=SimpleUploadedFile("p.csv", csv_bytes([HEADER])),
            )


@pytest.mark.parametrize("kind", ["results", "indicators", "activities", "progress"])
def test_exports_reimport_unchanged(kind, staff_user, partner_a_user):
    import io

    from core.spreadsheets.writers import write_xlsx
    from imports.registry import get_importer
    from results.services import progress_create

    activity = activity_of("poa-prosur-2008")
    if kind == "progress":
        progress_create(
            target=activity,
            period=ReportingPeriod.objects.order_by("start_date").first(),
            user=partner_a_user,
            reported_on=activity.plan.period_start,
            **({"achieved_text": "done"} if activity.expects_text else {"achieved_value": Decimal(2)}),
        )
    user = partner_a_user if kind == "progress" else staff_user
    importer = get_importer(kind)
    stream = io.BytesIO()
    write_xlsx(stream, sheet=kind, columns=importer.columns, rows=importer.export_rows(user))
    upload = SimpleUploadedFile(f"{kind}.xlsx", stream.getvalue())
    record = import_dry_run(record=import_start(user=user, kind=kind, upload=upload, locale="dot"))
    assert record.error_count == 0, record.errors[:3]
    assert (record.created_count, record.changed_count) == (0, 0), record.preview["changed"][:2]
    assert record.unchanged_count > 0


def test_activity_statement_change_and_new_activity(staff_user):
    from imports.registry import get_importer

    activity = activity_of("poa-prosur-2008")
    row = get_importer("activities").row_of(activity)
    header = [h for c in get_importer("activities").columns for h in c.headers]
    changed = {**row, "statement": "Nueva redacción"}
    new = {**row, "key": "9.9", "code": "9.9", "target": "12 talleres"}
    as_list = lambda r: ["" if r[h] is None else r[h] for h in header]  # noqa: E731
    upload = SimpleUploadedFile("a.csv", csv_bytes([header, as_list(changed), as_list(new)]))
    record = import_dry_run(
        record=import_start(user=staff_user, kind="activities", upload=upload, locale="dot")
    )
    assert (record.created_count, record.changed_count, record.error_count) == (1, 1, 0), record.errors
    assert import_commit(record=record).status == ImportStatus.DONE
    created = Activity.objects.get(plan=activity.plan, key="9.9")
    assert (created.target_kind, created.target_value) == ("quantity", Decimal("12"))
    activity.refresh_from_db()
    assert activity.statement == "Nueva redacción"


def test_target_of_an_approved_plan_changes_only_on_its_page(staff_user):
    from imports.registry import get_importer

    activity = activity_of("poa-prosur-2008")
    activity.plan.status = "approved"
    activity.plan.save()
    row = get_importer("activities").row_of(activity)
    header = [h for c in get_importer("activities").columns for h in c.headers]
    row = {**row, "target": "99 talleres"}
    upload = SimpleUploadedFile(
        "a.csv", csv_bytes([header, ["" if row[h] is None else row[h] for h in header]])
    )
    record = import_dry_run(
        record=import_start(user=staff_user, kind="activities", upload=upload, locale="dot")
    )
    assert record.error_count == 1 and record.errors[0]["column"] == "target"


@pytest.mark.parametrize("kind", ["results", "indicators", "activities", "progress"])
def test_template_example_rows_import_cleanly(kind, staff_user, partner_a_user):
    import io

    from core.spreadsheets.writers import write_xlsx
    from imports.registry import get_importer

    importer = get_importer(kind)
    stream = io.BytesIO()
    write_xlsx(stream, sheet="t", columns=importer.columns, rows=importer.template_rows(), validations=True)
    user = partner_a_user if kind == "progress" else staff_user
    upload = SimpleUploadedFile("template.xlsx", stream.getvalue())
    record = import_dry_run(record=import_start(user=user, kind=kind, upload=upload, locale="dot"))
    assert record.error_count == 0, record.errors


def test_partner_editor_gets_only_the_partner_import_kinds(login, partner_a_user):
    from django.urls import reverse

    client = login(partner_a_user)
    page = client.get(reverse("imports:import_start"))
    assert page.status_code == 200
    assert [value for value, _label in page.context["form"].fields["kind"].choices] == [
        "progress",
        "financial-report",
    ]
    assert client.get(reverse("imports:import_template", args=["progress"])).status_code == 200
    assert client.get(reverse("imports:import_template", args=["activities"])).status_code == 403
    activity = activity_of("poa-prosur-2008")
    upload = SimpleUploadedFile("p.csv", csv_bytes([HEADER, progress_row(activity)]))
    response = client.post(
        reverse("imports:import_start"), {"kind": "progress", "locale": "dot", "file": upload}
    )
    record = partner_a_user.imports.get()
    assert response["Location"] == reverse("imports:import_preview", args=[record.pk])
    client.post(reverse("imports:import_confirm", args=[record.pk]))
    assert ProgressReport.objects.get(activity=activity).created_by == partner_a_user


def test_an_import_with_a_status_column_does_not_change_a_reports_status(partner_a_user):
    from results.services import progress_create

    activity = activity_of("poa-prosur-2008")
    period = ReportingPeriod.objects.order_by("start_date").first()
    report = progress_create(
        target=activity,
        period=period,
        user=partner_a_user,
        reported_on=period.end_date,
        **({"achieved_text": "x"} if activity.expects_text else {"achieved_value": Decimal(1)}),
    )
    # The progress kind has no status column: a file with one is refused as a whole (statuses are workflow).
    upload = SimpleUploadedFile(
        "progress.csv", csv_bytes([[*HEADER, "status"], [*progress_row(activity), ProgressStatus.APPROVED]])
    )
    record = import_dry_run(
        record=import_start(user=partner_a_user, kind="progress", upload=upload, locale="dot")
    )
    assert record.status == ImportStatus.FAILED
    assert (
        record.errors[0]["message"].startswith("unknown column")
        and record.errors[0]["params"]["header"] == "status"
    )
    report.refresh_from_db()
    assert report.status == ProgressStatus.DRAFT and not report.status_changes.exists()
