#!/usr/bin/env python
"""Load test: gunicorn on PostgreSQL with the PCC and the demo users, driven by locust (headless).

    .venv/bin/pip install -e ".[bench]"      # locust
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pcc_load .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --users 50 --duration 60 --workers 2

The database ``DATABASE_URL`` names (PostgreSQL; created when missing) is migrated, the PCC loaded
(``load_programme``, safe to run again) and the demo users created (``create_demo_users``). gunicorn then
serves the app as production does (``DEBUG=false``, static files collected and served by WhiteNoise, only
plain HTTP: no HTTPS redirect) with ``--workers`` processes, and locust runs ``--users`` concurrent clients
for ``--duration`` seconds: programme staff (``staff``) and the PROSUR partner editor (``prosur``), each
client with its own session of that user (made beforehand: a password check costs about a second of
CPU by design and would measure logins, not pages), going through the main pages with a pause of 0.5-1.5 s between
requests. Printed: per page and overall, requests, errors, req/s, p50, p95 and p99 in ms (locust's
percentiles); the last line is one JSON object with the overall figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/pcc_load"
DEMO_USERS = ("staff", "prosur")

# Sessions as the login form leaves them, made without the form: checking a password costs about a
# second of CPU by design (PBKDF2), which would measure logins, not pages.
SESSIONS_SCRIPT = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from core.models import User
sessions = {}
for name in sys.argv[1].split(","):
    user = User.objects.get(username=name)
    keys = []
    for _ in range(int(sys.argv[2])):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    sessions[name] = keys
print(json.dumps(sessions))
"""

LOCUSTFILE = """
import re
from locust import HttpUser, between, task

SESSIONS = {sessions!r}  # per demo user: session keys made beforehand (bench/load.py)
COUNTER = {{}}


class LoggedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)
    username = ""

    def on_start(self):
        # Each client its own session of the demo user, as after the login form.
        keys = SESSIONS[self.username]
        n = COUNTER.get(self.username, 0)
        COUNTER[self.username] = n + 1
        self.client.cookies.set("sessionid", keys[n % len(keys)])

    def page(self, path, name):
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {{response.status_code}}")


class Staff(LoggedIn):
    weight = 3
    username = "staff"

    @task(4)
    def programme_dashboard(self):
        self.page("/dashboards/pcc/", "programme dashboard")

    @task(3)
    def reconciliation(self):
        self.page("/budgets/pcc/reconciliation/", "reconciliation")

    @task(3)
    def plan_detail(self):
        self.page("/results/plans/poa-prosur-2008/", "plan detail")

    @task(2)
    def portfolio(self):
        self.page("/dashboards/", "portfolio")

    @task(2)
    def budget_overview(self):
        self.page("/budgets/pcc/", "budget overview")

    @task(1)
    def budget_table(self):
        self.page("/budgets/pcc/tables/programa-cuadro-1/", "budget table")

    @task(1)
    def review_queue(self):
        self.page("/results/review/", "review queue")

    @task(1)
    def plan_list(self):
        self.page("/results/", "plan list")


class Partner(LoggedIn):
    weight = 1
    username = "prosur"

    @task(3)
    def partner_dashboard(self):
        self.page("/dashboards/partner/", "partner dashboard")

    @task(2)
    def plan_detail(self):
        self.page("/results/plans/poa-prosur-2008/", "plan detail")

    @task(1)
    def reconciliation(self):
        self.page("/budgets/pcc/reconciliation/", "reconciliation")

    @task(1)
    def plan_list(self):
        self.page("/results/", "plan list")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    connection.close()


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds} s")


def read_stats(prefix: str) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def figures(row: dict) -> dict:
    return {
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
        "req_s": round(float(row["Requests/s"]), 1),
        "p50_ms": float(row["50%"] or 0),
        "p95_ms": float(row["95%"] or 0),
        "p99_ms": float(row["99%"] or 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--skip-setup", action="store_true", help="the database is already loaded")
    args = parser.parse_args()
    if shutil.which("locust", path=str(Path(PYTHON).parent)) is None:
        raise SystemExit('locust is not installed: .venv/bin/pip install -e ".[bench]"')

    database = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    if not database.startswith("postgres"):
        raise SystemExit("bench/load.py runs on PostgreSQL: set DATABASE_URL=postgres://…")
    work = Path(tempfile.mkdtemp(prefix="pcc-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "load-test-only-not-secret-" + "x" * 40),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(work / "static"),
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    if not args.skip_setup:
        ensure_database(database)
        started = time.perf_counter()
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_programme", "fixtures/pcc")
        manage({**env, "DEBUG": "true"}, "create_demo_users")  # refuses to run unless DEBUG=true
        print(f"database ready in {time.perf_counter() - started:.1f} s")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "pcc.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        wait_for(f"{host}/accounts/login/")
        locustfile = work / "locustfile.py"
        made = subprocess.run(
            [PYTHON, "-c", SESSIONS_SCRIPT, ",".join(DEMO_USERS), str(args.users)],
            cwd=BASE_DIR,
            env={**env, "DJANGO_SETTINGS_MODULE": "pcc.settings"},
            check=True,
            capture_output=True,
            text=True,
        )
        sessions = json.loads(made.stdout.strip().splitlines()[-1])
        locustfile.write_text(LOCUSTFILE.format(sessions=sessions))
        prefix = str(work / "locust")
        print(f"locust: {args.users} users for {args.duration} s against gunicorn ({args.workers} workers)")
        subprocess.run(
            [
                str(Path(PYTHON).parent / "locust"),
                "-f",
                str(locustfile),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.duration}s",
                "--host",
                host,
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=work,
            env=env,
            check=False,  # locust exits 1 when a request failed: the figures say so
            stdout=subprocess.DEVNULL,
        )
        rows = read_stats(prefix)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()

    header = f"{'page':<22}{'requests':>10}{'errors':>8}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}"
    print(header)
    print("-" * len(header))
    overall = None
    for row in rows:
        f = figures(row)
        name = row["Name"] if row["Name"] != "Aggregated" else "all"
        if row["Name"] == "Aggregated":
            overall = f
        print(
            f"{name:<22}{f['requests']:>10}{f['errors']:>8}{f['req_s']:>8.1f}"
            f"{f['p50_ms']:>8.0f}{f['p95_ms']:>8.0f}{f['p99_ms']:>8.0f}"
        )
    if overall is None:
        raise SystemExit("locust wrote no aggregated figures")
    pages = {row["Name"]: figures(row) for row in rows if row["Name"] != "Aggregated"}
    print(
        json.dumps(
            {
                "users": args.users,
                "duration_s": args.duration,
                "workers": args.workers,
                **overall,
                "pages": pages,
            }
        )
    )


if __name__ == "__main__":
    main()
