import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pcc.env import read_bool, read_database, read_int, read_list, read_proxy_ssl_header

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "raw, expected", [("true", True), ("1", True), ("ON", True), ("false", False), ("0", False)]
)
def test_booleans_are_read_strictly(raw, expected):
    assert read_bool("DEBUG", False, {"DEBUG": raw}) is expected


def test_a_misspelt_boolean_is_refused_with_its_name_and_value():
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='ture' is not a boolean"):
        read_bool("DEBUG", False, {"DEBUG": "ture"})


def test_a_non_numeric_integer_is_refused():
    with pytest.raises(ImproperlyConfigured, match="CONN_MAX_AGE='ten' is not a whole number"):
        read_int("CONN_MAX_AGE", 0, {"CONN_MAX_AGE": "ten"})


def test_an_integer_below_its_minimum_is_refused():
    with pytest.raises(ImproperlyConfigured, match="LOGIN_FAILURE_LIMIT='0' must be at least 1"):
        read_int("LOGIN_FAILURE_LIMIT", 5, {"LOGIN_FAILURE_LIMIT": "0"}, minimum=1)


def test_the_proxy_ssl_header_is_off_unless_named():
    assert read_proxy_ssl_header("SECURE_PROXY_SSL_HEADER", {}) is None
    header = read_proxy_ssl_header(
        "SECURE_PROXY_SSL_HEADER", {"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}
    )
    assert header == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize(
    "raw", ["X-Forwarded-Proto", "http_x_forwarded_proto", "HTTP_X_FORWARDED_PROTO,https"]
)
def test_a_proxy_ssl_header_that_is_not_a_header_name_is_refused(raw):
    with pytest.raises(ImproperlyConfigured, match="SECURE_PROXY_SSL_HEADER=.* is not a request header name"):
        read_proxy_ssl_header("SECURE_PROXY_SSL_HEADER", {"SECURE_PROXY_SSL_HEADER": raw})


def test_allowed_hosts_are_split_on_commas():
    assert read_list("ALLOWED_HOSTS", [], {"ALLOWED_HOSTS": "pcc.example.org, localhost"}) == [
        "pcc.example.org",
        "localhost",
    ]


def test_database_url_selects_postgresql():
    config = read_database("DATABASE_URL", "", {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/pcc"})
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "pcc"


@pytest.mark.parametrize("url", ["bogus://x/y", "not a url", "postgres://host:5432/"])
def test_a_bad_database_url_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        read_database("DATABASE_URL", "", {"DATABASE_URL": url})


def _manage_check(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_app_refuses_to_start_on_a_bad_debug_value():
    result = _manage_check({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    result = _manage_check({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_settings_start_on_sqlite_by_default():
    result = _manage_check({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


# Every variable the README's settings table names, so the environment of the test run leaks into none of
# the subprocesses below.
SETTINGS_VARIABLES = set(re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "README.md").read_text(), flags=re.M))


def _documented_production_environment(tmp_path):
    """The variables the README exports in "Running on PostgreSQL", with a fresh key and a throw-away database."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running on PostgreSQL", 1)[1].split("\n## ", 1)[0]
    documented = {}
    for line in section.splitlines():
        if line.startswith("export "):
            documented.update(word.split("=", 1) for word in shlex.split(line)[1:])
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"} <= documented.keys()
    return documented | {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'pcc.sqlite3'}",
    }


def _manage(args, env_overrides):
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for the live server; a deployment never does.
    leave_out = SETTINGS_VARIABLES | {"CONN_MAX_AGE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in leave_out}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_every_variable_in_the_readme_table_is_read_by_the_settings_or_the_serve_script():
    settings_source = (ROOT / "pcc" / "settings.py").read_text()
    serve_source = (ROOT / "scripts" / "serve.sh").read_text()
    unread = {
        name
        for name in SETTINGS_VARIABLES
        if f'"{name}"' not in settings_source and f"${{{name}:-" not in serve_source
    }
    assert unread == set()


def test_the_import_size_limit_is_read_from_the_environment(tmp_path):
    result = _manage(
        ["shell", "-c", "from core.spreadsheets import readers; print(readers.MAX_FILE_BYTES)"],
        _documented_production_environment(tmp_path) | {"PCC_IMPORT_MAX_BYTES": "1048576"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "1048576"


def test_the_documented_production_environment_passes_the_deployment_checks(tmp_path):
    environment = _documented_production_environment(tmp_path)
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_redirect_to_https_and_send_hsts(tmp_path):
    result = _manage(
        [
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
            "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)",
        ],
        _documented_production_environment(tmp_path) | {"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"},
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip().splitlines()[-1]
    assert printed == "True 31536000 True True True ('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SECURE_HSTS_SECONDS", "abc", "SECURE_HSTS_SECONDS='abc' is not a whole number"),
        ("SECURE_HSTS_SECONDS", "-1", "SECURE_HSTS_SECONDS='-1' must be at least 0"),
        ("SECURE_SSL_REDIRECT", "sometimes", "SECURE_SSL_REDIRECT='sometimes' is not a boolean"),
        ("SECURE_HSTS_PRELOAD", "ja", "SECURE_HSTS_PRELOAD='ja' is not a boolean"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto", "SECURE_PROXY_SSL_HEADER='X-Forwarded-Proto'"),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT='0' must be at least 1"),
        ("LOGIN_COOLOFF_MINUTES", "15m", "LOGIN_COOLOFF_MINUTES='15m' is not a whole number"),
        ("PCC_IMPORT_MAX_BYTES", "50MB", "PCC_IMPORT_MAX_BYTES='50MB' is not a whole number"),
    ],
)
def test_a_bad_security_value_stops_the_app_with_its_name(tmp_path, variable, value, message):
    result = _manage(["check"], _documented_production_environment(tmp_path) | {variable: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_the_healthcheck_answers_over_plain_http_while_pages_redirect_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response.url.startswith("https://")


@pytest.mark.django_db
def test_behind_a_tls_proxy_the_forwarded_scheme_counts_as_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Frame-Options"] == "DENY"


def test_logs_are_text_with_a_timestamp_by_default(tmp_path):
    result = _manage(
        ["shell", "-c", "import logging; logging.getLogger('pcc.probe').warning('hello')"],
        _documented_production_environment(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ WARNING pcc.probe \[-\] hello$", result.stderr, re.M
    )


def test_log_format_json_writes_one_object_a_line_with_the_request_id(tmp_path):
    result = _manage(
        ["shell", "-c", "import logging; logging.getLogger('pcc.probe').warning('hello')"],
        _documented_production_environment(tmp_path) | {"LOG_FORMAT": "json"},
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if "pcc.probe" in line)
    record = json.loads(line)
    assert record | {"time": "…"} == {
        "time": "…",
        "level": "WARNING",
        "logger": "pcc.probe",
        "request_id": "-",
        "message": "hello",
    }


def test_an_unknown_log_format_is_refused(tmp_path):
    result = _manage(["check"], _documented_production_environment(tmp_path) | {"LOG_FORMAT": "xml"})
    assert result.returncode != 0
    assert "LOG_FORMAT='xml' must be 'text' or 'json'" in result.stderr


_SENTRY_STATE = (
    "import sys; from django.conf import settings; settings.SECRET_KEY; "
    "print('sentry_sdk' in sys.modules, 'sentry_sdk' in sys.modules and sys.modules['sentry_sdk'].is_initialized())"
)


def test_without_a_sentry_dsn_no_error_reporting_is_loaded(tmp_path):
    result = _manage(["shell", "-c", _SENTRY_STATE], _documented_production_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_a_sentry_dsn_starts_error_reporting_with_the_django_integration(tmp_path):
    pytest.importorskip("sentry_sdk", reason='the optional "sentry" extra is not installed')
    result = _manage(
        ["shell", "-c", _SENTRY_STATE],
        _documented_production_environment(tmp_path) | {"SENTRY_DSN": "https://public@sentry.invalid/1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True True"


def test_collectstatic_writes_hashed_compressed_files_for_production(tmp_path):
    static_root = tmp_path / "static"
    result = _manage(
        ["collectstatic", "--noinput"],
        _documented_production_environment(tmp_path) | {"STATIC_ROOT": str(static_root)},
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["pcc/pcc.css"]
    assert re.fullmatch(r"pcc/pcc\.[0-9a-f]{12}\.css", hashed)
    assert (static_root / f"{hashed}.gz").exists()
    assert {"pcc/pcc.js", "pcc/report-job.js", "pcc/import-job.js"} <= manifest.keys()
