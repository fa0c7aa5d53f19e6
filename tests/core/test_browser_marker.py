"""`-m browser` selects the real-browser tests and `-m "not browser"` leaves them out, and the tests that
empty the database run after all the others (tests/conftest.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The browser tests and one ordinary module, so both selections have something to choose from.
PATHS = ["tests/browser", "tests/core/test_settings.py"]


def collected(marker: str, paths=PATHS) -> list[str]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            marker,
            *paths,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


@pytest.mark.parametrize(
    ("marker", "in_browser_folder"),
    [("browser", True), ("not browser", False)],
)
def test_the_browser_marker_selects_exactly_the_tests_in_tests_browser(marker, in_browser_folder):
    ids = collected(marker)
    assert ids, f"-m {marker!r} collected nothing"
    assert {item.startswith("tests/browser/") for item in ids} == {in_browser_folder}


def test_tests_that_empty_the_database_run_after_every_test_that_shares_the_loaded_pcc():
    # A browser test run among the others made each later test reload the PCC: CI took over 90 minutes.
    ids = collected("", ["tests"])
    emptying = [i for i, item in enumerate(ids) if item.startswith("tests/browser/")]
    sharing = [
        i
        for i, item in enumerate(ids)
        if item.startswith(("tests/results/test_plan_pages.py", "tests/reports/"))
    ]
    assert emptying and sharing
    assert max(sharing) < min(emptying)
