#!/usr/bin/env python
"""Benchmark: the main pages at 1 and at 200 programmes, queries and median server time.

    .venv/bin/python bench/pages.py [--programmes 200] [--repeat 7] [--seed 1]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pcc_bench .venv/bin/python bench/pages.py

The database is a throwaway one built by Django's test machinery (``test_<name>``, migrated, then
dropped), on whatever ``DATABASE_URL`` names. It holds the PCC (``fixtures/pcc``, reconciled), then
``generate_portfolio`` adds programmes in which COSUDE takes part until there are ``--programmes``.
Each page is requested ``--repeat`` times through Django's test client (after one warm-up request) by
programme staff (COSUDE) or the PROSUR partner editor; the query count is that of the last request.
The last line of the output is one JSON object: per page, queries and median ms at each size.
"""

from __future__ import annotations

import argparse
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
# The test client speaks plain HTTP: production's HTTPS redirect and secure cookies would answer 301.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")

# name, URL name, args, query string, who
PAGES = [
    ("portfolio", "reports:portfolio", [], "", "staff"),
    ("programme_dashboard", "reports:programme_dashboard", ["pcc"], "", "staff"),
    ("partner_dashboard", "reports:partner_dashboard", [], "", "partner"),
    ("budgets_reconciliation", "budgets:reconciliation", ["pcc"], "", "staff"),
    ("results_plan_list", "results:plan_list", [], "", "staff"),
]


def measure(clients: dict, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    results = {}
    for name, url_name, args, query, who in PAGES:
        client = clients[who]
        url = reverse(url_name, args=args) + (f"?{query}" if query else "")
        response = client.get(url)  # warm-up: templates, caches
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        times = []
        queries = 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            queries = len(captured)
        results[name] = {"queries": queries, "median_ms": round(statistics.median(times), 1)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programmes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import tempfile

    # Pages are measured as production serves them: hashed static files from a collected STATIC_ROOT.
    os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="pcc-bench-static-"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    settings.DEBUG = False
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from agreements.models import Membership, Programme, Role
        from core.loading import load_programme
        from core.models import Organisation, User
        from reconciliation.engine import reconcile
        from reports.synthetic import generate_portfolio

        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        started = time.perf_counter()
        pcc = load_programme(BASE_DIR / "fixtures" / "pcc").programme
        reconcile(pcc)
        print(f"loaded and reconciled the PCC in {time.perf_counter() - started:.1f} s")
        users = {}
        for who, acronym, role in (
            ("staff", "COSUDE", Role.PROGRAMME_STAFF),
            ("partner", "PROSUR", Role.PARTNER_EDITOR),
        ):
            user = User.objects.create_user(f"bench-{who}", password="bench-password-1")
            Membership.objects.create(
                user=user, programme=pcc, organisation=Organisation.objects.get(acronym=acronym), role=role
            )
            client = Client()
            client.force_login(user)
            users[who] = client

        sizes = {}
        sizes[Programme.objects.count()] = measure(users, args.repeat)
        missing = args.programmes - Programme.objects.count()
        if missing > 0:
            started = time.perf_counter()
            generate_portfolio(programmes=missing, seed=args.seed, donor="COSUDE")
            # COSUDE's bench user is programme staff of every generated programme (roles are per programme).
            staff = User.objects.get(username="bench-staff")
            Membership.objects.bulk_create(
                Membership(
                    user=staff,
                    programme=programme,
                    organisation=Organisation.objects.get(acronym="COSUDE"),
                    role=Role.PROGRAMME_STAFF,
                )
                for programme in Programme.objects.exclude(pk=pcc.pk)
            )
            print(f"generated {missing} programmes in {time.perf_counter() - started:.1f} s")
            sizes[Programme.objects.count()] = measure(users, args.repeat)
    finally:
        teardown_databases(old_config, verbosity=0)

    counts = list(sizes)
    header = f"{'page':<24}" + "".join(f"{f'queries@{n}':>13}{f'ms@{n}':>10}" for n in counts)
    print(header)
    print("-" * len(header))
    for name, *_rest in PAGES:
        print(
            f"{name:<24}"
            + "".join(f"{sizes[n][name]['queries']:>13}{sizes[n][name]['median_ms']:>10.1f}" for n in counts)
        )
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "repeat": args.repeat,
                "pages": {name: {str(n): sizes[n][name] for n in counts} for name, *_rest in PAGES},
            }
        )
    )


if __name__ == "__main__":
    main()
