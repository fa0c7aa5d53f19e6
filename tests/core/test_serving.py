"""Serving like production: request ids in the logs, the Content-Security-Policy, the health check."""

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from core.middleware import RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def django_request_log():
    handler = _Records()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def _task(*, enqueued_ago: timedelta, status="READY", started_ago=None, finished_ago=None):
    now = timezone.now()
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="reports.tasks.render_report",
        backend_name="default",
        run_after=get_date_max(),
        status=status,
    )
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=now - enqueued_ago,
        started_at=now - started_ago if started_ago is not None else None,
        finished_at=now - finished_ago if finished_ago is not None else None,
    )
    return task


# ---- request ids ----


@pytest.mark.django_db
def test_a_request_without_an_id_gets_a_fresh_one_on_the_response(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept(client):
    response = client.get("/accounts/login/", headers={"X-Request-ID": "lb-7f3a.42"})
    assert response["X-Request-ID"] == "lb-7f3a.42"


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["two words", "x" * 129, "id\r\nSet-Cookie: a=b", ""])
def test_a_request_id_that_could_break_a_log_line_is_replaced(client, given):
    response = client.get("/accounts/login/", headers={"X-Request-ID": given})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_django_logs_the_request_with_its_id_even_after_the_middleware_returned(
    client, settings, django_request_log
):
    # A 503 from /healthz is logged by Django's handler once the middleware chain has answered.
    settings.WORKER_STALE_SECONDS = 600
    _task(enqueued_ago=timedelta(hours=1))
    response = client.get("/healthz", headers={"X-Request-ID": "probe-1"})
    assert response.status_code == 503
    assert [r.request_id for r in django_request_log] == ["probe-1"]


def test_outside_a_request_the_log_records_carry_a_dash():
    record = logging.LogRecord("pcc", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


# ---- Content-Security-Policy ----


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_inline_script(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy


def test_no_template_served_to_browsers_has_inline_script_or_style():
    # The PDF templates are read by WeasyPrint, not by a browser under the policy.
    offending = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "pdf" in path.relative_to(ROOT / "templates").parts:
            continue
        text = path.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)(?![^>]*application/json)",
            r"\sstyle=",
            r"<style",
            r"\son[a-z]+=",
        ):
            offending += [f"{path.relative_to(ROOT)}: {m.group(0)!r}" for m in re.finditer(pattern, text)]
    assert offending == []


# ---- /healthz ----


@pytest.mark.django_db
def test_the_health_check_is_ok_when_no_task_waits(client, django_assert_max_num_queries):
    _task(enqueued_ago=timedelta(seconds=30))  # just enqueued: the worker has time yet
    _task(enqueued_ago=timedelta(days=2), status="SUCCESSFUL", finished_ago=timedelta(days=2))
    with django_assert_max_num_queries(3):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_the_health_check_fails_when_tasks_wait_and_no_worker_was_seen(client, settings):
    settings.WORKER_STALE_SECONDS = 600
    _task(enqueued_ago=timedelta(hours=2))
    _task(enqueued_ago=timedelta(hours=1))
    _task(enqueued_ago=timedelta(days=1), status="SUCCESSFUL", finished_ago=timedelta(hours=3))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith("worker not seen: 2 tasks waiting since ")


@pytest.mark.django_db
def test_the_health_check_is_ok_while_a_seen_worker_works_through_a_queue(
    client, settings, django_assert_max_num_queries
):
    settings.WORKER_STALE_SECONDS = 600
    _task(enqueued_ago=timedelta(hours=1))
    _task(enqueued_ago=timedelta(hours=1), status="RUNNING", started_ago=timedelta(minutes=2))
    with django_assert_max_num_queries(3):
        response = client.get("/healthz")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_health_check_needs_no_login_and_follows_the_setting(client, settings):
    _task(enqueued_ago=timedelta(minutes=5))
    settings.WORKER_STALE_SECONDS = 600
    assert client.get("/healthz").status_code == 200
    settings.WORKER_STALE_SECONDS = 60
    assert client.get("/healthz").status_code == 503
