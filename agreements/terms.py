"""Consolidated terms of an agreement and the checks of its amendments.

Expects the agreement with ``ceilings`` and ``amendments__ceiling_changes`` prefetched
(as :func:`agreements.views.agreement_detail` and :func:`reports.headline.agreements_with_terms`
fetch it), so it runs no query per amendment.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from agreements.models import Agreement, Ceiling, ConsolidatedTerms, Finding
from core import formatting, tolerance
from core.money import convert


def _amendments(agreement: Agreement):
    return sorted(agreement.amendments.all(), key=lambda a: (a.sequence, a.signed_on))


def original_ceilings(agreement: Agreement) -> dict[str, Ceiling]:
    """Ceilings of the original agreement: as printed, or derived as (first new total − its increase)."""
    ceilings = {
        str(c.amount.currency): Ceiling(amount=c.amount, is_cap=c.is_cap, derived=False, lines=[c.line])
        for c in agreement.ceilings.all()
    }
    for amendment in _amendments(agreement):
        for change in amendment.ceiling_changes.all():
            if change.currency in ceilings:
                continue
            ceilings[change.currency] = Ceiling(
                amount=change.derived_previous_total,
                is_cap=change.is_cap,
                derived=True,
                lines=sorted({change.new_total_line, change.increase_line}),
                note=_(
                    "Not printed in the source: derived as the new total minus the increase of amendment %(n)s."
                )
                % {"n": amendment.sequence},
            )
    return ceilings


def consolidated_terms(agreement: Agreement, as_of: datetime.date) -> ConsolidatedTerms:
    """Apply, in order, every amendment whose effective date is on or before ``as_of``."""
    ceilings = original_ceilings(agreement)
    end_date, end_line = agreement.end_date, agreement.end_date_line
    applied, pending = [], []
    for amendment in _amendments(agreement):
        if not amendment.applies_on(as_of):
            pending.append(amendment)
            continue
        applied.append(amendment)
        for change in amendment.ceiling_changes.all():
            ceilings[change.currency] = Ceiling(
                amount=change.new_total, is_cap=change.is_cap, derived=False, lines=[change.new_total_line]
            )
        if amendment.new_end_date:
            end_date, end_line = amendment.new_end_date, amendment.new_end_date_line
    return ConsolidatedTerms(
        as_of=as_of,
        end_date=end_date,
        end_date_line=end_line,
        ceilings=ceilings,
        applied=applied,
        pending=pending,
    )


def consistency_findings(agreement: Agreement) -> list[Finding]:
    """What does not add up between the agreement, its amendments and its exchange rate."""
    findings: list[Finding] = []
    previous = {cur: c for cur, c in original_ceilings(agreement).items()}
    rate = agreement.exchange_rate
    for amendment in _amendments(agreement):
        changes = {change.currency: change for change in amendment.ceiling_changes.all()}
        for currency, change in changes.items():
            before = previous.get(currency)
            if (
                before is not None
                and not before.derived
                and before.amount + change.increase != change.new_total
            ):
                findings.append(
                    Finding(
                        _(
                            "Amendment %(n)s: previous %(cur)s ceiling %(before)s plus increase %(inc)s is %(sum)s, "
                            "but the new total is stated as %(new)s."
                        )
                        % {
                            "n": amendment.sequence,
                            "cur": currency,
                            "before": formatting.money(before.amount),
                            "inc": formatting.money(change.increase),
                            "sum": formatting.money(before.amount + change.increase),
                            "new": formatting.money(change.new_total),
                        },
                        lines=sorted({*before.lines, change.increase_line, change.new_total_line}),
                    )
                )
        if rate is not None:
            caps = [c for c in changes.values() if c.is_cap]
            for cap in caps:
                for other in changes.values():
                    if other is cap or other.currency not in (rate.base_currency, rate.quote_currency):
                        continue
                    # A new total above the cap by no more than its increase's excess is that finding again.
                    said = Decimal(0)
                    for label, amount, cap_amount, lines in (
                        (
                            _("increase"),
                            other.increase,
                            cap.increase,
                            [other.increase_line, cap.increase_line],
                        ),
                        (
                            _("new total"),
                            other.new_total,
                            cap.new_total,
                            [other.new_total_line, cap.new_total_line],
                        ),
                    ):
                        converted = convert(amount, rate=rate, places=2)
                        excess = converted.amount - cap_amount.amount
                        # Within what the rate's stated decimals and the figures' cents allow, the two are
                        # the same amount.
                        allowed = tolerance.conversion(
                            amount.amount,
                            str(amount.currency),
                            rate=rate,
                            amount_places=tolerance.places(amount.amount),
                            printed_places=tolerance.places(cap_amount.amount),
                            recomputed_places=2,
                        )
                        if excess - said > allowed:
                            said = excess
                            findings.append(
                                Finding(
                                    _(
                                        "Amendment %(n)s: the %(label)s of %(amount)s at the agreement's rate (%(rate)s) "
                                        "is %(converted)s, above the cap of %(cap)s by %(excess)s."
                                    )
                                    % {
                                        "n": amendment.sequence,
                                        "label": label,
                                        "amount": formatting.money(amount),
                                        "rate": rate,
                                        "converted": formatting.money(converted),
                                        "cap": formatting.money(cap_amount),
                                        "excess": formatting.money(converted - cap_amount),
                                    },
                                    lines=sorted({*lines, *([rate.line] if rate.line else [])}),
                                )
                            )
        for currency, change in changes.items():
            previous[currency] = Ceiling(
                amount=change.new_total, is_cap=change.is_cap, derived=False, lines=[change.new_total_line]
            )
    return findings
