"""A programme's data as a folder of spreadsheets, one file per importable kind.

``export_programme`` writes ``<order>-<kind>.xlsx`` for every kind that belongs to a programme
(budget tables, their columns, rows and figures, work plans, …, reconciliation rules last), with
the columns of the kind's import template. ``import_folder`` brings such a folder in, kind after
kind in that order, each file checked (dry run) before it is written, and all of it in one
transaction: a refused file leaves the database as it was. What a programme shares with others
(organisations, source documents, exchange rates, the agreement) comes from its fixtures first.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import transaction

from agreements.models import Programme
from core.models import ImportRecord, ImportStatus, User
from core.spreadsheets.errors import Problem
from core.spreadsheets.writers import write_xlsx
from imports.registry import Importer, registry
from imports.services import import_commit, import_dry_run, import_start

SUFFIXES = (".xlsx", ".csv", ".ods")
_FILE_NAME = re.compile(r"^(?:\d+-)?(?P<kind>[a-z0-9-]+)$")
# A fixed creation date: exporting unchanged data gives byte-identical files (they live in git).
_CREATED = datetime.datetime(2000, 1, 1)


def programme_kinds() -> list[Importer]:
    """The importable kinds holding a programme's own data, in import order."""
    return [importer for importer in registry().values() if importer.programme_lookup]


def file_name(importer: Importer) -> str:
    return f"{importer.order:02d}-{importer.kind}.xlsx"


def export_programme(*, programme: Programme, folder: Path, user: User) -> list[tuple[Path, int]]:
    """Write ``programme``'s data as one XLSX per kind into ``folder``; returns (path, rows) per file.

    A kind without rows (no progress reported yet, say) gets no file, and its file from an earlier
    export is removed, so importing the folder never brings back what is gone.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for importer in programme_kinds():
        rows = list(importer.export_rows(user, programme=programme))
        path = folder / file_name(importer)
        if not rows:
            path.unlink(missing_ok=True)
            continue
        with path.open("wb") as stream:
            write_xlsx(stream, sheet=importer.kind, columns=importer.columns, rows=rows, created=_CREATED)
        written.append((path, len(rows)))
    return written


@dataclass
class FolderImportError(Exception):
    """A file of the folder was refused; nothing of the folder was written."""

    path: Path
    problems: list[Problem]
    message: str = ""

    def __str__(self) -> str:
        lines = [f"{self.path.name}: {self.message}" if self.message else f"{self.path.name}:"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


def folder_files(folder: Path) -> list[tuple[Path, Importer]]:
    """The spreadsheets of ``folder`` with their kinds (named ``[NN-]<kind>.<ext>``), in import order."""
    kinds = registry()
    files = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES:
            continue
        match = _FILE_NAME.match(path.stem)
        importer = kinds.get(match["kind"]) if match else None
        if importer is None:
            raise FolderImportError(
                path, [], f"not named after an importable kind; expected one of {', '.join(kinds)}"
            )
        files.append((path, importer))
    order = list(kinds)
    return sorted(files, key=lambda item: (order.index(item[1].kind), item[0].name))


@transaction.atomic
def import_folder(*, folder: Path, user: User, locale: str = "dot") -> list[ImportRecord]:
    """Import every spreadsheet of ``folder`` as ``user``, in kind order, all or nothing.

    Each file is checked against the database as the files before it left it, then written; the
    first refused file raises :class:`FolderImportError` with its located problems and the whole
    folder is rolled back.
    """
    records = []
    for path, importer in folder_files(folder):
        with path.open("rb") as stream:
            record = import_start(
                user=user, kind=importer.kind, upload=File(stream, name=path.name), locale=locale
            )
        record = import_dry_run(record=record)
        if record.status != ImportStatus.DRY_RUN or record.error_count:
            raise FolderImportError(path, [Problem.from_json(e) for e in record.errors], record.message)
        record = import_commit(record=record)
        if record.status != ImportStatus.DONE:
            raise FolderImportError(path, [Problem.from_json(e) for e in record.errors], record.message)
        records.append(record)
    return records
