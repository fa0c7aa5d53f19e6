"""Form pieces every app's forms share."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.numbers import NumberFormatError, number_style

ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """The browser's date picker: its value must be ISO ``YYYY-MM-DD`` whatever the language.

    Rendered in the language's format (``01/12/2026`` in Spanish) the browser shows it empty and submits
    nothing. Django's ``DateField`` accepts ISO input in every language, so only the output needs fixing.
    """

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or ISO_DATE)


class DecimalTextField(forms.DecimalField):
    """A number typed as text and read by :mod:`core.numbers`, exactly as an import reads a cell.

    ``number_format`` is the user's (``"pe"``: ``1,234.56``, ``"ch"``: ``1'234.56``; the form sets it
    from the reader): ``1'000`` and ``1,000.50`` are read, ``1_000``, ``1e2`` and other scripts'
    digits are refused, and a ``1,234`` the format does not settle is refused with both readings.
    A text input, not ``type="number"``, so that the browser neither refuses separators nor reads
    them in its own locale.
    """

    widget = forms.TextInput

    def __init__(self, *, number_format: str = "pe", **kwargs):
        self.number_format = number_format
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def prepare_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            # Stored with four places: 12.0000 is shown as 12 (normalize() alone would give 1E+1 for 10).
            return f"{value.normalize():f}"
        return value

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, Decimal):
            return value
        style = number_style(self.number_format)
        try:
            parsed = style.parse(str(value))
        except NumberFormatError as error:
            raise ValidationError(
                _("Enter a number written as %(example)s: %(reason)s."),
                code="invalid",
                params={"example": style.example, "reason": error.reason},
            ) from None
        if parsed.value is None:
            raise ValidationError(
                _("Enter a number, or leave the field empty (“%(text)s” is not a number)."),
                code="invalid",
                params={"text": str(value).strip()},
            )
        return parsed.value
