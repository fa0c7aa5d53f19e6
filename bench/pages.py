#!/usr/bin/env python
"""Benchmark: every list and dashboard at growing portfolio sizes: median wall ms, CPU ms and queries.

    .venv/bin/python bench/pages.py                          # quick: 1 and 20 programmes
    .venv/bin/python bench/pages.py --sizes 1,200,1000,2000  # the issue's sizes (or --full)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pcc_bench .venv/bin/python bench/pages.py --full

The database is a throwaway one built by Django's test machinery (``test_<name>``, migrated, then
dropped), on whatever ``DATABASE_URL`` names. It holds the PCC (``fixtures/pcc``, reconciled), then
``generate_portfolio`` adds programmes in which COSUDE takes part until there are as many as the next
size. Each page is requested ``--repeat`` times through Django's test client (after one warm-up request,
which also fills the caches a page keeps) by programme staff of every programme (COSUDE), or the PROSUR
partner editor of the PCC. Wall and CPU (``time.process_time``: this process's Python, templates and
driver, not PostgreSQL's) are medians; the query count is the last request's. A page about one
programme (the PCC's dashboard, reconciliation, a plan) should cost the same at every size.
The last line of the output is one JSON object: per page and size, queries, median wall and CPU ms.
"""

from __future__ import annotations

import argparse
import datetime
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

QUICK_SIZES = [1, 20]
FULL_SIZES = [1, 200, 1000, 2000]

# Placeholders of PAGES' arguments, set once the bench has made them: PROSUR's approved October 2008
# financial report and its November draft.
REPORT, REPORT_DRAFT = "<report>", "<draft>"
OBJECTS: dict[str, object] = {}

# name, URL name, args, query string, who. Every list and dashboard; the PCC's pages are about one
# programme, the lists and the portfolio span every programme the user takes part in.
PAGES = [
    ("programme_list", "agreements:programme_list", [], "", "staff"),
    ("programme_detail", "agreements:programme_detail", ["pcc"], "", "staff"),
    ("portfolio", "reports:portfolio", [], "", "staff"),
    ("programme_dashboard", "reports:programme_dashboard", ["pcc"], "", "staff"),
    ("partner_dashboard", "reports:partner_dashboard", [], "", "partner"),
    ("partner_dashboard_staff", "reports:partner_dashboard", [], "partner=PROSUR", "staff"),
    ("budget_overview", "budgets:overview", ["pcc"], "", "staff"),
    ("reconciliation", "budgets:reconciliation", ["pcc"], "", "staff"),
    ("reconciliation_partner", "budgets:reconciliation", ["pcc"], "", "partner"),
    ("budget_table", "budgets:table", ["pcc", "programa-cuadro-1"], "", "staff"),
    ("plan_list", "results:plan_list", [], "", "staff"),
    ("plan_list_partner", "results:plan_list", [], "", "partner"),
    ("plan_detail", "results:plan_detail", ["poa-prosur-2008"], "", "staff"),
    ("schedule", "results:schedule", ["poa-prosur-2008"], "", "staff"),
    ("review_queue", "results:review_queue", [], "", "staff"),
    ("period_list", "results:period_list", [], "", "staff"),
    ("financial_reports", "finance:report_list", ["pcc"], "", "staff"),
    ("financial_report", "finance:report_detail", [REPORT], "", "staff"),
    ("financial_report_edit", "finance:report_edit", [REPORT_DRAFT], "", "partner"),
    ("disbursements", "finance:disbursement_list", ["pcc"], "", "staff"),
    ("balance", "finance:balance", ["pcc", "PROSUR"], "", "partner"),
    ("budget_versions", "finance:versions", ["pcc"], "", "staff"),
]


