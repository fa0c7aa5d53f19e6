"""Standard actors and the loaded PCC programme.

Actors (all on the PCC once ``pcc`` is loaded): ``staff_user`` (COSUDE, programme staff),
``partner_a_user`` (PROSUR editor), ``partner_a_viewer`` (PROSUR viewer), ``partner_b_user``
(AMPEX editor), ``admin_user`` (administrator), and Django's ``client`` as anonymous.
"""

from pathlib import Path

import pytest
from django.utils import translation

from agreements.models import Programme, Role
from core.loading import load_programme
from core.models import Organisation
from tests.factories import UserFactory

PCC_FOLDER = Path(__file__).resolve().parent.parent / "fixtures" / "pcc"
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the PCC once into the test database; each test then runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        load_programme(PCC_FOLDER)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # A `pytestmark` in a conftest marks nothing: the browser tests are marked here, before `-m` selects.
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


def _empties_database(item) -> bool:
    """A transactional test (a live-server browser test, a `django_db(transaction=True)` one) empties the
    database when it ends, as pytest-django decides it."""
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    by_marker = marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    )
    return bool(by_marker) or "transactional_db" in fixtures or "live_server" in fixtures


class _TransactionalLast:
    """Transactional tests empty the database when they end; they run after every other one so the
    session's loaded PCC serves the rest (`pcc` reloads it if it is gone, at several seconds a test).
    Last of all the hooks: pytest's own reordering by parametrized session fixtures (Playwright's
    browser) would otherwise move the browser tests back between the others."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        items.sort(key=_empties_database)


def pytest_configure(config):
    config.pluginmanager.register(_TransactionalLast(), "pcc-transactional-last")


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a management command run by an earlier test (call_command
    deactivates translations) or a request in English would otherwise leave its language behind."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: what an earlier test's pages cached (a programme's figures,
    keyed by its pk and figures version, both of which a rolled-back test can hand out again) is gone."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def pcc(db, django_capture_on_commit_callbacks):
    """The PCC programme loaded from fixtures/pcc (and reconciled), as a user would have it."""
    programme = Programme.objects.filter(code="pcc").first()
    if programme is None:
        # As after `load_programme`: the reconciliation runs when the load commits, so no run is left
        # pending in the test's transaction for a later change to join.
        with django_capture_on_commit_callbacks(execute=True):
            programme = load_programme(PCC_FOLDER).programme
    return programme


@pytest.fixture
def staff_user(pcc):
    return UserFactory(
        username="staff", membership=(Organisation.objects.get(acronym="COSUDE"), Role.PROGRAMME_STAFF)
    )


@pytest.fixture
def partner_a_user(pcc):
    return UserFactory(
        username="prosur", membership=(Organisation.objects.get(acronym="PROSUR"), Role.PARTNER_EDITOR)
    )


@pytest.fixture
def partner_a_viewer(pcc):
    return UserFactory(
        username="prosur-viewer", membership=(Organisation.objects.get(acronym="PROSUR"), Role.PARTNER_VIEWER)
    )


@pytest.fixture
def partner_b_user(pcc):
    return UserFactory(
        username="ampex", membership=(Organisation.objects.get(acronym="AMPEX"), Role.PARTNER_EDITOR)
    )


@pytest.fixture
def admin_user(pcc):
    return UserFactory(
        username="admin",
        is_superuser=True,
        is_staff=True,
        membership=(Organisation.objects.get(acronym="COSUDE"), Role.ADMINISTRATOR),
    )


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
