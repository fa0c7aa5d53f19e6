#!/usr/bin/env python
"""Benchmark: pcc's XLSX sheet parser against openpyxl's public read-only API, on the same file.

    .venv/bin/python bench/xlsx_reader.py [--rows N] [--repeat R]     # default 100000 rows, best of 3

The file is the one ``bench/import_xlsx.py`` writes (N exchange-rate rows, xlsxwriter's
constant-memory mode, inline strings and date-formatted numbers). Both ways open it with openpyxl
(``load_workbook(read_only=True)``) and read every row through :class:`SpreadsheetReader`:

* ``private_s``: as pcc reads it, the sheet XML walked by ``_SheetParser`` (expat, three
  callbacks) with the shared strings, date styles and sheet path taken from openpyxl's private
  attributes;
* ``public_s``: ``worksheet.iter_rows(values_only=True)``, openpyxl's own parser behind its public API.

``cells_*`` time the cell generators alone (the part that differs); ``private_s``/``public_s`` the
whole reader (``SpreadsheetReader.rows()``, header check and one dict per row included), the figure
a user waits for. ``ratio`` is ``public_s / private_s``. Each figure is the fastest of ``--repeat``
runs. The last line of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")


def public_reader_class():
    from core.spreadsheets.readers import SpreadsheetReader

    class PublicApiReader(SpreadsheetReader):
        """The reader with its XLSX rows from openpyxl's public ``iter_rows(values_only=True)``."""

        def _xlsx_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
            from openpyxl import load_workbook

            workbook = load_workbook(self.stream, read_only=True, data_only=False)
            try:
                worksheet = workbook.worksheets[0]
                self.sheet = worksheet.title
                self.estimated_rows = max(0, (worksheet.max_row or 1) - 1)
                # iter_rows() fills in the rows the XML leaves out, so the position is the row number.
                yield from enumerate(worksheet.iter_rows(values_only=True), start=1)
            finally:
                workbook.close()

    return PublicApiReader


def best_of(repeat: int, run: Callable[[], int]) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = run()
        times.append(time.perf_counter() - started)
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from import_xlsx import write_file

    from core.spreadsheets.readers import SpreadsheetReader

    readers = {"private": SpreadsheetReader, "public": public_reader_class()}

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"rates-{args.rows}.xlsx"
        write_file(path, args.rows)
        print(f"wrote {args.rows} rows to {path.name} ({path.stat().st_size / 1e6:.1f} MB)")

        def cells(reader_class) -> int:
            with open(path, "rb") as stream:
                return sum(1 for _row in reader_class(stream, name=path.name)._xlsx_rows()) - 1

        def rows(reader_class) -> int:
            with open(path, "rb") as stream:
                return sum(1 for _row in reader_class(stream, name=path.name).rows())

        figures: dict[str, float] = {}
        for way, reader_class in readers.items():
            figures[f"cells_{way}_s"], count = best_of(args.repeat, lambda c=reader_class: cells(c))
            if count != args.rows:
                raise SystemExit(f"{way}: {count} data rows read, expected {args.rows}")
            figures[f"{way}_s"], count = best_of(args.repeat, lambda c=reader_class: rows(c))
            if count != args.rows:
                raise SystemExit(f"{way}: {count} rows from the reader, expected {args.rows}")
            print(f"{way}: cells {figures[f'cells_{way}_s']:.2f} s, reader {figures[f'{way}_s']:.2f} s")
        # Not timed: both ways give the same rows, value for value.
        with open(path, "rb") as first, open(path, "rb") as second:
            pairs = zip(
                readers["private"](first, name=path.name).rows(),
                readers["public"](second, name=path.name).rows(),
                strict=True,
            )
            for private, public in pairs:
                if private != public:
                    raise SystemExit(
                        f"the two ways read row {private.number} differently: {private} {public}"
                    )
    ratio = figures["public_s"] / figures["private_s"]
    print(
        f"public/private: reader {ratio:.2f}, cells {figures['cells_public_s'] / figures['cells_private_s']:.2f}"
    )
    print(
        json.dumps(
            {
                "rows": args.rows,
                "private_s": round(figures["private_s"], 3),
                "public_s": round(figures["public_s"], 3),
                "ratio": round(ratio, 2),
                "cells_private_s": round(figures["cells_private_s"], 3),
                "cells_public_s": round(figures["cells_public_s"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
