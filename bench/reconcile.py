#!/usr/bin/env python
"""Benchmark: reconciling a growing portfolio, against one SQL statement that evaluates every sum rule.

    .venv/bin/python bench/reconcile.py                          # quick: 20 and 100 programmes
    .venv/bin/python bench/reconcile.py --sizes 200,1000,2000    # the issue's sizes (or --full)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pcc_bench .venv/bin/python bench/reconcile.py --full

The database is a throwaway one built by Django's test machinery (``test_<name>``, migrated, then
dropped). It holds the PCC (``fixtures/pcc``), then ``generate_portfolio`` adds programmes until there
are as many as the next size. At each size, in steady state (every programme reconciled once before):

- ``all_s``: ``manage.py reconcile`` over every programme (its output thrown away), wall seconds;
- ``sql_floor_ms`` (PostgreSQL only): one statement that adds up every active sum rule's terms from the
  facts and compares them with its total; the least any engine could take to check those rules;
- ``ratio``: ``all_s`` over the floor; ``per_programme_ms``: ``all_s`` per programme;
- ``one_pcc_ms`` and ``one_pcc_queries``: reconciling the PCC alone (median of ``--repeat``), which
  should cost the same whatever the portfolio's size.

The last line of the output is one JSON object with these figures per size.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")

QUICK_SIZES = [20, 100]
FULL_SIZES = [200, 1000, 2000]

# Every active sum rule of every programme: its signed terms' facts added up, against its total's fact.
SUM_RULES_SQL = """
WITH terms AS (
    SELECT r.id AS rule_id, r.programme_id,
           CASE WHEN left(t.ref, 1) = '-' THEN -1 ELSE 1 END AS sign, ltrim(t.ref, '-') AS ref
    FROM budgets_reconciliationrule r
    CROSS JOIN LATERAL jsonb_array_elements_text(r.params::jsonb -> 'terms') AS t(ref)
    WHERE r.active AND r.kind = 'sum'
), cells AS (
    SELECT f.programme_id, bt.code || '/' || f.line || '/' || c.key AS ref, f.amount
    FROM budgets_budgetfact f
    JOIN budgets_budgettable bt ON bt.id = f.budget_table_id
    JOIN budgets_budgetcolumn c ON c.id = f.column_id
), recomputed AS (
    SELECT t.rule_id, t.programme_id, sum(t.sign * coalesce(c.amount, 0)) AS amount
    FROM terms t LEFT JOIN cells c ON c.programme_id = t.programme_id AND c.ref = t.ref
    GROUP BY t.rule_id, t.programme_id
)
SELECT count(*), count(*) FILTER (WHERE s.amount IS DISTINCT FROM rc.amount)
FROM recomputed rc
JOIN budgets_reconciliationrule r ON r.id = rc.rule_id
LEFT JOIN cells s ON s.programme_id = rc.programme_id AND s.ref = r.params::jsonb ->> 'total'
"""


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes are programme counts of at least 1, e.g. 200,1000")
    return sizes


def measure(pcc, repeat: int) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agreements.models import Programme
    from reconciliation.engine import reconcile

    count = Programme.objects.count()
    started = time.perf_counter()
    call_command("reconcile", stdout=io.StringIO())
    all_s = time.perf_counter() - started
    floor_ms = None
    if connection.vendor == "postgresql":
        floors = []
        for _ in range(3):
            with connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(SUM_RULES_SQL)
                cursor.fetchall()
                floors.append((time.perf_counter() - started) * 1000)
        floor_ms = min(floors)
    one, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            reconcile(pcc)
            one.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return {
        "programmes": count,
        "all_s": round(all_s, 2),
        "per_programme_ms": round(all_s * 1000 / count, 1),
        "sql_floor_ms": None if floor_ms is None else round(floor_ms, 1),
        "ratio": None if not floor_ms else round(all_s * 1000 / floor_ms, 1),
        "one_pcc_ms": round(statistics.median(one), 1),
        "one_pcc_queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=QUICK_SIZES, help="default: %(default)s")
    parser.add_argument("--full", action="store_true", help=f"the sizes {FULL_SIZES}")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes_wanted = FULL_SIZES if args.full else args.sizes

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    results = []
    try:
        from agreements.models import Programme
        from core.loading import load_programme
        from reports.synthetic import generate_portfolio

        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        pcc = load_programme(BASE_DIR / "fixtures" / "pcc").programme
        for size in sizes_wanted:
            missing = size - Programme.objects.count()
            if missing > 0:
                started = time.perf_counter()
                generate_portfolio(programmes=missing, seed=args.seed + size)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
                call_command("reconcile", stdout=io.StringIO())  # steady state: every programme run once
                print(
                    f"generated and reconciled {missing} programmes in {time.perf_counter() - started:.1f} s"
                )
            row = measure(pcc, args.repeat)
            results.append(row)
            print(
                f"{row['programmes']:>6} programmes: all {row['all_s']:.2f} s "
                f"({row['per_programme_ms']:.1f} ms each), SQL floor {row['sql_floor_ms']} ms, "
                f"ratio {row['ratio']}, PCC alone {row['one_pcc_ms']:.1f} ms in {row['one_pcc_queries']} queries"
            )
    finally:
        teardown_databases(old_config, verbosity=0)
    print(json.dumps({"vendor": connection.vendor, "repeat": args.repeat, "sizes": results}))


if __name__ == "__main__":
    main()
