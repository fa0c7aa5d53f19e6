"""Partners report progress through the pages; staff review it."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from results.models import ProgressReport, ProgressStatus


def test_a_prosur_editor_reports_staff_approve_and_ampex_cannot_see_it(
    login, client, partner_a_user, partner_b_user, staff_user, prosur_activity, september
):
    editor = login(partner_a_user)
    form_url = reverse("results:activity_progress_create", args=[prosur_activity.pk])
    page = editor.get(form_url)
    assert page.status_code == 200
    assert '<label for="id_achieved_value">' in page.content.decode()
    response = editor.post(
        form_url,
        {
            "period": september.pk,
            "reported_on": "2008-09-30",
            "achieved_value": "2",
            "narrative": "Dos importadores interesados (Hamburgo, Lyon).",
            "evidence": SimpleUploadedFile("informe.pdf", b"%PDF-1.4 informe"),
        },
    )
    report = ProgressReport.objects.get(activity=prosur_activity)
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.status == ProgressStatus.DRAFT and report.evidence.name.endswith(".pdf")
    editor.post(reverse("results:progress_submit", args=[report.pk]))
    client.logout()

    reviewer = login(staff_user)
    queue = reviewer.get(reverse("results:review_queue")).content.decode()
    assert report.get_absolute_url() in queue
    reviewer.post(reverse("results:progress_approve", args=[report.pk]))
    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == (ProgressStatus.APPROVED, staff_user)
    plan_page = reviewer.get(reverse("results:plan_detail", args=["poa-prosur-2008"])).content.decode()
    assert "(100.0\xa0%)" in plan_page  # core.formatting.percent, a no-break space before the sign
    client.logout()

    other = login(partner_b_user)
    assert other.get(report.get_absolute_url()).status_code == 404
    assert other.get(prosur_activity.get_absolute_url()).status_code == 404
    assert report.get_absolute_url() not in other.get(reverse("results:plan_list")).content.decode()


def test_a_text_target_asks_for_a_text_and_a_numeric_one_for_a_number(login, partner_a_user, pcc):
    from results.models import Indicator

    text = Indicator.objects.get(result__plan__code="poa-prosur-2008", code="IR.4.2")
    html = (
        login(partner_a_user)
        .get(reverse("results:indicator_progress_create", args=[text.pk]))
        .content.decode()
    )
    assert 'name="achieved_text"' in html and 'name="achieved_value"' not in html


def test_an_oversized_or_wrong_evidence_file_is_refused_on_the_form(
    login, partner_a_user, prosur_activity, september
):
    response = login(partner_a_user).post(
        reverse("results:activity_progress_create", args=[prosur_activity.pk]),
        {
            "period": september.pk,
            "reported_on": "2008-09-30",
            "achieved_value": "1",
            "evidence": SimpleUploadedFile("macro.exe", b"MZ"),
        },
    )
    assert response.status_code == 200
    assert not ProgressReport.objects.exists()


def test_the_editor_corrects_a_returned_report_on_the_edit_page(
    login, client, submitted_report, staff_user, partner_a_user
):
    login(staff_user).post(
        reverse("results:progress_return", args=[submitted_report.pk]),
        {"comment": "Indique los importadores."},
    )
    client.logout()
    editor = login(partner_a_user)
    edit_url = reverse("results:progress_edit", args=[submitted_report.pk])
    assert editor.get(edit_url).status_code == 200
    editor.post(
        edit_url, {"reported_on": "2008-09-30", "achieved_value": "2", "narrative": "Hamburgo y Lyon."}
    )
    editor.post(reverse("results:progress_submit", args=[submitted_report.pk]))
    submitted_report.refresh_from_db()
    assert (submitted_report.status, submitted_report.achieved_value) == (
        ProgressStatus.SUBMITTED,
        Decimal("2"),
    )


def test_a_refused_transition_is_shown_not_applied(login, submitted_report, partner_a_user):
    response = login(partner_a_user).post(
        reverse("results:progress_submit", args=[submitted_report.pk]), follow=True
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    submitted_report.refresh_from_db()
    assert submitted_report.status == ProgressStatus.SUBMITTED


def test_the_history_of_a_report_is_on_its_page(login, client, submitted_report, staff_user):
    login(staff_user).post(
        reverse("results:progress_return", args=[submitted_report.pk]), {"comment": "Falta evidencia"}
    )
    html = login(staff_user).get(submitted_report.get_absolute_url()).content.decode()
    assert "Falta evidencia" in html
    assert "staff" in html and "prosur" in html  # who submitted, who returned
    assert html.count("<tr>") >= 4  # created, submitted, returned


def test_staff_lock_a_period_on_the_periods_page(login, staff_user, september):
    client = login(staff_user)
    client.post(reverse("results:period_lock", args=[september.pk]), {"locked": "1"})
    september.refresh_from_db()
    assert september.is_locked and september.locked_by == staff_user
    assert (
        datetime.date(2008, 9, 1).strftime("%d.%m.%Y")
        in client.get(reverse("results:period_list")).content.decode()
    )


def test_evidence_is_served_only_to_those_who_see_the_report(
    login, client, partner_a_user, partner_b_user, prosur_activity, september
):
    login(partner_a_user).post(
        reverse("results:activity_progress_create", args=[prosur_activity.pk]),
        {
            "period": september.pk,
            "reported_on": "2008-09-30",
            "achieved_value": "1",
            "evidence": SimpleUploadedFile("acta.csv", b"fecha;importador\n2008-09-12;Hamburgo\n"),
        },
    )
    report = ProgressReport.objects.get(activity=prosur_activity)
    url = reverse("results:progress_evidence", args=[report.pk])
    response = login(partner_a_user).get(url)
    assert response.status_code == 200
    assert b"Hamburgo" in b"".join(response.streaming_content)
    client.logout()
    assert login(partner_b_user).get(url).status_code == 404


def test_the_target_label_reads_in_the_readers_language(login, partner_a_user, prosur_activity):
    """The audit saw "Meta" on English pages: the label is "Target" in English, "Meta" in Spanish."""
    client = login(partner_a_user)
    url = reverse("results:activity_progress_create", args=[prosur_activity.pk])
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    client.cookies["django_language"] = "es"
    spanish = client.get(url).content.decode()
    assert "<p>Target: " in english and "Meta" not in english
    assert "<p>Meta: " in spanish
    assert "numbers written as 1,234.56" in english
