"""The one place where money is rounded and converted."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from djmoney.money import Money

# Commercial rounding (half away from zero), as Swiss and Peruvian accounting print it.
ROUNDING = ROUND_HALF_UP
# A figure converted at a stated, rounded rate may miss the other currency's figure by this much (percent of
# that figure) and still be the same amount: the conversion rule's default and the agreement's checks.
CONVERSION_TOLERANCE_PERCENT = Decimal("0.5")


def within_conversion_tolerance(converted: Decimal, reference: Decimal) -> bool:
    """Whether ``converted`` is ``reference`` give or take :data:`CONVERSION_TOLERANCE_PERCENT`."""
    return abs(converted - reference) * 100 <= CONVERSION_TOLERANCE_PERCENT * abs(reference)


def round_amount(amount: Decimal, places: int = 2) -> Decimal:
    """Round ``amount`` to ``places`` decimals with the project's rounding mode."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)


def convert(money: Money, *, rate, places: int | None = None) -> Money:
    """Convert ``money`` with an :class:`core.models.ExchangeRate` (either direction of its pair).

    The result is exact unless ``places`` is given, then rounded with :func:`round_amount`.
    """
    currency = str(money.currency)
    if currency == rate.base_currency:
        amount, target = money.amount * rate.rate, rate.quote_currency
    elif currency == rate.quote_currency:
        amount, target = money.amount / rate.rate, rate.base_currency
    else:
        raise ValueError(f"Rate {rate} cannot convert {currency}.")
    if places is not None:
        amount = round_amount(amount, places)
    return Money(amount, target)
