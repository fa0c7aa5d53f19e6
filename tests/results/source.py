"""Counts read straight from the source text, so the tests compare the database with the document."""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "fixtures" / "pcc" / "source" / "000_decd2e9a32446ca2.txt"

# plan code: (lines of the results/indicators table, lines of the activity tables, columns with activities)
TABLES = {
    "poa-prosur-2008": ((339, 346), (348, 431), (0,)),
    "poa-ampex-2008": ((467, 501), (505, 568), (0,)),
    "poa-cerx-aqp-2008": ((744, 775), (777, 804), (0,)),
    "poa-cerx-lam-2008": ((828, 857), (859, 881), (0,)),
    "poa-turismo-2008": ((982, 1007), (982, 1007), (3,)),
}
RESULT_CELL = re.compile(r"^(?:Resultado\s*\d+|\d\.\s)")
INDICATOR_CELL = re.compile(r"^(?:IPR|IRA|IR)(?=[\s.\d])")
ACTIVITY_CODE = re.compile(r"(?:^|\s)\d+(?:\.\d+)+\.?\s")


def _cells(first: int, last: int) -> list[list[str]]:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    return [[cell.strip() for cell in lines[n - 1].split("\t")] for n in range(first, last + 1)]


def source_counts(plan_code: str) -> dict[str, int]:
    (i_first, i_last), (a_first, a_last), activity_columns = TABLES[plan_code]
    indicator_rows = _cells(i_first, i_last)
    result_columns = (0,) if plan_code == "poa-turismo-2008" else None
    results = sum(
        1
        for row in indicator_rows
        for col, cell in enumerate(row)
        if RESULT_CELL.match(cell) and (result_columns is None or col in result_columns)
    )
    indicators = sum(1 for row in indicator_rows for cell in row if INDICATOR_CELL.match(cell))
    activities = sum(
        len(ACTIVITY_CODE.findall(row[col] + " "))
        for row in _cells(a_first, a_last)
        for col in activity_columns
        if col < len(row)
    )
    return {"results": results, "indicators": indicators, "activities": activities}
