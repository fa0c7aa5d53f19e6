"""The dashboards' filter form: its dates are ISO in every language (the browser's date input needs it)."""

import datetime

import pytest
from django.utils import translation

from reports.filters import DashboardFilterForm


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_filters_dates_render_iso_in_every_language(language):
    with translation.override(language):
        html = str(DashboardFilterForm(initial={"date_from": datetime.date(2008, 9, 1)})["date_from"])
    assert 'type="date"' in html and 'value="2008-09-01"' in html


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_filters_take_iso_dates_in_every_language(language):
    with translation.override(language):
        form = DashboardFilterForm({"date_from": "2008-09-01", "date_to": "2008-12-31"})
        assert form.is_valid(), form.errors
    assert (form.cleaned_data["date_from"], form.cleaned_data["date_to"]) == (
        datetime.date(2008, 9, 1),
        datetime.date(2008, 12, 31),
    )
