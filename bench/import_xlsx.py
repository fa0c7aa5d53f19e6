#!/usr/bin/env python
"""Benchmark: a large XLSX import against openpyxl reading the same file.

    .venv/bin/python bench/import_xlsx.py [--rows N]          # default 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pcc_bench .venv/bin/python bench/import_xlsx.py

The file holds N exchange-rate rows (the ``exchange-rates`` importable kind: code, currency pair,
rate, period, description, tables, source line), all new, so the import creates N rates and N
history rows. xlsxwriter's constant-memory mode writes the strings inline, so neither reader
holds a shared-strings table. Timed:

* ``openpyxl_s``: openpyxl alone reading every row (read-only mode, values only), the faster of
  a run before and a run after the import;
* ``import_s``: the full import as a user runs it, through the same functions as the import
  pages and their background tasks call: storing the upload (``import_start``), the dry run (read
  every row, type and validate each cell and row, look for a code met twice in the file, compare
  with the database by code in batches, stage the checked rows) and the commit
  (read the staged rows, compare with the database again, write in one transaction: on
  PostgreSQL with ``COPY`` for the rates and their history rows, elsewhere with ``bulk_create``;
  one history row per rate with the user, the time and the reason ``import #<id>``).

* ``plain_s``: the floor it is compared with: openpyxl reading the same file and
  ``bulk_create_with_history`` writing the rates and their history rows, nothing checked.

Not timed: writing the file and building the database. The database is a throwaway one built by
Django's test machinery (``test_<name>``, migrated, then dropped), on whatever ``DATABASE_URL``
names. Peak RSS is the process's maximum resident set, the openpyxl runs included. The last line
of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")

PAIRS = [("CHF", "PEN"), ("USD", "PEN"), ("USD", "CHF"), ("EUR", "CHF"), ("EUR", "USD")]
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


def write_file(path: Path, rows: int) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("rates")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADER)
    start = datetime.date(2005, 1, 1)
    for n in range(1, rows + 1):
        base, quote = PAIRS[n % len(PAIRS)]
        valid_from = start + datetime.timedelta(days=n % 1500)
        sheet.write_string(n, 0, f"bench-rate-{n:07d}")
        sheet.write_string(n, 1, base)
        sheet.write_string(n, 2, quote)
        sheet.write_number(n, 3, float(Decimal(1) + Decimal(n % 9973) / Decimal(10000)))
        sheet.write_datetime(n, 4, datetime.datetime.combine(valid_from, datetime.time()), dates)
        sheet.write_datetime(
            n, 5, datetime.datetime.combine(valid_from + datetime.timedelta(days=90), datetime.time()), dates
        )
        sheet.write_string(n, 6, f"1 {base} = {n % 9973} {quote} (benchmark row {n})")
        sheet.write_string(n, 7, "Cuadro 1; Cuadro 2")
        sheet.write_number(n, 9, n)
    workbook.close()


def time_openpyxl(path: Path) -> tuple[float, int]:
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=False)
    count = 0
    for _row in workbook.worksheets[0].iter_rows(values_only=True):
        count += 1
    workbook.close()
    return time.perf_counter() - started, count - 1


def time_import(path: Path, media: str) -> tuple[float, float, float, dict]:
    from django.core.files import File
    from django.test.utils import override_settings

    from core.models import ExchangeRate, User
    from imports.services import import_commit, import_dry_run, import_start

    user = User.objects.create_superuser("bench", "bench@example.org", "bench-password")
    with override_settings(MEDIA_ROOT=media), open(path, "rb") as stream:
        started = time.perf_counter()
        record = import_start(
            user=user, kind="exchange-rates", upload=File(stream, name=path.name), locale="dot"
        )
        record = import_dry_run(record=record)
        checked = time.perf_counter()
        if record.error_count:
            raise SystemExit(f"dry run found errors: {record.errors[:3]}")
        record = import_commit(record=record)
        finished = time.perf_counter()
    if record.status != "done":
        raise SystemExit(f"import ended {record.status}: {record.message}")
    counts = {
        "created": record.created_count,
        "in_db": ExchangeRate.objects.filter(code__startswith="bench-").count(),
        "history": ExchangeRate.history.filter(
            code__startswith="bench-",
            history_type="+",
            history_user=user,
            history_change_reason=f"import #{record.pk}",
        ).count(),
    }
    if not counts["created"] == counts["in_db"] == counts["history"]:
        raise SystemExit(f"rows written do not add up: {counts}")
    return finished - started, checked - started, finished - checked, counts


def time_plain(path: Path) -> float:
    """The floor: openpyxl reading the file and ``bulk_create_with_history`` writing it, nothing checked."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from openpyxl import load_workbook
    from simple_history.utils import bulk_create_with_history

    from core.models import ExchangeRate

    user = get_user_model().objects.get(username="bench")
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=False)
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    next(rows)
    with transaction.atomic():
        batch = []
        for code, base, quote, rate, valid_from, valid_to, description, used_by, _doc, line in rows:
            batch.append(
                ExchangeRate(
                    code=f"plain-{code}",
                    base_currency=base,
                    quote_currency=quote,
                    rate=Decimal(str(rate)),
                    valid_from=valid_from.date(),
                    valid_to=valid_to.date(),
                    description=description,
                    used_by=used_by,
                    line=line,
                )
            )
            if len(batch) == 1000:
                bulk_create_with_history(
                    batch, ExchangeRate, default_user=user, default_change_reason="plain"
                )
                batch = []
        if batch:
            bulk_create_with_history(batch, ExchangeRate, default_user=user, default_change_reason="plain")
    workbook.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    settings.DEBUG = False
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"rates-{args.rows}.xlsx"
        started = time.perf_counter()
        write_file(path, args.rows)
        print(
            f"wrote {args.rows} rows to {path.name} ({path.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        openpyxl_s, read_rows = time_openpyxl(path)
        print(f"openpyxl read {read_rows} rows in {openpyxl_s:.2f} s")

        setup_test_environment()
        # Nothing needs the empty database serialized for rollbacks: skip reading every table.
        old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
        try:
            print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
            import_s, dry_run_s, commit_s, counts = time_import(path, folder)
            plain_s = time_plain(path)
        finally:
            teardown_databases(old_config, verbosity=0)
        # Other work on the machine slows single runs down: the baseline is the faster of two.
        again_s, _rows = time_openpyxl(path)
        print(f"openpyxl again: {again_s:.2f} s")
        openpyxl_s = min(openpyxl_s, again_s)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = import_s / openpyxl_s
    print(
        f"import: {import_s:.2f} s (dry run {dry_run_s:.2f} s, commit {commit_s:.2f} s), "
        f"created {counts['created']}, in database {counts['in_db']}, history rows {counts['history']}"
    )
    print(
        f"plain openpyxl + bulk_create_with_history: {plain_s:.2f} s; import/plain {import_s / plain_s:.2f}"
    )
    print(f"ratio import/openpyxl: {ratio:.2f}; peak RSS {peak_rss_mb:.0f} MB")
    print(
        json.dumps(
            {
                "rows": args.rows,
                "openpyxl_s": round(openpyxl_s, 3),
                "import_s": round(import_s, 3),
                "plain_s": round(plain_s, 3),
                "import_vs_plain": round(import_s / plain_s, 2),
                "ratio": round(ratio, 2),
                "peak_rss_mb": round(peak_rss_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
