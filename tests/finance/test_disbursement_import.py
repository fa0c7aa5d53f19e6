"""Disbursements through the one import pipeline (issue #11, item 3): the ``disbursements`` kind.

Programme staff import the programme's transfers to its partners, keyed by (programme, reference), with
a dry run, then a confirm; a partner's editor is not offered the kind.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from djmoney.money import Money

from agreements.models import Programme, Role
from core.models import ExchangeRate, ImportStatus, Organisation
from core.spreadsheets.errors import Problem
from core.spreadsheets.writers import write_xlsx
from finance.models import Disbursement
from imports.registry import get_importer, importers_for
from imports.services import export_kind, import_commit, import_dry_run, import_start
from reconciliation.models import ReconciliationRule
from tests.factories import OrganisationFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["programme", "partner", "date", "amount", "currency", "rate", "reference"]
TWO_TRANSFERS = [
    HEADER,
    ["pcc", "PROSUR", "2008-10-01", Decimal("10000"), "CHF", "", "T-2008-001"],
    ["pcc", "AMPEX", "2008-10-15", Decimal("5000"), "CHF", "", "T-2008-002"],
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def xlsx(rows: list[list]) -> SimpleUploadedFile:
    header, *body = rows
    stream = io.BytesIO()
    write_xlsx(
        stream,
        sheet="Desembolsos",
        columns=get_importer("disbursements").columns,
        rows=[dict(zip(header, row, strict=True)) for row in body],
    )
    return SimpleUploadedFile("desembolsos.xlsx", stream.getvalue())


def checked(user, rows):
    return import_dry_run(
        record=import_start(user=user, kind="disbursements", upload=xlsx(rows), locale="dot")
    )


def confirmed(record):
    return import_commit(record=record)


def stored(pcc) -> list[tuple]:
    return list(
        Disbursement.objects.filter(programme=pcc)
        .order_by("reference")
        .values_list(
            "partner__acronym", "date", "amount", "amount_currency", "reference", "created_by__username"
        )
    )


def test_staff_import_two_transfers_with_a_dry_run_then_a_confirm_and_again_changes_nothing(
    pcc, staff_user, django_capture_on_commit_callbacks
):
    record = checked(staff_user, TWO_TRANSFERS)
    assert (record.error_count, record.created_count) == (0, 2), record.errors
    assert record.status == ImportStatus.DRY_RUN and record.can_confirm
    assert not Disbursement.objects.exists()  # the dry run writes nothing

    version = Programme.objects.get(pk=pcc.pk).figures_version
    with django_capture_on_commit_callbacks(execute=True):
        record = confirmed(record)
    assert Programme.objects.get(pk=pcc.pk).figures_version > version  # figures_changed: reconciled
    assert record.status == ImportStatus.DONE, record.errors
    assert [(acronym, amount, username) for acronym, _d, amount, _c, _r, username in stored(pcc)] == [
        ("PROSUR", Decimal("10000.00"), "staff"),
        ("AMPEX", Decimal("5000.00"), "staff"),
    ]
    # Through disbursement_create: its reconciliation rule, and a history row saying who and why.
    assert ReconciliationRule.objects.filter(programme=pcc, code="disbursements-within-plan").exists()
    first = Disbursement.objects.get(programme=pcc, reference="T-2008-001")
    history = first.history.get()
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        staff_user,
        f"import #{record.pk}",
    )

    again = checked(staff_user, TWO_TRANSFERS)
    assert (again.created_count, again.changed_count, again.unchanged_count) == (0, 0, 2), again.errors
    assert len(stored(pcc)) == 2


def test_a_changed_amount_shows_old_and_new_and_keeps_the_history(pcc, staff_user):
    confirmed(checked(staff_user, TWO_TRANSFERS))
    changed = [HEADER, TWO_TRANSFERS[1], [*TWO_TRANSFERS[2][:3], Decimal("5500"), *TWO_TRANSFERS[2][4:]]]
    record = checked(staff_user, changed)
    assert (record.created_count, record.changed_count, record.unchanged_count) == (0, 1, 1), record.errors
    assert record.preview["changed"] == [
        {
            "row": 3,
            "key": "pcc · T-2008-002",
            "changes": [{"field": "amount", "old": "CHF 5000.00", "new": "CHF 5500.00"}],
        }
    ]
    assert Disbursement.objects.get(reference="T-2008-002").amount == Money("5000", "CHF")

    record = confirmed(record)
    assert record.status == ImportStatus.DONE, record.errors
    transfer = Disbursement.objects.get(reference="T-2008-002")
    assert transfer.amount == Money("5500", "CHF")
    latest = transfer.history.first()
    assert (latest.history_type, latest.history_user, latest.amount) == (
        "~",
        staff_user,
        Money("5500", "CHF"),
    )


def test_a_dollar_transfer_without_its_rate_is_located_on_the_rate_column(pcc, staff_user):
    dollars = ["pcc", "PROSUR", "2008-10-01", Decimal("1230"), "USD", "", "T-2008-003"]
    record = checked(staff_user, [HEADER, dollars])
    assert record.error_count == 1 and not record.can_confirm
    error = record.errors[0]
    assert (error["file"], error["row"], error["column"]) == ("desembolsos.xlsx", 2, "rate")
    assert error["sheet"] == "Desembolsos"
    assert error["params"] == {"currency": "USD", "binding": "CHF"}
    with translation.override("en"):
        assert (
            Problem.from_json(error).text() == "An amount in USD needs the exchange rate to CHF of its date."
        )
    with translation.override("es"):
        assert (
            Problem.from_json(error).text() == "Un monto en USD necesita el tipo de cambio a CHF de su fecha."
        )

    rate = ExchangeRate.objects.get(code="pcc-chf-usd-1-123")
    record = checked(staff_user, [HEADER, [*dollars[:5], rate.code, dollars[6]]])
    assert (record.error_count, record.created_count) == (0, 1), record.errors
    confirmed(record)
    assert Disbursement.objects.get(reference="T-2008-003").rate == rate


def test_a_partner_that_does_not_take_part_or_a_non_positive_amount_is_located(pcc, staff_user):
    OrganisationFactory(acronym="AJENA")
    record = checked(
        staff_user,
        [
            HEADER,
            ["pcc", "AJENA", "2008-10-01", Decimal("100"), "CHF", "", "T-2008-004"],
            ["pcc", "PROSUR", "2008-10-01", Decimal("0"), "CHF", "", "T-2008-005"],
        ],
    )
    assert [(e["row"], e["column"]) for e in record.errors] == [(2, "partner"), (3, "amount")]
    assert record.errors[0]["params"] == {"partner": "AJENA", "programme": "pcc"}
    with translation.override("es"):
        assert Problem.from_json(record.errors[0]).text() == "AJENA no participa en el programa pcc"
    assert not Disbursement.objects.exists()


def test_a_partner_editor_is_not_offered_the_kind_and_is_refused(pcc, login, partner_a_user):
    assert "disbursements" not in [importer.kind for importer in importers_for(partner_a_user)]
    with pytest.raises(PermissionDenied):
        import_start(user=partner_a_user, kind="disbursements", upload=xlsx(TWO_TRANSFERS), locale="dot")
    client = login(partner_a_user)
    assert client.get(reverse("imports:import_template", args=["disbursements"])).status_code == 403


def test_staff_of_another_programme_cannot_import_into_the_pcc(pcc):
    other = ProgrammeFactory()
    stranger = UserFactory(
        membership=(Organisation.objects.get(acronym="COSUDE"), Role.PROGRAMME_STAFF, other)
    )
    record = checked(stranger, TWO_TRANSFERS)
    assert [(e["row"], e["column"]) for e in record.errors] == [(2, "programme"), (3, "programme")]
    assert record.errors[0]["message"] == "%(programme)s is not a programme you are staff of"
    assert not record.can_confirm
    assert not Disbursement.objects.exists()


def test_the_export_imports_again_unchanged(pcc, staff_user):
    rate = ExchangeRate.objects.get(code="pcc-chf-usd-1-123")
    dollars = ["pcc", "PROSUR", "2008-11-03", Decimal("1230.50"), "USD", rate.code, "T-2008-006"]
    confirmed(checked(staff_user, [*TWO_TRANSFERS, dollars]))
    other = ProgrammeFactory()
    Disbursement.objects.create(
        programme=other,
        partner=Organisation.objects.get(acronym="PROSUR"),
        date=datetime.date(2008, 10, 1),
        amount=Money("1", "CHF"),
        reference="T-OTHER",
    )
    exported = list(export_kind(user=staff_user, kind="disbursements"))
    assert [row["reference"] for row in exported] == ["T-2008-001", "T-2008-002", "T-2008-006"]
    assert (exported[2]["amount"], exported[2]["currency"], exported[2]["rate"]) == (
        Decimal("1230.50"),
        "USD",
        rate.code,
    )
    record = checked(staff_user, [HEADER, *[[row[name] for name in HEADER] for row in exported]])
    assert (record.created_count, record.changed_count, record.unchanged_count) == (0, 0, 3), record.errors
