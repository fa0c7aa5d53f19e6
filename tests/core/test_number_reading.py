"""One number reading: a form field reads what a user types exactly as an import reads a cell.

Each case goes through both, side by side: the progress form's field (``core.forms.DecimalTextField``)
with the user's number format, and an import column with the file's locale (the user's own format:
Peruvian ``1,234.56`` → ``dot``, Swiss ``1'234.56`` → ``swiss``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from core.forms import DecimalTextField
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.errors import CellError

FILE_LOCALE = {"pe": "dot", "ch": "swiss"}
COLUMN = Column("value", type=ColumnType.DECIMAL, required=False)


class NumberForm(forms.Form):
    value = DecimalTextField(max_digits=19, decimal_places=4, required=False)

    def __init__(self, *args, number_format: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].number_format = number_format


def typed(text: str, number_format: str) -> Decimal | str:
    """What the form makes of ``text``: the number, or its error message."""
    form = NumberForm({"value": text}, number_format=number_format)
    return form.cleaned_data["value"] if form.is_valid() else " ".join(form.errors["value"])


def imported(text: str, number_format: str) -> Decimal | str:
    """What an import makes of the same text in a cell: the number, or its error message."""
    try:
        return COLUMN.parse({"value": text}, locale=FILE_LOCALE[number_format])
    except CellError as error:
        return error.message % error.params


@pytest.mark.parametrize(
    ("text", "number_format", "value"),
    [
        ("1'000", "pe", Decimal("1000")),  # the apostrophe marks thousands in every format (the sources)
        ("1'000", "ch", Decimal("1000")),
        ("1,000.50", "pe", Decimal("1000.50")),
        ("1'000.50", "ch", Decimal("1000.50")),
        ("1,000.50", "ch", Decimal("1000.50")),  # the point after the comma settles it
        ("1,234", "pe", Decimal("1234")),  # Peruvian: the comma groups thousands
        ("1.234", "pe", Decimal("1.234")),
        ("1.234", "ch", Decimal("1.234")),  # Swiss: the point is the decimal separator
        ("4'087'460.00", "ch", Decimal("4087460.00")),  # Cuadro 1, line 104
        (" 28154 ", "pe", Decimal("28154")),
    ],
)
def test_the_form_and_the_import_read_a_number_alike(text, number_format, value):
    assert typed(text, number_format) == value
    assert imported(text, number_format) == value


@pytest.mark.parametrize("text", ["1_000", "1e2", "١٢٣", "١,٠٠٠", "１２３", "0x10", "Infinity", "NaN", "+5"])
@pytest.mark.parametrize("number_format", ["pe", "ch"])
def test_the_form_and_the_import_refuse_what_python_alone_would_read(text, number_format):
    """Decimal() takes 1_000, 1e2, other scripts' digits, NaN: a user typing them meant something else."""
    assert not isinstance(typed(text, number_format), Decimal)
    assert not isinstance(imported(text, number_format), Decimal)


def test_an_ambiguous_1_234_is_refused_with_both_readings_where_the_format_does_not_settle_it():
    """Swiss style groups thousands with an apostrophe: a comma before three digits is a question."""
    with translation.override("en"):
        form_message, import_message = typed("1,234", "ch"), imported("1,234", "ch")
    for message in (form_message, import_message):
        assert "may be a decimal or a thousands separator" in message
        assert "1'234" in message and "1.234" in message


def test_the_ambiguity_is_explained_in_spanish():
    with translation.override("es"):
        message = typed("1,234", "ch")
    assert "separador decimal o de miles" in message and "1'234" in message and "1.234" in message


def test_a_dash_or_na_in_a_number_field_is_refused_not_taken_for_empty():
    assert not isinstance(typed("n.a.", "pe"), Decimal)
    assert not isinstance(imported("n.a.", "pe"), Decimal)
    assert typed("", "pe") is None and imported("", "pe") is None


def test_the_field_is_a_text_input_so_the_browser_does_not_read_separators_in_its_own_locale():
    html = str(NumberForm(number_format="ch")["value"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html


def test_a_stored_value_is_shown_without_its_four_stored_places():
    form = NumberForm(initial={"value": Decimal("10.0000")}, number_format="pe")
    assert 'value="10"' in str(form["value"])


def test_the_admin_reads_a_target_typed_there_as_the_forms_and_imports_do(login, admin_user, pcc):
    """PROSUR IPR.2.1, Meta 10 (line 341): its target value edited in the admin."""
    from django.urls import reverse

    from results.models import Indicator
    from tests.admin_forms import change_form_data

    indicator = Indicator.objects.get(result__plan__code="poa-prosur-2008", code="IPR.2.1")
    url = reverse("admin:results_indicator_change", args=[indicator.pk])
    client = login(admin_user)
    refused = client.post(url, change_form_data(client, url, target_value="1_000"))
    assert refused.status_code == 200 and "target_value" in refused.context["adminform"].form.errors
    indicator.refresh_from_db()
    assert indicator.target_value == Decimal("10")
    saved = client.post(url, change_form_data(client, url, target_value="1'000"))
    assert saved.status_code == 302
    indicator.refresh_from_db()
    assert indicator.target_value == Decimal("1000")
