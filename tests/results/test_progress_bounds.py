"""What a progress report may hold, the same in the form and in the import: no negative count against
a target that is not one, a date within the accepted years, a narrative of reasonable length.

PROSUR 2.1.1 ("Identificación y contacto con nuevos compradores…", Meta 2, line 358) is the activity
of every case; the import is a CSV of the ``progress`` kind with the same values.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from imports.services import import_dry_run, import_start
from results.forms import ProgressForm
from results.models import ProgressReport
from tests.core.test_spreadsheets import csv_bytes
from tests.results.test_resources import HEADER


def form_errors(activity, period, number_format="pe", **fields) -> dict[str, list[str]]:
    data = {
        "period": period.pk,
        "reported_on": "2008-09-30",
        "achieved_value": "1",
        "narrative": "",
        **fields,
    }
    form = ProgressForm(data, target=activity, number_format=number_format)
    form.is_valid()
    # As text now, in the active language (the messages are lazy).
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def import_errors(user, activity, locale="dot", **fields) -> list[dict]:
    row = {
        "programme": "pcc",
        "plan": activity.plan.code,
        "activity": activity.key,
        "period_start": "2008-09-01",
        "period_end": "2008-09-30",
        "reported_on": "2008-10-05",
        "achieved_value": "1",
        "achieved_text": "",
        "narrative": "",
        **fields,
    }
    upload = SimpleUploadedFile("progress.csv", csv_bytes([HEADER, [row[h] for h in HEADER]]))
    record = import_dry_run(record=import_start(user=user, kind="progress", upload=upload, locale=locale))
    return record.errors


@pytest.mark.parametrize("typed", ["-5", "(5)", "-0.5"])
def test_a_negative_achievement_is_refused_in_the_form_and_in_the_import(
    typed, prosur_activity, september, partner_a_user
):
    with translation.override("en"):
        errors = form_errors(prosur_activity, september, achieved_value=typed)
        problems = import_errors(partner_a_user, prosur_activity, achieved_value=typed)
    assert "cannot be negative" in " ".join(errors["achieved_value"])
    assert [(p["row"], p["column"], p["value"]) for p in problems] == [(2, "achieved_value", typed)]
    assert "cannot be negative" in problems[0]["message"]


def test_zero_is_an_achievement(prosur_activity, september, partner_a_user):
    assert form_errors(prosur_activity, september, achieved_value="0") == {}
    assert import_errors(partner_a_user, prosur_activity, achieved_value="0") == []


def test_against_a_target_below_zero_a_negative_achievement_is_taken(
    prosur_activity, september, partner_a_user
):
    """A reduction ("-10 %" of rejected shipments) is reached by negative figures."""
    prosur_activity.target_value, prosur_activity.target_text = Decimal("-10"), "-10%"
    prosur_activity.save(update_fields=["target_value", "target_text"])
    assert form_errors(prosur_activity, september, achieved_value="(5)") == {}
    assert import_errors(partner_a_user, prosur_activity, achieved_value="(5)") == []


def test_the_service_refuses_a_negative_achievement_too(prosur_activity, september, partner_a_user):
    from django.core.exceptions import ValidationError

    from results import services

    with pytest.raises(ValidationError) as caught:
        services.progress_create(
            target=prosur_activity,
            period=september,
            user=partner_a_user,
            reported_on=datetime.date(2008, 9, 30),
            achieved_value=Decimal("-5"),
        )
    assert "achieved_value" in caught.value.message_dict
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01"])
def test_a_date_outside_the_accepted_years_is_refused_in_the_form_and_in_the_import(
    date, prosur_activity, september, partner_a_user
):
    with translation.override("en"):
        errors = form_errors(prosur_activity, september, reported_on=date)
        problems = import_errors(partner_a_user, prosur_activity, reported_on=date)
    assert "Expected a date between 1990-01-01 and 2100-12-31." in errors["reported_on"]
    assert [(p["row"], p["column"]) for p in problems] == [(2, "reported_on")]
    assert problems[0]["message"] == "expected a date between %(first)s and %(last)s"


def test_the_accepted_years_are_a_setting(settings, prosur_activity, september, partner_a_user):
    settings.PCC_DATE_MIN_YEAR, settings.PCC_DATE_MAX_YEAR = 2005, 2012
    assert "reported_on" in form_errors(prosur_activity, september, reported_on="2004-12-31")
    assert (
        import_errors(partner_a_user, prosur_activity, reported_on="2013-01-01")[0]["column"] == "reported_on"
    )
    assert form_errors(prosur_activity, september, reported_on="2008-09-30") == {}


def test_the_audits_2_4_mb_narrative_is_refused_by_the_form(prosur_activity, september):
    errors = form_errors(prosur_activity, september, narrative="Contacto con Hamburgo. " * 110_000)
    assert "narrative" in errors


def test_the_narrative_limit_is_a_setting_in_the_form_and_in_the_import(
    settings, prosur_activity, september, partner_a_user
):
    settings.PCC_TEXT_MAX_CHARS = 50
    narrative = "Tres contactos con importadores de Hamburgo y de Lyon."  # 54 characters
    assert "narrative" in form_errors(prosur_activity, september, narrative=narrative)
    problems = import_errors(partner_a_user, prosur_activity, narrative=narrative)
    assert [(p["row"], p["column"]) for p in problems] == [(2, "narrative")]
    assert form_errors(prosur_activity, september, narrative=narrative[:50]) == {}
    assert import_errors(partner_a_user, prosur_activity, narrative=narrative[:50]) == []


def test_the_narrative_box_stops_at_the_limit_in_the_browser(prosur_activity):
    html = str(ProgressForm(target=prosur_activity)["narrative"])
    assert 'maxlength="10000"' in html


def test_a_swiss_user_typing_1_234_is_asked_which_is_meant(login, partner_a_user, prosur_activity, september):
    """The page reads the number in the user's format; a Swiss ``1,234`` is refused, not guessed."""
    partner_a_user.number_format = "ch"
    partner_a_user.save(update_fields=["number_format"])
    url = reverse("results:activity_progress_create", args=[prosur_activity.pk])
    data = {"period": september.pk, "reported_on": "2008-09-30", "achieved_value": "1,234"}
    client = login(partner_a_user)
    page = client.post(url, data).content.decode()
    assert "puede ser separador decimal o de miles: escriba 1&#x27;234 o 1.234" in page
    assert not ProgressReport.objects.exists()
    client.post(url, {**data, "achieved_value": "1'234"})
    assert ProgressReport.objects.get().achieved_value == Decimal("1234")


def test_the_bounds_are_explained_in_spanish_in_the_form_and_in_the_import(
    prosur_activity, september, partner_a_user
):
    from core.spreadsheets.errors import Problem

    with translation.override("es"):
        errors = form_errors(prosur_activity, september, achieved_value="(5)", reported_on="9999-12-31")
        problems = [
            Problem.from_json(p).text()
            for fields in ({"achieved_value": "(5)"}, {"reported_on": "9999-12-31"})
            for p in import_errors(partner_a_user, prosur_activity, **fields)
        ]
    assert errors["achieved_value"] == ["El valor logrado no puede ser negativo: la meta 2 no lo es."]
    assert errors["reported_on"] == ["Se esperaba una fecha entre 1990-01-01 y 2100-12-31."]
    assert problems == [
        "el valor logrado no puede ser negativo: la meta 2 no lo es",
        "se esperaba una fecha entre 1990-01-01 y 2100-12-31",
    ]
