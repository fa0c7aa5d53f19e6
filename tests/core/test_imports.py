"""The import framework: dry run, confirm, re-import, all-or-nothing, background tasks, provenance."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import ExchangeRate, ImportRecord, ImportStatus
from imports import services as imports
from imports.registry import get_importer
from imports.services import import_cancel, import_commit, import_dry_run, import_start
from tests.core.test_spreadsheets import csv_bytes, xlsx_bytes

HEADER = [
    "code",
    "base_currency",
    "quote_currency",
    "rate",
    "valid_from",
    "valid_to",
    "description",
    "used_by",
    "document",
    "line",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def rate_row(code: str, rate="2.65", **overrides) -> list:
    row = {
        "code": code,
        "base_currency": "CHF",
        "quote_currency": "PEN",
        "rate": rate,
        "valid_from": "2008-09-01",
        "valid_to": "2008-12-31",
        "description": "",
        "used_by": "",
        "document": "",
        "line": "",
    }
    row.update(overrides)
    return [row[h] for h in HEADER]


def upload(user, rows, *, name="rates.csv", locale="dot") -> ImportRecord:
    data = xlsx_bytes([HEADER, *rows]) if name.endswith(".xlsx") else csv_bytes([HEADER, *rows])
    return import_start(
        user=user, kind="exchange-rates", upload=SimpleUploadedFile(name, data), locale=locale
    )


def checked(user, rows, **kwargs) -> ImportRecord:
    return import_dry_run(record=upload(user, rows, **kwargs))


def test_dry_run_counts_created_changed_and_unchanged_without_writing(admin_user):
    before = list(ExchangeRate.objects.values_list("code", "rate"))
    record = checked(
        admin_user,
        [
            rate_row("new-rate"),
            rate_row(
                "pcc-chf-usd-1-25",
                rate="1.30",
                base_currency="USD",
                quote_currency="CHF",
                valid_from="2005-09-01",
                valid_to="2008-12-31",
                document="pcc-enmienda-2009",
                line=214,
                description="el tipo de cambio actual es de 1.25 CHF/USD",
            ),
        ],
    )
    assert record.status == ImportStatus.DRY_RUN
    assert (record.created_count, record.changed_count, record.error_count) == (1, 1, 0)
    assert record.preview["created"] == [{"row": 2, "key": "new-rate"}]
    changes = record.preview["changed"][0]["changes"]
    assert {"field": "rate", "old": "1.250000", "new": "1.30"} in changes
    assert list(ExchangeRate.objects.values_list("code", "rate")) == before
    assert record.can_confirm


def test_confirm_writes_every_row_with_history(admin_user):
    record = checked(admin_user, [rate_row(f"rate-{n}", rate=f"2.{n}") for n in range(10, 15)])
    record = import_commit(record=record)
    assert record.status == ImportStatus.DONE
    assert record.created_count == 5
    rate = ExchangeRate.objects.get(code="rate-12")
    assert rate.rate == Decimal("2.12") and rate.valid_to == datetime.date(2008, 12, 31)
    assert rate.history.get().history_user == admin_user
    assert rate.history.get().history_change_reason == f"import #{record.pk}"


def test_reimporting_the_same_file_creates_and_changes_nothing(admin_user):
    rows = [rate_row(f"rate-{n}") for n in range(3)]
    import_commit(record=checked(admin_user, rows))
    again = checked(admin_user, rows)
    assert (again.created_count, again.changed_count, again.unchanged_count) == (0, 0, 3)
    assert import_commit(record=again).status == ImportStatus.DONE
    assert ExchangeRate.objects.filter(code__startswith="rate-").count() == 3


def test_row_errors_are_located_and_block_the_confirm(admin_user):
    record = checked(
        admin_user,
        [
            rate_row("ok"),
            rate_row("bad-rate", rate="about two"),
            rate_row("same-currency", quote_currency="CHF"),
            rate_row("ok"),
            rate_row("no-doc", document="nowhere"),
            rate_row("bad code!"),
            rate_row("odd-currency", base_currency="XYZ"),
        ],
    )
    assert record.status == ImportStatus.DRY_RUN
    assert not record.can_confirm
    located = {(e["row"], e["column"]) for e in record.errors}
    assert located == {
        (3, "rate"),
        (4, "quote_currency"),
        (5, "code"),
        (6, "document"),
        (7, "code"),
        (8, "base_currency"),
    }
    assert all(e["file"] == "rates.csv" for e in record.errors)
    with pytest.raises(ValueError):
        import_commit(record=record)


def test_locale_decides_how_numbers_are_read(admin_user):
    record = checked(admin_user, [rate_row("swiss", rate="1'234.5")], locale="swiss")
    import_commit(record=record)
    assert ExchangeRate.objects.get(code="swiss").rate == Decimal("1234.5")
    refused = checked(admin_user, [rate_row("comma", rate="1'234.5")], locale="comma")
    assert refused.error_count == 1 and refused.errors[0]["column"] == "rate"


def test_a_refused_file_fails_with_its_located_error(admin_user):
    record = import_start(
        user=admin_user,
        kind="exchange-rates",
        locale="dot",
        upload=SimpleUploadedFile("rates.xlsx", xlsx_bytes([HEADER, rate_row("x")], merge="A2:B2")),
    )
    record = import_dry_run(record=record)
    assert record.status == ImportStatus.FAILED
    assert record.errors[0]["message"].startswith("merged cells")


def test_failure_in_the_middle_leaves_the_database_as_it_was(admin_user, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    record = checked(
        admin_user,
        [rate_row(f"rate-{n}") for n in range(35)]
        + [rate_row("pcc-chf-usd-1-25", rate="9", base_currency="USD", quote_currency="CHF")],
    )
    before = sorted(ExchangeRate.objects.values_list("code", "rate"))
    history_before = ExchangeRate.history.count()
    importer = get_importer("exchange-rates")
    calls = []

    def failing_writer(creates, updates, fields, context):
        calls.append(len(creates))
        if len(calls) > 1:
            raise RuntimeError("disk full")
        imports.bulk_write(creates, updates, fields, context)

    monkeypatch.setattr(importer, "write", failing_writer)
    record = import_commit(record=record)
    assert calls == [10, 10]
    assert record.status == ImportStatus.FAILED
    assert "RuntimeError" in record.message and "disk full" not in record.message
    assert sorted(ExchangeRate.objects.values_list("code", "rate")) == before
    assert ExchangeRate.history.count() == history_before
    record.refresh_from_db()
    assert (record.status, record.rows_done) == (ImportStatus.FAILED, 0)


def test_record_keeps_who_what_and_the_file_digest(admin_user):
    data = csv_bytes([HEADER, rate_row("a")])
    record = import_start(
        user=admin_user, kind="exchange-rates", upload=SimpleUploadedFile("rates.csv", data), locale="dot"
    )
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert record.size == len(data)
    with record.file.open("rb") as stored:
        assert stored.read() == data
    assert (record.user, record.kind, record.file_name, record.locale) == (
        admin_user,
        "exchange-rates",
        "rates.csv",
        "dot",
    )


def test_partners_cannot_import_exchange_rates(partner_a_user):
    with pytest.raises(PermissionDenied):
        upload(partner_a_user, [rate_row("a")])


def test_cancel_of_a_checked_import_stops_it(admin_user):
    record = import_cancel(record=checked(admin_user, [rate_row("a")]))
    assert record.status == ImportStatus.CANCELLED
    assert not ExchangeRate.objects.filter(code="a").exists()


def test_cancel_requested_during_the_commit_rolls_back(admin_user, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    record = checked(admin_user, [rate_row(f"rate-{n}") for n in range(6)])
    real = imports.bulk_write

    def cancelling_writer(creates, updates, fields, context):
        real(creates, updates, fields, context)
        ImportRecord.objects.filter(pk=record.pk).update(cancel_requested=True)

    monkeypatch.setattr(get_importer("exchange-rates"), "write", cancelling_writer)
    assert import_commit(record=record).status == ImportStatus.CANCELLED
    assert not ExchangeRate.objects.filter(code__startswith="rate-").exists()


def test_large_files_run_as_tasks_with_progress(admin_user, settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 10)
    monkeypatch.setattr(imports, "BATCH_SIZE", 7)
    record = imports.run_or_enqueue(
        upload(admin_user, [rate_row(f"rate-{n}") for n in range(20)], name="rates.xlsx"), "dry_run"
    )
    assert record.task_id
    assert (record.status, record.rows_done, record.rows_total, record.created_count) == (
        ImportStatus.DRY_RUN,
        20,
        20,
        20,
    )
    assert imports.run_or_enqueue(record, "commit").status == ImportStatus.DRY_RUN  # not confirmed: ignored
    ImportRecord.objects.filter(pk=record.pk).update(confirmed_at=timezone.now(), confirmed_by=admin_user)
    record.refresh_from_db()
    record = imports.run_or_enqueue(record, "commit")
    assert record.status == ImportStatus.DONE
    assert ExchangeRate.objects.filter(code__startswith="rate-").count() == 20


def test_database_task_backend_queues_the_job(admin_user, settings, monkeypatch):
    pytest.importorskip("django_tasks_db")
    if "django_tasks_db" not in settings.INSTALLED_APPS:
        pytest.skip("django_tasks_db is not in INSTALLED_APPS yet")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 10)
    record = imports.run_or_enqueue(upload(admin_user, [rate_row("a")]), "dry_run")
    assert record.status == ImportStatus.PENDING and record.task_id


@pytest.mark.parametrize("rows", [30, 300])
def test_query_count_does_not_grow_with_rows(admin_user, rows, django_assert_max_num_queries):
    from math import ceil

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record = upload(
        admin_user,
        [rate_row(f"rate-{n}", document="pcc-enmienda-2009", line=n + 1) for n in range(rows)],
        name="rates.xlsx",
    )
    # 10: the status change is one conditional UPDATE, the record read back, its content type (cached
    # once looked up) and the StatusChange row (it was a SELECT and an UPDATE: 8 before).
    with django_assert_max_num_queries(10):
        record = import_dry_run(record=record)
    assert record.created_count == rows
    with CaptureQueriesContext(connection) as queries:
        record = import_commit(record=record)
    # PostgreSQL copies the rows and their history rows in (one COPY each, ids taken from the
    # sequence by one query); SQLite caps the parameters of one statement, so an insert is split.
    inserts = [
        q
        for q in queries.captured_queries
        if q["sql"].startswith(("INSERT", "COPY")) and "core_statuschange" not in q["sql"]
    ]
    max_params = connection.features.max_query_params or 10**6
    assert len(inserts) <= 2 * ceil(rows * 17 / max_params)  # the rows and their history rows
    # 13: two status changes (running, done), each with its StatusChange row (it was 9 before), the
    # programmes to reconcile once the import commits (rates are shared by all: one query) and their
    # figures version, bumped at once (one programme here); PostgreSQL also takes the ids in one query.
    assert len(queries) - len(inserts) <= 13
    assert (
        ExchangeRate.objects.filter(code__startswith="rate-", document__code="pcc-enmienda-2009").count()
        == rows
    )


def test_export_then_reimport_is_unchanged(admin_user):
    import io

    from core.spreadsheets.writers import write_xlsx

    importer = get_importer("exchange-rates")
    stream = io.BytesIO()
    write_xlsx(stream, sheet="rates", columns=importer.columns, rows=importer.export_rows(admin_user))
    record = import_dry_run(
        record=import_start(
            user=admin_user,
            kind="exchange-rates",
            locale="dot",
            upload=SimpleUploadedFile("export.xlsx", stream.getvalue()),
        )
    )
    assert record.error_count == 0, record.errors
    assert (record.created_count, record.changed_count) == (0, 0)
    assert record.unchanged_count == ExchangeRate.objects.count() > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_commit_progress_is_visible_to_other_sessions_on_postgresql(monkeypatch):
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    from tests.factories import UserFactory

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: there progress appears when the commit ends")
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    user = UserFactory(is_superuser=True)
    record = checked(user, [rate_row(f"rate-{n}") for n in range(6)])
    seen = []

    def watching_writer(creates, updates, fields, context):
        imports.bulk_write(creates, updates, fields, context)
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        with other.cursor() as cursor:
            cursor.execute("SELECT rows_done FROM core_importrecord WHERE id = %s", [record.pk])
            seen.append(cursor.fetchone()[0])
        other.close()

    monkeypatch.setattr(get_importer("exchange-rates"), "write", watching_writer)
    assert import_commit(record=record).status == ImportStatus.DONE
    assert seen == [0, 2, 4]


def test_an_exchange_rate_import_reconciles_every_programme_once_it_commits(admin_user, pcc):
    from reconciliation.services import scheduled_causes

    record = checked(
        admin_user, [rate_row("pcc-chf-usd-1-25", rate="1.30", base_currency="USD", quote_currency="CHF")]
    )
    assert not any(c.startswith("importación") for c in scheduled_causes(pcc))
    record = import_commit(record=record)
    assert record.status == ImportStatus.DONE
    # Rates are shared by every programme: the PCC is reconciled once the import commits.
    assert f"importación n.º {record.pk} (Tipos de cambio)" in scheduled_causes(pcc)