def measure(clients: dict, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    results = {}
    for name, url_name, args, query, who in PAGES:
        client = clients[who]
        url = reverse(url_name, args=[OBJECTS.get(a, a) for a in args]) + (f"?{query}" if query else "")
        response = client.get(url)  # warm-up: templates, caches
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        wall, cpu = [], []
        queries = 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                cpu.append((time.process_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
            queries = len(captured)
        results[name] = {
            "queries": queries,
            "wall_ms": round(statistics.median(wall), 1),
            "cpu_ms": round(statistics.median(cpu), 1),
            "kb": round(len(response.content) / 1024),
        }
    return results


def _financial_reports(pcc, partner_user, staff) -> None:
    """PROSUR's October report (every line spent, approved), its November draft and a transfer."""
    from decimal import Decimal

    from djmoney.money import Money

    from core.models import Organisation
    from finance import services
    from results.models import ReportingPeriod

    prosur = Organisation.objects.get(acronym="PROSUR")
    reports = []
    for month in (10, 11):
        period = ReportingPeriod.objects.get(programme=pcc, start_date=f"2008-{month:02d}-01")
        report = services.report_create(
            user=partner_user, programme=pcc, partner=prosur, period=period, currency="CHF"
        )
        spent = {line.budget_row_id: Decimal(100) for line in report.lines.all()}
        reports.append(services.report_update(report=report, user=partner_user, spent=spent))
    services.report_approve(report=services.report_submit(report=reports[0], user=partner_user), user=staff)
    services.disbursement_create(
        user=staff,
        programme=pcc,
        partner=prosur,
        date=datetime.date(2008, 9, 5),
        amount=Money(10000, "CHF"),
        reference="BENCH-1",
    )
    OBJECTS[REPORT], OBJECTS[REPORT_DRAFT] = reports[0].pk, reports[1].pk


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes are programme counts of at least 1, e.g. 1,200,1000")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=QUICK_SIZES,
        help="programme counts to measure at, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--full", action="store_true", help=f"the sizes {FULL_SIZES}")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes_wanted = FULL_SIZES if args.full else args.sizes

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
    sizes: dict[int, dict] = {}
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
        cosude = Organisation.objects.get(acronym="COSUDE")
        clients = {}
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
            clients[who] = client
        staff = User.objects.get(username="bench-staff")
        _financial_reports(pcc, User.objects.get(username="bench-partner"), staff)
        for size in sizes_wanted:
            missing = size - Programme.objects.count()
            if missing > 0:
                started = time.perf_counter()
                generate_portfolio(programmes=missing, seed=args.seed + size, donor="COSUDE")
                # The staff user is programme staff of every generated programme (roles are per programme).
                Membership.objects.bulk_create(
                    Membership(
                        user=staff, programme=programme, organisation=cosude, role=Role.PROGRAMME_STAFF
                    )
                    for programme in Programme.objects.exclude(memberships__user=staff)
                )
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":
                        cursor.execute("ANALYZE")
                print(f"generated {missing} programmes in {time.perf_counter() - started:.1f} s")
            count = Programme.objects.count()
            started = time.perf_counter()
            sizes[count] = measure(clients, args.repeat)
            print(
                f"measured {len(PAGES)} pages at {count} programmes in {time.perf_counter() - started:.1f} s"
            )
    finally:
        teardown_databases(old_config, verbosity=0)

    counts = list(sizes)
    header = f"{'page':<25}" + "".join(f"{f'@{n} q':>9}{'wall':>8}{'cpu':>8}" for n in counts)
    print(header)
    print("-" * len(header))
    for name, *_rest in PAGES:
        print(
            f"{name:<25}"
            + "".join(
                f"{sizes[n][name]['queries']:>9}{sizes[n][name]['wall_ms']:>8.1f}{sizes[n][name]['cpu_ms']:>8.1f}"
                for n in counts
            )
        )
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "repeat": args.repeat,
                "sizes": counts,
                "pages": {name: {str(n): sizes[n][name] for n in counts} for name, *_rest in PAGES},
            }
        )
    )


if __name__ == "__main__":
    main()
