"""core.numbers.parse_amount: every format the PCC source prints, and what it refuses."""

from decimal import Decimal

import pytest

from core.numbers import AmbiguousNumberError, NumberFormatError, parse_amount


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("4'087,460.00", None, Decimal("4087460.00")),
        ("3'283.290.00", None, Decimal("3283290.00")),
        ("152.849,00", None, Decimal("152849.00")),
        ("0,00", None, Decimal("0.00")),
        ("0.00", None, Decimal("0.00")),
        ("321.895", ",", Decimal("321895")),
        ("321.895", ".", Decimal("321.895")),
        ("28,154", ".", Decimal("28154")),
        ("28,154", ",", Decimal("28.154")),
        ("(23'940)", None, Decimal("-23940")),
        ("(23,940)", ".", Decimal("-23940")),
        ("(0)", None, Decimal("0")),
        ("13000", None, Decimal("13000")),
        ("4'086'384", None, Decimal("4086384")),
        ("1'580,000", None, Decimal("1580000")),
        ("87,460.00", None, Decimal("87460.00")),
        ("1,05", None, Decimal("1.05")),
        ("1.123", ".", Decimal("1.123")),
        (" 2,690 ", ".", Decimal("2690")),
        ("-9'236", None, Decimal("-9236")),
        ("1\u00a0204", None, Decimal("1204")),
    ],
)
def test_reads_every_printed_format(text, separator, expected):
    parsed = parse_amount(text, decimal_separator=separator)
    assert parsed.value == expected
    assert parsed.is_number
    assert parsed.marker == ""


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("-", "dash"),
        ("--", "dash"),
        ("–", "dash"),
        ("n.a.", "n.a."),
        ("N.A.", "n.a."),
        ("n.d.", "n.d."),
        ("", "blank"),
        ("   ", "blank"),
    ],
)
def test_markers_are_not_numbers(text, marker):
    parsed = parse_amount(text)
    assert parsed.value is None
    assert parsed.marker == marker
    assert not parsed.is_number


@pytest.mark.parametrize("text", ["28,154", "321.895", "(23,940)", "1,204"])
def test_lone_separator_before_three_digits_is_ambiguous_without_the_tables_separator(text):
    with pytest.raises(AmbiguousNumberError):
        parse_amount(text)


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "12a",
        "1'2345",
        "12'34",
        "1,2,3",
        "()",
        "(",
        "US$ 100",
        "1.000,00.5",
        "4'087,46'0",
        "..",
        "1.",
        "€5",
    ],
)
def test_refuses_garbage(text):
    with pytest.raises(NumberFormatError):
        parse_amount(text)


def test_refuses_a_decimal_separator_that_is_not_the_last_one():
    with pytest.raises(NumberFormatError):
        parse_amount("1,000.50", decimal_separator=",")


def test_refuses_an_unknown_decimal_separator():
    with pytest.raises(ValueError):
        parse_amount("1.00", decimal_separator=";")


def test_error_says_what_was_read():
    with pytest.raises(NumberFormatError) as exc:
        parse_amount("12a")
    assert "12a" in str(exc.value)


def test_unreadable_amounts_are_explained_in_the_users_language():
    from django.utils import translation

    with translation.override("es"), pytest.raises(NumberFormatError) as spanish:
        parse_amount("1,2,3")
    with translation.override("en"), pytest.raises(NumberFormatError) as english:
        parse_amount("1,2,3")
    assert spanish.value.reason == "los grupos de miles deben tener tres dígitos"
    assert english.value.reason == "thousands groups must have three digits"
