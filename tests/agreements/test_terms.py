import datetime
from decimal import Decimal

import pytest
from django.utils import translation
from djmoney.money import Money

from agreements import terms
from agreements.models import Agreement, Amendment, CeilingChange


@pytest.fixture
def agreement(pcc):
    return Agreement.objects.get(programme=pcc)


def test_original_ceilings_are_derived_from_the_amendment(agreement):
    ceilings = terms.original_ceilings(agreement)
    assert ceilings["USD"].amount == Money(Decimal("3200000.00"), "USD")
    assert ceilings["CHF"].amount == Money(Decimal("4000000.00"), "CHF")
    assert ceilings["USD"].derived and ceilings["CHF"].derived


def test_before_the_effective_date_the_original_terms_apply(agreement):
    consolidated = terms.consolidated_terms(agreement, datetime.date(2008, 8, 31))
    assert consolidated.end_date == datetime.date(2008, 8, 31)
    assert consolidated.ceilings["CHF"].amount == Money(Decimal("4000000"), "CHF")
    assert consolidated.applied == []
    assert len(consolidated.pending) == 1


def test_from_the_retroactive_date_the_amendment_applies(agreement):
    consolidated = terms.consolidated_terms(agreement, datetime.date(2008, 9, 1))
    assert consolidated.end_date == datetime.date(2008, 12, 31)
    assert consolidated.ceilings["USD"].amount == Money(Decimal("3283290"), "USD")
    assert consolidated.ceilings["CHF"].amount == Money(Decimal("4087460"), "CHF")
    assert consolidated.ceilings["CHF"].is_cap
    assert not consolidated.ceilings["CHF"].derived
    assert consolidated.end_date_line == 41


def test_the_usd_increase_at_the_agreements_rate_exceeding_the_chf_cap_is_flagged(agreement):
    with translation.override("en"):
        findings = terms.consistency_findings(agreement)
    messages = " ".join(f.message for f in findings)
    # 83,290 × 1.25 = 104,112.50 > 87,460 (19 % above). 3,283,290 × 1.25 = 4,104,112.50 is 0.41 % above
    # 4,087,460, by the increase's excess exactly (16,652.50): the same finding, not a second one.
    assert "CHF 104,112.50" in messages and "above the cap of CHF 87,460.00 by CHF 16,652.50" in messages
    assert "CHF 4,104,112.50" not in messages
    assert len(findings) == 1


def test_a_new_total_that_disagrees_with_previous_ceiling_plus_increase_is_flagged(agreement):
    second = Amendment.objects.create(
        agreement=agreement,
        sequence=2,
        title="Second",
        signed_on=datetime.date(2009, 6, 1),
        signed_place="Lima",
        document=agreement.document,
        line=1,
    )
    CeilingChange.objects.create(
        amendment=second,
        increase=Money("1000", "USD"),
        increase_as_printed="1,000",
        increase_line=5,
        new_total=Money("3290000", "USD"),
        new_total_as_printed="3'290,000",
        new_total_line=6,
    )
    agreement = Agreement.objects.get(pk=agreement.pk)
    with translation.override("en"):
        findings = [f for f in terms.consistency_findings(agreement) if "Amendment 2" in f.message]
    assert len(findings) == 1
    assert "is US$ 3,284,290.00, but the new total is stated as US$ 3,290,000.00" in findings[0].message
    assert set(findings[0].lines) >= {5, 6}


def test_findings_are_written_in_the_active_language(agreement):
    with translation.override("es"):
        messages = " ".join(f.message for f in terms.consistency_findings(agreement))
    assert "por encima del tope de CHF 87,460.00" in messages
