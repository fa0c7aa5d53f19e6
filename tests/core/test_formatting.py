"""The one formatter (core.formatting): figures in the reader's style, dates in the reader's language."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation
from djmoney.money import Money

from core import formatting
from reconciliation.registry import Figure, Message


@pytest.mark.parametrize(
    ("style", "expected"),
    [("ch", "4'087'460.00"), ("pe", "4,087,460.00")],
)
def test_the_agreed_total_in_either_style(style, expected):
    # The COSUDE contribution of the amended agreement: CHF 4'087'460.
    assert formatting.amount(Decimal("4087460"), style) == expected


def test_a_reduction_is_written_with_a_leading_minus():
    # The source prints a reduction as (23'940).
    assert formatting.amount(Decimal("-23940"), "ch") == "-23'940.00"
    assert formatting.amount(Decimal("-23940"), "pe", 0) == "-23,940"


def test_rounding_is_half_away_from_zero():
    assert formatting.amount(Decimal("0.125"), "pe") == "0.13"
    assert formatting.amount(Decimal("-0.125"), "pe") == "-0.13"
    assert formatting.amount(Decimal("999.995"), "ch") == "1'000.00"


def test_nothing_is_a_dash_and_text_stays_text():
    assert formatting.amount(None) == "—"
    assert formatting.money(None) == "—"
    assert formatting.percent(None) == "—"
    assert formatting.date(None) == "—"
    assert formatting.amount("s/m") == "s/m"


def test_own_decimals_drop_trailing_zeros():
    # A rate of six places and a difference of six places, as the admin shows them.
    assert formatting.amount(Decimal("1.250000"), "ch", None) == "1.25"
    assert formatting.amount(Decimal("-1.000000"), "pe", None) == "-1"
    assert formatting.amount(Decimal("4086384.00"), "ch", None) == "4'086'384"


def test_money_has_the_currency_label_first_and_never_usd():
    assert formatting.money(Money("4087460", "CHF"), "ch") == "CHF 4'087'460.00"
    assert formatting.money(Money("3283290", "USD"), "pe") == "US$ 3,283,290.00"


def test_percent_size_and_xlsx_format():
    assert formatting.percent(Decimal("50"), "ch") == "50.0\xa0%"
    assert formatting.percent(Decimal("1250"), "ch") == "1'250.0\xa0%"
    assert formatting.percent(Decimal("33.35"), "pe") == "33.4\xa0%"
    assert formatting.size(812) == "812 B"
    assert formatting.size(12595) == "12.3 KB"
    assert formatting.size(4_300_000) == "4.1 MB"
    assert formatting.xlsx_number_format("ch", 2) == "#,##0.00"
    assert formatting.xlsx_number_format("pe", 0) == "#,##0"


def test_one_date_style_and_one_spelling_of_the_months():
    # The operational plan runs from September to December 2008 (the source spells it "Setiembre").
    start = datetime.date(2008, 9, 1)
    assert formatting.date(datetime.date(2008, 12, 31), "es") == "31.12.2008"
    assert formatting.date(datetime.date(2008, 12, 31), "en") == "31.12.2008"
    assert formatting.month(start, "es") == "sep 2008"
    assert formatting.month(start, "en") == "Sep 2008"
    assert formatting.month(start, "es", year=False) == "sep"


def test_a_datetime_is_written_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "America/Lima"
    instant = datetime.datetime(2008, 10, 1, 3, 30, tzinfo=datetime.UTC)
    assert formatting.datetime(instant, "es") == "30.09.2008 22:30"
    assert formatting.date(instant, "es") == "30.09.2008"


def test_the_reader_decides_the_style():
    with formatting.reading_as("ch"):
        assert formatting.amount(Decimal("4087460")) == "4'087'460.00"
        with formatting.reading_as("pe"):
            assert formatting.amount(Decimal("4087460")) == "4,087,460.00"
    assert formatting.current_style() == formatting.DEFAULT_STYLE


def test_a_message_figure_is_kept_exact_and_written_for_the_reader():
    # Cuadro 1, line 238: stated 4'086'384, the columns add up to 4'000'000.
    message = Message(
        "Stated %(stated)s; the sum of its terms is %(recomputed)s.",
        {"stated": Figure(Decimal("4086384"), "CHF"), "recomputed": Figure(Decimal("4000000.50"), "CHF")},
    )
    stored = Message.from_json(message.as_json())
    with formatting.reading_as("ch"):
        assert stored.render() == "Se indica CHF 4'086'384; la suma de sus términos es CHF 4'000'000.50."
    with formatting.reading_as("pe"), translation.override("en"):
        assert stored.render() == "Stated CHF 4,086,384; the sum of its terms is CHF 4,000,000.50."


def test_templates_write_figures_and_dates_only_through_the_formatter():
    # An <input>'s value stays ISO (what the browser's date field reads), not a figure for a reader.
    from pathlib import Path

    from django.conf import settings

    forbidden = re.compile(r"\|(date|time|floatformat|filesizeformat|intcomma|localize)\b")
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in forbidden.finditer(re.sub(r'value="\{\{[^}]*\}\}"', "", line)):
                found.append(f"{path.name}:{number}: {match.group(0)}")
    assert found == []
