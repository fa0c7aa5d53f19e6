"""Demonstration money for a newcomer: made up, marked as such, never from a source document."""

from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from djmoney.money import Money

from agreements import access
from agreements.models import Membership, Programme
from core.models import User
from core.money import round_amount
from finance import services
from finance.models import FinancialReport
from results.models import ReportingPeriod

# Of each line's budget: spent in the first period (approved), in the second (submitted); transferred.
SHARES = (Decimal("0.25"), Decimal("0.30"))
TRANSFERRED = Decimal("0.50")


class Command(BaseCommand):
    help = (
        "Create demonstration financial data (development only): for the first two partners with budget "
        "lines and an editor, one approved and one submitted financial report and a disbursement each, "
        "all marked as demonstration data."
    )

    def add_arguments(self, parser):
        parser.add_argument("programme", nargs="?", default="pcc")

    @transaction.atomic
    def handle(self, *args, programme: str, **options):
        if not settings.DEBUG:
            raise CommandError("Demonstration data is for development only; set DEBUG=true to create it.")
        programme = Programme.objects.filter(code=programme).first()
        if programme is None:
            raise CommandError("Load the programme first (load_programme).")
        if FinancialReport.objects.filter(programme=programme, is_demonstration=True).exists():
            self.stdout.write("Demonstration financial data exists already.")
            return
        periods = list(ReportingPeriod.objects.filter(programme=programme).order_by("start_date")[:2])
        reviewer = (
            User.objects.filter(
                memberships__programme=programme, memberships__role__in=access.STAFF_ROLES, is_superuser=False
            )
            .order_by("username")
            .first()
        )
        if len(periods) < 2 or reviewer is None:
            raise CommandError("Needs two reporting periods and a staff user (run create_demo_users first).")
        made = 0
        editors = (
            Membership.objects.filter(programme=programme, role__in=access.EDITOR_ROLES)
            .select_related("user", "organisation")
            .order_by("organisation__acronym", "user__username")
        )
        for membership in editors:
            partner, editor = membership.organisation, membership.user
            if made == 2 or FinancialReport.objects.filter(programme=programme, partner=partner).exists():
                continue
            rows = list(services.budget_rows(programme, partner))
            if not rows:
                continue
            currency = programme.binding_currency
            budgets = services.line_budgets(rows, currency)
            reports = []
            for period, share in zip(periods, SHARES, strict=True):
                report = services.report_create(
                    user=editor,
                    programme=programme,
                    partner=partner,
                    period=period,
                    currency=currency,
                    is_demonstration=True,
                )
                spent = {
                    row.pk: round_amount(budgets[row.pk].amount.amount * share, 0)
                    for row in rows
                    if budgets[row.pk].amount is not None
                }
                services.report_update(
                    report=report,
                    user=editor,
                    spent=spent,
                    stated_total=sum(spent.values(), Decimal(0)),
                    narrative="Datos de demostración: no provienen de un documento.",
                )
                reports.append(services.report_submit(report=report, user=editor))
            services.report_approve(report=reports[0], user=reviewer)
            planned = sum((b.amount.amount for b in budgets.values() if b.amount is not None), Decimal(0))
            services.disbursement_create(
                user=reviewer,
                programme=programme,
                partner=partner,
                date=periods[0].start_date,
                amount=Money(round_amount(planned * TRANSFERRED, 0), currency),
                reference=f"DEMO-{partner.acronym}-1",
                is_demonstration=True,
            )
            self.stdout.write(f"  {partner.acronym}: 2 reports (approved, submitted), 1 disbursement")
            made += 1
        if not made:
            raise CommandError("No partner with budget lines and an editor (run create_demo_users first).")
        self.stdout.write(self.style.SUCCESS("Demonstration financial data ready (marked as demonstration)."))
