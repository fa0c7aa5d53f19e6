"""How far a recomputed figure may be from the stated one and still be the same figure.

The tolerance follows the arithmetic of the check. A printed figure was rounded to its last printed
digit, so the amount it stands for is anywhere within half a unit of that digit; a rate stated with
``k`` decimals is anywhere within ``½ × 10^-k``. A check tolerates what those roundings can add up to:

- a **sum** of ``n`` printed terms: half a unit of each term's last digit (``n × ½ × 10^-p`` when every
  term prints ``p`` decimals): sixteen converted items printed in whole dollars may miss their printed
  total by 8;
- a **conversion** at a stated rate: the effect of half a unit of the rate's last digit on the converted
  figure, plus half a unit of each figure (the source's, carried over at the rate, and the printed
  one's), plus half a unit of the recomputed figure where it is rounded before the comparison;
- a **copy** (the same figure printed twice, an amount quoted in the text): half a unit of each;
- **typed** figures (a partner's report) and counts (a target): nothing; they are as written, not
  rounded.

A check of printed amounts tolerates at least one unit of their currency (:data:`ONE_UNIT`): the sources
reckon in whole units and print a rounded figure's cents as zeros (``152.849,00`` for items adding up to
152,849.31), and the total is rounded too.

Each kind names its model (:class:`ToleranceModel`, on :class:`reconciliation.registry.RuleKind`);
its evaluator computes the check's tolerance with the functions below (``Outcome.tolerance``); a rule's
own tolerance overrides both (:func:`reconciliation.engine.classify`). Arithmetic in Decimal only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy
from djmoney.money import Money

from core.money import convert

HALF = Decimal("0.5")
ONE_UNIT = Decimal(1)


def unit(places: int) -> Decimal:
    """One unit of the last digit of a figure printed with ``places`` decimals: 0 → 1, 2 → 0.01."""
    return Decimal(1).scaleb(-places)


def half_unit(places: int) -> Decimal:
    return unit(places) * HALF


def places(value: Decimal) -> int:
    """The decimals ``value`` is written with: ``Decimal("65000")`` → 0, ``Decimal("87460.00")`` → 2."""
    return max(0, -value.as_tuple().exponent)


def decimals(value: Decimal) -> int:
    """The decimals a stored value states, trailing zeros dropped (a rate kept as ``1.250000`` → 2)."""
    return places(value.normalize())


def rounded_sum(term_places: Iterable[int]) -> Decimal:
    """A total against the sum of its printed terms (each term's decimals in ``term_places``)."""
    return max(ONE_UNIT, sum((half_unit(p) for p in term_places), Decimal(0)))


def copy(*places: int) -> Decimal:
    """One figure against the same figure printed elsewhere (each print's decimals in ``places``)."""
    return max(ONE_UNIT, sum((half_unit(p) for p in places), Decimal(0)))


@dataclass(frozen=True)
class _Rate:
    """A rate at one end of the interval its stated decimals leave (as :func:`core.money.convert` reads it)."""

    base_currency: str
    quote_currency: str
    rate: Decimal


def conversion(
    amount: Decimal,
    currency: str,
    *,
    rate: Any,
    amount_places: int,
    printed_places: int,
    recomputed_places: int | None = None,
) -> Decimal:
    """A figure printed in the other currency against ``amount`` (in ``currency``) converted at ``rate``
    (an :class:`core.models.ExchangeRate`, either direction of its pair).

    The source within half a unit of its ``amount_places`` and the rate within half a unit of its own
    decimals: the farthest the exact conversion can be from the one at the printed figures, plus half a
    unit of the printed figure (``printed_places``) and, when the recomputed figure is rounded before the
    comparison, half a unit of its ``recomputed_places``.
    """
    exact = convert(Money(amount, currency), rate=rate).amount
    delta, spread = half_unit(decimals(rate.rate)), half_unit(amount_places)
    farthest = max(
        abs(
            convert(
                Money(amount + a, currency),
                rate=_Rate(rate.base_currency, rate.quote_currency, rate.rate + r),
            ).amount
            - exact
        )
        for a in (-spread, spread)
        for r in (-delta, delta)
        if rate.rate + r > 0
    )
    rounding = half_unit(recomputed_places) if recomputed_places is not None else Decimal(0)
    return max(ONE_UNIT, farthest + half_unit(printed_places) + rounding)


def implied_rate_range(
    numerator: Decimal, numerator_places: int, denominator: Decimal, denominator_places: int
) -> tuple[Decimal, Decimal]:
    """The rates ``numerator / denominator`` may stand for when both figures are rounded: the lowest and
    the highest. Two rows converted at one rate have ranges that overlap."""
    a, b = half_unit(numerator_places), half_unit(denominator_places)
    bounds = [(numerator + x) / (denominator + y) for x in (-a, a) for y in (-b, b) if denominator + y]
    return min(bounds), max(bounds)


@dataclass(frozen=True)
class ToleranceModel:
    """What a kind's checks tolerate, in words, and the tolerance of a check whose evaluator computes
    none (``None``: exact)."""

    code: str
    description: Any  # lazy text, shown on the reconciliation page
    default: Decimal | None

    def describe(self) -> str:
        return str(self.description)


SUM = ToleranceModel(
    "sum",
    gettext_lazy(
        "half a unit of the last printed digit of each term (n terms without decimals: n × ½), at least one "
        "unit of the currency"
    ),
    Decimal(1),
)
CONVERSION = ToleranceModel(
    "conversion",
    gettext_lazy(
        "the effect of half a unit of the rate's last stated digit, plus half a unit of the last printed "
        "digit of each figure, at least one unit of the currency"
    ),
    Decimal(1),
)
COPY = ToleranceModel(
    "copy",
    gettext_lazy(
        "half a unit of the last printed digit of each of the two figures, at least one unit of the currency"
    ),
    Decimal(1),
)
EXACT = ToleranceModel(
    "exact", gettext_lazy("exact: the figures are typed or counted as they are, not rounded"), None
)
NOT_A_FIGURE = ToleranceModel("not-a-figure", gettext_lazy("none: the check compares no figures"), None)
