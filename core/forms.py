"""Form pieces every app's forms share."""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """The browser's date picker: its value must be ISO ``YYYY-MM-DD`` whatever the language.

    Rendered in the language's format (``01/12/2026`` in Spanish) the browser shows it empty and submits
    nothing. Django's ``DateField`` accepts ISO input in every language, so only the output needs fixing.
    """

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or ISO_DATE)
