"""Real-browser tests: Playwright drives Debian's Chromium against Django's live server.

Skipped with a reason where /usr/bin/chromium is missing (``.ci/run`` installs it).
"""

import os
import shutil
from pathlib import Path

import pytest

from agreements.models import Role
from core.loading import load_programme
from core.models import Organisation
from tests.conftest import PCC_FOLDER
from tests.factories import UserFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
# An ordinary run keeps its screenshots out of the repository; scripts/screenshots.sh sets
# PCC_SCREENSHOTS=docs/screenshots to renew the README's.
SCREENSHOTS = ROOT / os.environ.get("PCC_SCREENSHOTS", "test-artifacts/screenshots")
PASSWORD = "pw-test-123"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture
def pcc_live(transactional_db, live_server):
    load_programme(PCC_FOLDER)
    users = {
        "staff": UserFactory(
            username="staff", membership=(Organisation.objects.get(acronym="COSUDE"), Role.PROGRAMME_STAFF)
        ),
        "prosur": UserFactory(
            username="prosur", membership=(Organisation.objects.get(acronym="PROSUR"), Role.PARTNER_EDITOR)
        ),
    }
    return live_server, users


@pytest.fixture
def sign_in():
    def _sign_in(page, live_server, username):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return _sign_in


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    return _shot
