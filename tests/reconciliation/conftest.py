import pytest

from reconciliation.engine import reconcile


@pytest.fixture
def findings(pcc):
    """The PCC reconciled once: the current findings."""
    return reconcile(pcc)
