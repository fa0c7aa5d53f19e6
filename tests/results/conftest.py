"""Objects of the loaded PCC work plans that the results tests share."""

import datetime
from decimal import Decimal

import pytest

from results import services
from results.models import Activity, Indicator, ReportingPeriod


@pytest.fixture
def prosur_activity(pcc):
    """PROSUR 2.1.1: "Identificación y contacto con nuevos compradores…", Meta 2 (line 358)."""
    return Activity.objects.get(plan__code="poa-prosur-2008", key="2.1.1")


@pytest.fixture
def ampex_activity(pcc):
    return Activity.objects.get(plan__code="poa-ampex-2008", key="2.1.2")


@pytest.fixture
def prosur_indicator(pcc):
    """PROSUR IPR.2.1: "Al 2008, 10 contratos firmados…", Meta 10 (line 341)."""
    return Indicator.objects.get(result__plan__code="poa-prosur-2008", code="IPR.2.1")


@pytest.fixture
def september(pcc):
    return ReportingPeriod.objects.get(programme=pcc, start_date=datetime.date(2008, 9, 1))


@pytest.fixture
def october(pcc):
    return ReportingPeriod.objects.get(programme=pcc, start_date=datetime.date(2008, 10, 1))


@pytest.fixture
def draft_report(prosur_activity, september, partner_a_user):
    return services.progress_create(
        target=prosur_activity,
        period=september,
        user=partner_a_user,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal("1"),
        narrative="Contacto con un importador de Hamburgo.",
    )


@pytest.fixture
def submitted_report(draft_report, partner_a_user):
    return services.progress_submit(report=draft_report, user=partner_a_user)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Evidence files written by the tests go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
