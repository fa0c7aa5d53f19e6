"""The demo command fills the finance pages with made-up money, marked as such."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import User
from finance.models import Disbursement, FinancialReport, FinancialStatus
from finance.rule_kinds import FINANCE_RULE_KINDS
from reconciliation.engine import reconcile
from reconciliation.models import Finding, Severity

pytestmark = pytest.mark.django_db


def test_demo_finance_for_two_partners_marked_and_consistent(pcc, settings, client):
    settings.DEBUG = True
    call_command("create_demo_users")
    call_command("create_demo_finance")
    call_command("create_demo_finance")  # idempotent
    reports = FinancialReport.objects.order_by("partner__acronym", "period__start_date")
    assert [(r.partner.acronym, r.period.start_date.month, r.status) for r in reports] == [
        ("AMPEX", 9, FinancialStatus.APPROVED),
        ("AMPEX", 10, FinancialStatus.SUBMITTED),
        ("PROSUR", 9, FinancialStatus.APPROVED),
        ("PROSUR", 10, FinancialStatus.SUBMITTED),
    ]
    assert all(r.is_demonstration for r in reports)
    assert Disbursement.objects.filter(is_demonstration=True).count() == 2
    reconcile(pcc)
    # The demonstration's money finds nothing material (the budget's own derived rules are the source's).
    assert not (
        Finding.objects.filter(rule__kind__in=FINANCE_RULE_KINDS, severity=Severity.MATERIAL)
        .current()
        .exists()
    )

    client.force_login(User.objects.get(username="staff"))
    page = client.get(reverse("finance:report_detail", args=[reports[0].pk])).content.decode()
    assert "demo" in page.lower() and "sev-observation" in page


def test_demo_finance_refuses_without_debug(pcc, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("create_demo_finance")
