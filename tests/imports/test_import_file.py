"""``manage.py import_file``: one file through the same pipeline as the import pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from core.models import ExchangeRate, ImportRecord, ImportStatus
from tests.core.test_imports import HEADER, rate_row
from tests.core.test_spreadsheets import csv_bytes


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _file(tmp_path, rows):
    path = tmp_path / "rates.csv"
    path.write_bytes(csv_bytes([HEADER, *rows]))
    return path


def test_a_bad_row_is_located_and_nothing_is_written(tmp_path, admin_user):
    path = _file(tmp_path, [rate_row("cli-1"), rate_row("cli-2", rate="-1")])
    with pytest.raises(CommandError) as refused:
        call_command("import_file", "exchange-rates", str(path), "--user", admin_user.username)
    assert "Nothing was imported from rates.csv" in str(refused.value)
    assert "row 3" in str(refused.value) and "rate" in str(refused.value)
    assert not ExchangeRate.objects.filter(code__startswith="cli-").exists()


def test_dry_run_counts_then_import_writes_with_history(tmp_path, admin_user, capsys):
    path = _file(tmp_path, [rate_row("cli-1", rate="2,65"), rate_row("cli-2", rate="3,10")])
    call_command(
        "import_file",
        "exchange-rates",
        str(path),
        "--user",
        admin_user.username,
        "--locale",
        "comma",
        "--dry-run",
    )
    assert "2 new, 0 changed, 0 unchanged; nothing written" in capsys.readouterr().out
    assert not ExchangeRate.objects.filter(code__startswith="cli-").exists()
    assert ImportRecord.objects.get().status == ImportStatus.CANCELLED

    call_command(
        "import_file", "exchange-rates", str(path), "--user", admin_user.username, "--locale", "comma"
    )
    assert "2 new" in capsys.readouterr().out
    assert ExchangeRate.objects.get(code="cli-2").rate == Decimal("3.10")
    assert ExchangeRate.history.filter(code__startswith="cli-", history_user=admin_user).count() == 2


def test_a_partner_may_not_import_exchange_rates(tmp_path, partner_a_user):
    path = _file(tmp_path, [rate_row("cli-1")])
    with pytest.raises(CommandError, match="may not import exchange-rates"):
        call_command("import_file", "exchange-rates", str(path), "--user", partner_a_user.username)
    assert not ImportRecord.objects.exists()
