"""Scale-out on loopback (issue #14, item 5): two web processes and two task workers on one PostgreSQL.

Two gunicorn processes (as ``scripts/serve.sh`` runs them, production settings, each on its own port)
and two ``manage.py db_worker`` processes share the test database, the media folder and the secret
key. A user logs in on the first web process and goes on, with the same session cookie, on the
second; uploads sent to both in turn are checked by the workers in the background, each exactly once.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django_tasks_db.models import DBTaskResult

from core.models import ImportRecord, ImportStatus, StatusChange
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
JOBS = 20
ROWS = 1_000  # each file ~560 KB: past the size checked in the request, so a worker checks it
PASSWORD = "scale-out-1234"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="processes sharing one database need a database server",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(tmp_path: Path) -> dict[str, str]:
    settings_dict = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        # Production settings, as on a server: only plain HTTP on loopback and no HSTS.
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),  # the same in every process: sessions are signed with it
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=(
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        ),
        MEDIA_ROOT=str(tmp_path / "media"),  # shared: a web process stores the upload, a worker reads it
        DJANGO_SETTINGS_MODULE="tests.scale_out_settings",  # pcc.settings with the static files uncollected
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        LOG_LEVEL="WARNING",
    )
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


class Browser:
    """A client of one web process that keeps its cookies itself (so they can be handed to another)."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})

    def request(
        self, method: str, path: str, body: bytes = b"", content_type: str = ""
    ) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers.get("Location", ""), text

    def csrf(self, path: str) -> str:
        status, _location, page = self.request("GET", path)
        assert status == 200, (path, status)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def post(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, (filename, data) in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: text/csv\r\n\r\n".encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, f"multipart/form-data; boundary={boundary}")


def rates_csv(job: int) -> bytes:
    lines = ["code,base_currency,quote_currency,rate,valid_from,valid_to,description"]
    note = "x" * 480
    lines += [f"scale-{job}-{n},CHF,PEN,2.{n % 100:02d},2008-09-01,2008-12-31,{note}" for n in range(ROWS)]
    return ("\r\n".join(lines) + "\r\n").encode()


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_two_web_processes_share_the_session_and_two_workers_run_each_job_once(tmp_path):
    user = UserFactory(username="scale", is_superuser=True, is_staff=True)
    # Hashed as production hashes it (the tests' settings use a fast hasher the servers do not know).
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save()
    env = environment(tmp_path)
    python = sys.executable
    ports = [free_port(), free_port()]
    processes = [
        start(
            [
                python,
                "-m",
                "gunicorn",
                "pcc.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            env,
            tmp_path / f"web-{index}.log",
        )
        for index, port in enumerate(ports, start=1)
    ] + [
        start(
            [
                python,
                "manage.py",
                "db_worker",
                "--interval",
                "0.2",
                "--no-startup-delay",
                "--worker-id",
                name,
            ],
            env,
            tmp_path / f"{name}.log",
        )
        for name in ("worker-1", "worker-2")
    ]
    try:
        for port in ports:
            wait_until(lambda port=port: answers(port), 60, f"gunicorn on port {port}")

        # Logged in on web 1 ...
        first = Browser(ports[0])
        token = first.csrf("/accounts/login/")
        status, location, _ = first.post(
            "/accounts/login/", {"csrfmiddlewaretoken": token, "username": "scale", "password": PASSWORD}
        )
        assert status == 302 and "login" not in location, "the login on web 1 failed"
        # ... and still logged in on web 2 with the same cookie: the session is in the database.
        second = Browser(ports[1], first.cookies)
        assert second.request("GET", "/imports/")[0] == 200
        assert Browser(ports[1]).request("GET", "/imports/")[0] == 302  # without the cookie: to the login

        # Uploads to both web processes in turn; each is too large to check in the request.
        for job in range(JOBS):
            browser = (first, second)[job % 2]
            token = browser.csrf("/imports/")
            status, location, _ = browser.post(
                "/imports/",
                {"csrfmiddlewaretoken": token, "kind": "exchange-rates", "locale": "dot"},
                {"file": (f"rates-{job}.csv", rates_csv(job))},
            )
            assert status == 302 and "/job/" in location, (job, status, location)
        records = ImportRecord.objects.filter(user=user)
        assert records.count() == JOBS
        wait_until(lambda: not records.filter(status=ImportStatus.PENDING).exists(), 120, "the workers")
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    # Every job checked its file, once: one claim by one worker, one move to "checked".
    assert (
        sorted(records.values_list("status", "created_count", "error_count"))
        == [(ImportStatus.DRY_RUN, ROWS, 0)] * JOBS
    )
    tasks = DBTaskResult.objects.filter(id__in=[r.task_id for r in records])
    assert tasks.count() == JOBS
    assert sorted(len(task.worker_ids) for task in tasks) == [1] * JOBS
    assert {task.status for task in tasks} == {"SUCCESSFUL"}
    checked = StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(ImportRecord),
        object_id__in=records.values("pk"),
        to_status=ImportStatus.DRY_RUN,
    )
    assert sorted(checked.values_list("object_id", flat=True)) == sorted(records.values_list("pk", flat=True))
    # Both workers took jobs.
    workers = {task.worker_ids[0] for task in tasks}
    assert workers == {"worker-1", "worker-2"}, json.dumps(sorted(workers))
