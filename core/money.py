"""The one place where money is rounded and converted."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from djmoney.money import Money

# Commercial rounding (half away from zero), as Swiss and Peruvian accounting print it. How far a figure
# converted at a stated, rounded rate may miss the other currency's figure: core.tolerance.
ROUNDING = ROUND_HALF_UP


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
