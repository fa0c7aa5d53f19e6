import pytest

from reconciliation.engine import reconcile


@pytest.fixture
def findings(pcc):
    """The PCC reconciled once: the current findings."""
    return reconcile(pcc)


@pytest.fixture
def source_lines(pcc):
    from core.models import Document

    return Document.objects.get(code="pcc-enmienda-2009").text.splitlines()
