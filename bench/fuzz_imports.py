#!/usr/bin/env python
"""Benchmark: thousands of generated spreadsheets of every importable kind through the import's dry run.

    .venv/bin/python bench/fuzz_imports.py [--examples N] [--kinds a,b] [--seed S]    # default 200 per kind
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pcc_bench .venv/bin/python bench/fuzz_imports.py

The files are drawn by ``tests/imports/fuzz.py`` with hypothesis (profile ``fuzz``): CSV, XLSX and
ODS files of each kind built from its export of the loaded PCC, spoiled with wrong types, hostile
cells, missing or extra columns, blank rows, duplicate keys, odd encodings and stray bytes. Each
runs as the import page runs it (``import_start``, ``import_dry_run``) on a throwaway test database
(``test_<name>``, migrated, the PCC loaded, then dropped).

Printed: files, accepted (checked without an error), refused (by the msgid of the first error:
the file's reason, or the first row's), server errors (an exception, an "unexpected error" or an
error logged), refusals with an error that has no message or no place, dry runs that wrote rows,
seconds; a few examples of each failure. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
os.environ.setdefault("HYPOTHESIS_PROFILE", "fuzz")


def fuzz(importer, user, rows, outcomes: list, failures: list, *, examples: int, random_seed: int) -> None:
    """Run ``examples`` generated files of ``importer``'s kind, adding each outcome (and each failure)."""
    from hypothesis import given, seed, settings

    from tests.imports.fuzz import PROFILE, cases, run_case

    @seed(random_seed)
    @settings(parent=settings.get_profile(PROFILE), max_examples=examples)
    @given(case=cases(importer, rows))
    def run(case):
        outcome = run_case(case, user)
        outcomes.append(outcome)
        if outcome.server_error or outcome.unlocated() or outcome.written:
            failures.append((case, outcome))

    run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="files per kind")
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: every kind)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings as django_settings
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from agreements.models import Role
    from core.loading import load_programme
    from core.models import Organisation
    from imports.registry import registry
    from tests.factories import UserFactory
    from tests.imports.fuzz import base_rows, tally

    django_settings.DEBUG = False
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
    outcomes, failures = [], []
    per_kind = {}
    started = time.perf_counter()
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        with tempfile.TemporaryDirectory() as media:
            django_settings.MEDIA_ROOT = media
            load_programme(BASE_DIR / "fixtures" / "pcc")
            cosude, prosur = (Organisation.objects.get(acronym=a) for a in ("COSUDE", "PROSUR"))
            admin = UserFactory(
                username="admin", is_superuser=True, is_staff=True, membership=(cosude, Role.ADMINISTRATOR)
            )
            editor = UserFactory(username="prosur", membership=(prosur, Role.PARTNER_EDITOR))
            kinds = [k for k in registry() if not args.kinds or k in args.kinds.split(",")]
            for kind in kinds:
                importer = registry()[kind]
                user = admin if importer.can_import(admin) else editor
                rows = base_rows(importer, user)
                kind_started = time.perf_counter()
                before = len(outcomes)
                fuzz(importer, user, rows, outcomes, failures, examples=args.examples, random_seed=args.seed)
                per_kind[kind] = {
                    "files": len(outcomes) - before,
                    "seconds": round(time.perf_counter() - kind_started, 1),
                }
                print(f"{kind}: {per_kind[kind]['files']} files in {per_kind[kind]['seconds']} s", flush=True)
    finally:
        teardown_databases(old_config, verbosity=0)
    seconds = time.perf_counter() - started
    counts = tally(outcomes)
    print(
        f"\n{counts['files']} files in {seconds:.0f} s: {counts['accepted']} accepted, {counts['refused']} "
        f"refused, {counts['server_errors']} server errors, {counts['unlocated']} with an unlocated error, "
        f"{counts['written']} dry runs that wrote rows"
    )
    print("refused by reason (first error):")
    for reason, count in counts["refused_by_reason"].items():
        print(f"  {count:6d}  {reason[:110]}")
    for case, outcome in failures[:10]:
        print(f"\nFAILED {case.name} spoiled by {case.spoiled}")
        print(f"  crash={outcome.crash!r} logged={outcome.logged[:1]} message={outcome.message[:200]!r}")
        print(f"  unlocated={outcome.unlocated()[:2]} written={outcome.written}")
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "files": counts["files"],
                "accepted": counts["accepted"],
                "refused": counts["refused"],
                "server_errors": counts["server_errors"],
                "unlocated": counts["unlocated"],
                "written": counts["written"],
                "seconds": round(seconds, 1),
                "refused_by_reason": counts["refused_by_reason"],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
