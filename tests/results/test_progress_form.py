"""The progress form: its date is ISO in every language, and a submitted report's form only shows it."""

import datetime

import pytest
from django.utils import translation

from results.forms import ProgressForm


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_date_renders_iso_in_every_language(language, prosur_activity):
    with translation.override(language):
        form = ProgressForm(target=prosur_activity, initial={"reported_on": datetime.date(2026, 12, 1)})
        html = str(form["reported_on"])
    assert 'type="date"' in html and 'value="2026-12-01"' in html


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_iso_date_is_taken_in_every_language(language, prosur_activity, september):
    data = {"period": september.pk, "reported_on": "2026-12-01", "achieved_value": "1", "narrative": ""}
    with translation.override(language):
        form = ProgressForm(data, target=prosur_activity)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["reported_on"] == datetime.date(2026, 12, 1)


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_saved_reports_date_renders_iso_in_every_language(language, draft_report):
    with translation.override(language):
        html = str(ProgressForm(instance=draft_report, target=draft_report.target)["reported_on"])
    assert 'value="2008-09-30"' in html


def test_a_read_only_form_disables_every_field(submitted_report):
    form = ProgressForm(instance=submitted_report, target=submitted_report.target, read_only=True)
    assert all(field.disabled for field in form.fields.values())
