"""The import pages: upload, preview, confirm, job progress, cancel, templates, exports, access."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from core.models import ExchangeRate, ImportRecord, ImportStatus
from imports import services as imports
from imports.tasks import import_dry_run_task
from tests.core.test_imports import HEADER, rate_row
from tests.core.test_spreadsheets import csv_bytes, xlsx_bytes


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post_file(client, rows, *, name="rates.xlsx", locale="dot", data: bytes | None = None):
    if data is None:
        data = xlsx_bytes([HEADER, *rows]) if name.endswith(".xlsx") else csv_bytes([HEADER, *rows])
    return client.post(
        reverse("imports:import_start"),
        {"kind": "exchange-rates", "locale": locale, "file": SimpleUploadedFile(name, data)},
    )


def test_anonymous_is_sent_to_login(client, pcc):
    response = client.get(reverse("imports:import_start"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_viewers_are_forbidden(login, partner_a_viewer):
    client = login(partner_a_viewer)
    assert client.get(reverse("imports:import_start")).status_code == 403
    assert client.get(reverse("imports:import_template", args=["exchange-rates"])).status_code == 403
    assert client.get(reverse("imports:export", args=["exchange-rates"])).status_code == 403


def test_programme_staff_cannot_import_shared_exchange_rates(login, staff_user):
    """Exchange rates serve every programme: only site administrators write them."""
    client = login(staff_user)
    assert client.get(reverse("imports:import_template", args=["exchange-rates"])).status_code == 403
    response = post_file(client, [rate_row("a")])
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    assert not ImportRecord.objects.exists()


def test_partner_editors_cannot_import_or_export_exchange_rates(login, partner_a_user):
    client = login(partner_a_user)
    assert client.get(reverse("imports:import_template", args=["exchange-rates"])).status_code == 403
    assert client.get(reverse("imports:export", args=["exchange-rates"])).status_code == 403
    response = post_file(client, [rate_row("sneaky")])
    assert response.status_code in (200, 403)  # the kind is not offered (or nothing is)
    assert not ImportRecord.objects.exists()


def test_staff_upload_shows_the_preview_then_confirm_imports(login, admin_user):
    client = login(admin_user)
    assert client.get(reverse("imports:import_start")).status_code == 200
    data = xlsx_bytes([HEADER, rate_row("new-rate", rate="2.7")])
    response = post_file(client, [], data=data)
    record = ImportRecord.objects.get()
    assert response["Location"] == reverse("imports:import_preview", args=[record.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert (
        b"new-rate" in page.content
        and reverse("imports:import_confirm", args=[record.pk]).encode() in page.content
    )
    assert not ExchangeRate.objects.filter(code="new-rate").exists()

    response = client.post(reverse("imports:import_confirm", args=[record.pk]))
    assert response["Location"] == reverse("imports:import_job", args=[record.pk])
    assert ExchangeRate.objects.get(code="new-rate").rate == Decimal("2.7")
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE and record.confirmed_at
    # Uploading the same file again: nothing to do, and the page says it was imported before.
    post_file(client, [], data=data)
    again = ImportRecord.objects.latest("pk")
    page = client.get(reverse("imports:import_preview", args=[again.pk]))
    assert (again.created_count, again.changed_count, again.unchanged_count) == (0, 0, 1)
    assert reverse("imports:import_preview", args=[record.pk]).encode() in page.content
    # A second confirm (double click) does nothing.
    client.post(reverse("imports:import_confirm", args=[record.pk]))
    assert ExchangeRate.objects.filter(code="new-rate").count() == 1


def test_the_preview_recognises_an_imported_file_by_its_bytes_not_its_name(login, admin_user):
    client = login(admin_user)
    data = csv_bytes([HEADER, rate_row("new-rate", rate="2.7")])
    post_file(client, [], name="rates.csv", data=data)
    first = ImportRecord.objects.get()
    client.post(reverse("imports:import_confirm", args=[first.pk]))
    first_link = reverse("imports:import_preview", args=[first.pk]).encode()

    post_file(client, [], name="copy.csv", data=data)
    copy = ImportRecord.objects.latest("pk")
    page = client.get(reverse("imports:import_preview", args=[copy.pk]))
    assert page.context["same_file"] == first and first_link in page.content

    changed = csv_bytes([HEADER, rate_row("new-rate", rate="2.8")])
    assert len(changed) == len(data)
    post_file(client, [], name="rates.csv", data=changed)
    other = ImportRecord.objects.latest("pk")
    page = client.get(reverse("imports:import_preview", args=[other.pk]))
    assert page.context["same_file"] is None and first_link not in page.content
    assert other.changed_count == 1


def test_preview_lists_every_error_with_its_place(login, admin_user):
    client = login(admin_user)
    response = post_file(
        client, [rate_row("a", rate="2.5x"), rate_row("b", valid_from="2009-01-01")], name="rates.csv"
    )
    page = client.get(response["Location"])
    content = page.content.decode()
    record = ImportRecord.objects.get()
    assert record.error_count == 2
    assert '<td class="num">2</td><td>rate</td><td><code>2.5x</code></td>' in content
    assert '<td class="num">3</td><td>valid_to</td>' in content
    assert reverse("imports:import_confirm", args=[record.pk]) not in content
    assert client.post(reverse("imports:import_confirm", args=[record.pk])).status_code == 302
    assert not ExchangeRate.objects.filter(code__in=["a", "b"]).exists()


def test_large_file_goes_to_the_job_page_with_a_status_endpoint(login, admin_user, settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 10)
    client = login(admin_user)
    response = post_file(client, [rate_row("queued")])
    record = ImportRecord.objects.get()
    assert response["Location"] == reverse("imports:import_job", args=[record.pk])
    page = client.get(response["Location"])
    assert (
        b"<progress" in page.content
        and reverse("imports:import_status", args=[record.pk]).encode() in page.content
    )
    status = client.get(reverse("imports:import_status", args=[record.pk])).json()
    assert status["status"] == "pending" and status["active"] is True

    client.post(reverse("imports:import_cancel", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.CANCELLED  # at once: it never starts
    assert (
        import_dry_run_task.call(record.pk) == ImportStatus.CANCELLED
    )  # a worker taking it later does nothing
    record.refresh_from_db()
    assert (record.status, record.rows_done) == (ImportStatus.CANCELLED, 0)


def test_others_imports_are_hidden_from_partners(login, admin_user, partner_b_user):
    post_file(login(admin_user), [rate_row("a")])
    record = ImportRecord.objects.get()
    client = login(partner_b_user)
    assert client.get(reverse("imports:import_preview", args=[record.pk])).status_code == 404
    assert client.get(reverse("imports:import_status", args=[record.pk])).status_code == 404


def test_template_has_header_example_and_drop_down_lists(login, admin_user):
    response = login(admin_user).get(reverse("imports:import_template", args=["exchange-rates"]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1][0] == "pcc-2008-chf-pen" and rows[1][1] == "CHF"
    assert any("CHF" in (v.formula1 or "") for v in sheet.data_validations.dataValidation)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"dataValidation" in archive.read("xl/worksheets/sheet1.xml")


def test_template_filled_in_imports_cleanly(login, admin_user):
    client = login(admin_user)
    data = b"".join(client.get(reverse("imports:import_template", args=["exchange-rates"])).streaming_content)
    client.post(
        reverse("imports:import_start"),
        {"kind": "exchange-rates", "locale": "dot", "file": SimpleUploadedFile("template.xlsx", data)},
    )
    record = ImportRecord.objects.get()
    assert (record.error_count, record.created_count) == (0, 1), record.errors


def test_export_as_xlsx_and_csv(login, admin_user):
    client = login(admin_user)
    response = client.get(reverse("imports:export", args=["exchange-rates"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == ExchangeRate.objects.count() + 1
    response = client.get(reverse("imports:export", args=["exchange-rates"]) + "?format=csv&locale=comma")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == ";".join(HEADER)
    assert "pcc-chf-usd-1-25;USD;CHF;1,250000;2005-09-01" in text


def test_a_file_over_the_limit_is_refused_by_the_form(login, admin_user, monkeypatch):
    from core.spreadsheets import readers

    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 100)
    response = post_file(login(admin_user), [rate_row("a")])
    assert response.status_code == 200
    assert not ImportRecord.objects.exists()
    assert response.context["form"].errors["file"]


def test_confirm_records_who_confirmed_and_the_job_page_shows_who_did_what(login, admin_user):
    from core.models import StatusChange

    client = login(admin_user)
    post_file(client, [rate_row("confirmed-rate")])
    record = ImportRecord.objects.get()
    assert record.status == ImportStatus.DRY_RUN and record.confirmed_by is None
    response = client.post(reverse("imports:import_confirm", args=[record.pk]))
    assert response["Location"] == reverse("imports:import_job", args=[record.pk])
    record.refresh_from_db()
    assert (record.status, record.confirmed_by) == (ImportStatus.DONE, admin_user)
    changes = StatusChange.objects.filter(object_id=record.pk, content_type__model="importrecord")
    assert [(c.from_status, c.to_status, c.user) for c in changes] == [
        (ImportStatus.PENDING, ImportStatus.DRY_RUN, None),
        (ImportStatus.DRY_RUN, ImportStatus.RUNNING, admin_user),
        (ImportStatus.RUNNING, ImportStatus.DONE, None),
    ]
    # The imported rows' history keeps crediting the uploader.
    assert ExchangeRate.objects.get(code="confirmed-rate").history.get().history_user == record.user

    page = client.get(reverse("imports:import_job", args=[record.pk])).content.decode()
    assert f"subido por {admin_user.username}, confirmado por {admin_user.username}" in page or (
        f"uploaded by {admin_user.username}, confirmed by {admin_user.username}" in page
    )
    assert page.count('class="status-change"') == 3
