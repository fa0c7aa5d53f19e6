"""`-m browser` selects the real-browser tests and `-m "not browser"` leaves them out (tests/conftest.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The browser tests and one ordinary module, so both selections have something to choose from.
PATHS = ["tests/browser", "tests/core/test_settings.py"]


def collected(marker: str) -> list[str]:
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
            *PATHS,
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
