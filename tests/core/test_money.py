from decimal import ROUND_HALF_UP, Decimal

import pytest

from core.money import ROUNDING, round_amount


def test_the_rounding_mode_is_commercial_half_up():
    assert ROUNDING == ROUND_HALF_UP


@pytest.mark.parametrize(
    ("amount", "places", "rounded"),
    [
        (Decimal("2.5"), 0, Decimal("3")),  # banker's rounding would give 2
        (Decimal("3.5"), 0, Decimal("4")),
        (Decimal("0.125"), 2, Decimal("0.13")),  # banker's rounding would give 0.12
        (Decimal("-2.5"), 0, Decimal("-3")),  # half away from zero, for reductions too
        (Decimal("-0.125"), 2, Decimal("-0.13")),
        (Decimal("66.66666"), 1, Decimal("66.7")),
        (Decimal("240000"), 2, Decimal("240000.00")),
    ],
)
def test_round_amount_rounds_half_away_from_zero(amount, places, rounded):
    result = round_amount(amount, places)
    assert result == rounded
    assert result.as_tuple().exponent == -places
