"""A refused progress save keeps what was entered and the uploaded evidence: nobody picks the file again."""

import datetime
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from results.models import ProgressReport
from results.staging import SESSION_KEY, STAGING_FOLDER, staged_evidence_purge

PDF = b"%PDF-1.4 acta de la reunion con Hamburgo"


def _staged_token(client) -> str:
    (token,) = client.session[SESSION_KEY]
    return token


def _refused_create(client, activity, **extra):
    """A save without a period (required): refused, with a valid file attached."""
    return client.post(
        reverse("results:activity_progress_create", args=[activity.pk]),
        {
            "period": "",
            "reported_on": "2008-09-30",
            "achieved_value": "2",
            "narrative": "Dos importadores interesados.",
            "evidence": SimpleUploadedFile("acta.pdf", PDF),
            **extra,
        },
    )


def test_a_refused_save_shows_the_entries_and_the_file_again_and_the_next_save_stores_it(
    login, partner_a_user, prosur_activity, september
):
    client = login(partner_a_user)
    response = _refused_create(client, prosur_activity)
    assert response.status_code == 200 and not ProgressReport.objects.exists()
    page = response.content.decode()
    token = _staged_token(client)
    assert "Adjunto: acta.pdf" in page
    assert f'name="staged_evidence" value="{token}"' in page
    assert 'name="keep_evidence" value="keep" required' not in page  # optional: keeping is the default
    assert 'value="keep" id="id_keep_evidence_0" checked' in page
    assert 'value="2008-09-30"' in page and "Dos importadores interesados." in page and 'value="2"' in page

    response = client.post(
        reverse("results:activity_progress_create", args=[prosur_activity.pk]),
        {
            "period": september.pk,
            "reported_on": "2008-09-30",
            "achieved_value": "2",
            "narrative": "Dos importadores interesados.",
            "staged_evidence": token,
            "keep_evidence": "keep",
        },
    )
    report = ProgressReport.objects.get(activity=prosur_activity)
    assert response.status_code == 302
    assert report.evidence.name.endswith("acta.pdf") and report.evidence.read() == PDF
    assert client.session[SESSION_KEY] == {}
    assert default_storage.listdir(STAGING_FOLDER) == ([], [])


def test_the_staged_file_is_dropped_when_the_user_removes_it(
    login, partner_a_user, prosur_activity, september
):
    client = login(partner_a_user)
    _refused_create(client, prosur_activity)
    token = _staged_token(client)
    client.post(
        reverse("results:activity_progress_create", args=[prosur_activity.pk]),
        {
            "period": september.pk,
            "reported_on": "2008-09-30",
            "achieved_value": "2",
            "staged_evidence": token,
            "keep_evidence": "remove",
        },
    )
    assert not ProgressReport.objects.get(activity=prosur_activity).evidence
    assert default_storage.listdir(STAGING_FOLDER) == ([], [])


def test_a_new_upload_replaces_the_staged_file(login, partner_a_user, prosur_activity, september):
    client = login(partner_a_user)
    _refused_create(client, prosur_activity)
    client.post(
        reverse("results:activity_progress_create", args=[prosur_activity.pk]),
        {
            "period": september.pk,
            "reported_on": "2008-09-30",
            "achieved_value": "2",
            "staged_evidence": _staged_token(client),
            "keep_evidence": "keep",
            "evidence": SimpleUploadedFile("lista.csv", b"importador\nHamburgo\n"),
        },
    )
    assert ProgressReport.objects.get(activity=prosur_activity).evidence.name.endswith("lista.csv")
    assert default_storage.listdir(STAGING_FOLDER) == ([], [])


def test_a_file_the_size_or_type_check_refuses_is_not_staged(login, partner_a_user, prosur_activity):
    client = login(partner_a_user)
    response = client.post(
        reverse("results:activity_progress_create", args=[prosur_activity.pk]),
        {"period": "", "reported_on": "2008-09-30", "evidence": SimpleUploadedFile("macro.exe", b"MZ")},
    )
    assert response.status_code == 200
    assert "Adjunto:" not in response.content.decode()
    assert not client.session.get(SESSION_KEY)


def test_a_token_from_another_session_attaches_nothing(login, partner_a_user, prosur_activity, september):
    _refused_create(login(partner_a_user), prosur_activity)
    token = _staged_token(login(partner_a_user))
    other = Client()
    other.force_login(partner_a_user)  # the same editor, another browser: another session
    response = other.post(
        reverse("results:activity_progress_create", args=[prosur_activity.pk]),
        {
            "period": september.pk,
            "reported_on": "2008-09-30",
            "achieved_value": "2",
            "staged_evidence": token,
            "keep_evidence": "keep",
        },
    )
    assert response.status_code == 302
    assert not ProgressReport.objects.get(activity=prosur_activity).evidence


def test_a_refused_edit_keeps_the_file_for_the_next_save(login, partner_a_user, draft_report):
    client = login(partner_a_user)
    edit_url = reverse("results:progress_edit", args=[draft_report.pk])
    data = {"reported_on": "", "achieved_value": "3", "narrative": "Tres contactos.", "version": "1"}
    response = client.post(edit_url, {**data, "evidence": SimpleUploadedFile("acta.pdf", PDF)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Adjunto: acta.pdf" in page and "Tres contactos." in page
    draft_report.refresh_from_db()
    assert not draft_report.evidence

    token = _staged_token(client)
    response = client.post(
        edit_url, {**data, "reported_on": "2008-09-30", "staged_evidence": token, "keep_evidence": "keep"}
    )
    assert response.status_code == 302
    draft_report.refresh_from_db()
    assert draft_report.evidence.read() == PDF and draft_report.narrative == "Tres contactos."


def test_staged_files_nobody_came_back_for_are_purged():
    kept = default_storage.save(f"{STAGING_FOLDER}/new/acta.pdf", ContentFile(PDF))
    old = default_storage.save(f"{STAGING_FOLDER}/old/acta.pdf", ContentFile(PDF))
    when = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(default_storage.path(old), (when, when))
    assert staged_evidence_purge() == 1
    assert default_storage.exists(kept) and not default_storage.exists(old)
    assert default_storage.listdir(STAGING_FOLDER) == (["new"], [])
