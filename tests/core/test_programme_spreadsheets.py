"""The PCC as a folder of spreadsheets (fixtures/pcc/spreadsheets): current, complete, and a round trip.

Importing the folder into an empty database (holding only what the programme's fixtures give
before any table or plan: organisations, source documents, exchange rates, programme, agreement)
must give the same budget figures and the same reconciliation findings as the YAML loader.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from agreements.models import Programme
from budgets.models import BudgetFact
from core.loading import load_programme
from imports.folders import (
    FolderImportError,
    export_programme,
    file_name,
    import_folder,
    programme_kinds,
)
from reconciliation.models import Finding
from tests.budgets.test_structure_imports import captured
from tests.conftest import PCC_FOLDER
from tests.factories import UserFactory

SPREADSHEETS = PCC_FOLDER / "spreadsheets"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def findings(programme: Programme) -> set[tuple]:
    rows = Finding.objects.filter(rule__programme=programme).values_list(
        "rule__code",
        "rule__kind",
        "key",
        "severity",
        "stated",
        "recomputed",
        "currency",
        "table",
        "partner__acronym",
        "lines",
        "message",
        "status",
    )
    return {(*row[:9], tuple(row[9]), *row[10:]) for row in rows}


def read_rows(path: Path) -> list[tuple]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def test_the_folder_holds_the_programmes_kinds_in_import_order(pcc, admin_user):
    names = sorted(path.name for path in SPREADSHEETS.glob("*.xlsx"))
    with_rows = [i for i in programme_kinds() if next(i.export_rows(admin_user, programme=pcc), None)]
    assert names == sorted(file_name(i) for i in with_rows)
    kinds = [i.kind for i in with_rows]
    assert kinds.index("budget-tables") < kinds.index("budget-facts") < kinds.index("reconciliation-rules")
    assert kinds.index("work-plans") < kinds.index("activities") < kinds.index("reconciliation-rules")
    assert kinds[-1] == "reconciliation-rules"


def test_the_committed_spreadsheets_are_what_the_loader_gives_today(pcc, admin_user, tmp_path):
    # A change to fixtures/pcc/*.yaml without `export_spreadsheets pcc fixtures/pcc/spreadsheets` fails here.
    written = export_programme(programme=pcc, folder=tmp_path / "export", user=admin_user)
    counts = {path.name: rows for path, rows in written}
    facts_file = next(name for name in counts if name.endswith("-budget-facts.xlsx"))
    assert counts[facts_file] == BudgetFact.objects.filter(programme=pcc).count()
    for path, _rows in written:
        assert read_rows(path) == read_rows(SPREADSHEETS / path.name), path.name


@pytest.mark.django_db(transaction=True)
def test_importing_the_spreadsheets_into_an_empty_database_gives_the_loaders_figures_and_findings(
    transactional_db, settings
):
    programme = Programme.objects.filter(code="pcc").first() or load_programme(PCC_FOLDER).programme
    loaded, loaded_findings = captured(programme), findings(programme)
    assert len(loaded["facts"]) == 563 and len(loaded["rules"]) == 367 and loaded_findings

    call_command("flush", interactive=False, verbosity=0)
    # Only what comes before any table or plan: organisations, documents, rates, programme, agreement.
    settings.PCC_LOADERS = ["agreements.loader.load"]
    settings.PCC_AFTER_LOAD = []
    load_programme(PCC_FOLDER)
    programme = Programme.objects.get(code="pcc")
    assert not BudgetFact.objects.exists() and not Finding.objects.exists()

    admin = UserFactory(username="importer", is_superuser=True)
    records = import_folder(folder=SPREADSHEETS, user=admin)
    assert [r.file_name for r in records] == sorted(path.name for path in SPREADSHEETS.glob("*.xlsx"))
    # Tables, columns, rows, every field of every figure (counterparts and rates included), rules.
    assert captured(programme) == loaded
    assert findings(programme) == loaded_findings

    # The same folder again: nothing created, nothing changed.
    again = import_folder(folder=SPREADSHEETS, user=admin)
    assert [(r.kind, r.created_count, r.changed_count) for r in again] == [(r.kind, 0, 0) for r in again]
    assert findings(programme) == loaded_findings


def test_a_refused_file_leaves_nothing_of_the_folder(pcc, admin_user, tmp_path):
    folder = tmp_path / "folder"
    export_programme(programme=pcc, folder=folder, user=admin_user)
    facts_path = next(folder.glob("*-budget-facts.xlsx"))
    # The figures file now names a table nobody has: the tables before it must not stay written.
    tables_path = next(folder.glob("*-budget-tables.xlsx"))
    workbook = load_workbook(tables_path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("title") + 1, value="Cuadro 1, renamed")
    workbook.save(tables_path)
    workbook = load_workbook(facts_path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=3, column=header.index("table") + 1, value="no-such-table")
    workbook.save(facts_path)

    with pytest.raises(FolderImportError) as refused:
        import_folder(folder=folder, user=admin_user)
    assert refused.value.path == facts_path
    assert [(p.row, p.column) for p in refused.value.problems] == [(3, "table")]
    assert not pcc.budget_tables.filter(title="Cuadro 1, renamed").exists()


def test_commands_export_and_import_a_folder(pcc, admin_user, tmp_path, capsys):
    folder = tmp_path / "pcc"
    call_command("export_spreadsheets", "pcc", str(folder))
    assert sorted(path.name for path in folder.glob("*.xlsx")) == sorted(
        p.name for p in SPREADSHEETS.glob("*.xlsx")
    )
    call_command("import_spreadsheets", str(folder), "--user", admin_user.username)
    output = capsys.readouterr().out
    assert "0 created, 0 changed" in output and " created" in output
    with pytest.raises(CommandError, match="No programme"):
        call_command("export_spreadsheets", "nope", str(folder))
    (folder / "99-nonsense.xlsx").write_bytes(b"x")
    with pytest.raises(CommandError, match="not named after an importable kind"):
        call_command("import_spreadsheets", str(folder), "--user", admin_user.username)
