"""Every date input of the project shows ISO ``YYYY-MM-DD``, in Spanish as in English.

A browser's ``<input type="date">`` accepts only ISO: a value in the language's format (``01/12/2026``)
shows an empty field, the browser submits nothing and the save fails with "Fecha: Este campo es
obligatorio". The forms' own tests check each form per language; these check that no other way in.
"""

import datetime
import re
from pathlib import Path

import pytest
from django import forms
from django.utils import translation

from core.forms import IsoDateInput

ROOT = Path(__file__).resolve().parents[2]
APPS = ["agreements", "budgets", "core", "imports", "reconciliation", "reports", "results", "pcc"]


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_date_input_renders_iso_and_the_field_takes_iso(language):
    with translation.override(language):
        html = IsoDateInput().render("on", datetime.date(2026, 12, 1))
        parsed = forms.DateField(widget=IsoDateInput).clean("2026-12-01")
    assert html == '<input type="date" name="on" value="2026-12-01">'
    assert parsed == datetime.date(2026, 12, 1)


def test_no_form_uses_a_date_widget_in_the_languages_format():
    # core.forms.IsoDateInput is the one date widget: a plain DateInput renders "01/12/2026" in Spanish.
    plain = [
        f"{path.relative_to(ROOT)}:{number}"
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and path != ROOT / "core" / "forms.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\bDateInput\(|SelectDateWidget|DateTimeInput\(|['\"]type['\"]: ['\"]date['\"]", line)
    ]
    assert plain == []


def test_a_date_input_written_in_a_template_formats_its_value_as_iso():
    loose = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "templates").rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for tag in re.findall(r'<input[^>]*type="date"[^>]*>', line)
        if "value=" in tag and "|date:'Y-m-d'" not in tag and '|date:"Y-m-d"' not in tag
    ]
    assert loose == []
