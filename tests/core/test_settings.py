import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pcc.env import read_bool, read_database, read_int, read_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw, expected", [("true", True), ("1", True), ("ON", True), ("false", False), ("0", False)])
def test_booleans_are_read_strictly(raw, expected):
    assert read_bool("DEBUG", False, {"DEBUG": raw}) is expected


def test_a_misspelt_boolean_is_refused_with_its_name_and_value():
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='ture' is not a boolean"):
        read_bool("DEBUG", False, {"DEBUG": "ture"})


def test_a_non_numeric_integer_is_refused():
    with pytest.raises(ImproperlyConfigured, match="CONN_MAX_AGE='ten' is not a whole number"):
        read_int("CONN_MAX_AGE", 0, {"CONN_MAX_AGE": "ten"})


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
