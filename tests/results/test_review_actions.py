"""Approving, returning and locking return to the list they were done from, with its filters, and say so."""

from django.urls import reverse

from results.models import ProgressStatus


def test_approving_from_the_queue_returns_to_it_with_its_query_and_a_message(
    login, submitted_report, staff_user
):
    client = login(staff_user)
    queue = reverse("results:review_queue") + "?programme=pcc&page=2"
    response = client.post(reverse("results:progress_approve", args=[submitted_report.pk]), {"next": queue})
    assert response.status_code == 302 and response["Location"] == queue
    submitted_report.refresh_from_db()
    assert submitted_report.status == ProgressStatus.APPROVED
    page = client.get(queue).content.decode()
    assert "El informe está ahora «Aprobado»." in page


def test_returning_from_the_queue_returns_to_it(login, submitted_report, staff_user):
    queue = reverse("results:review_queue") + "?page=1"
    response = login(staff_user).post(
        reverse("results:progress_return", args=[submitted_report.pk]),
        {"comment": "Falta el acta.", "next": queue},
    )
    assert response["Location"] == queue
    submitted_report.refresh_from_db()
    assert submitted_report.status == ProgressStatus.RETURNED


def test_a_next_off_the_site_falls_back_to_the_report(login, submitted_report, staff_user):
    response = login(staff_user).post(
        reverse("results:progress_approve", args=[submitted_report.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == submitted_report.get_absolute_url()


def test_the_queue_posts_and_links_where_it_is(login, submitted_report, staff_user):
    queue = reverse("results:review_queue") + "?page=1"
    page = login(staff_user).get(queue).content.decode()
    assert f'<input type="hidden" name="next" value="{reverse("results:review_queue")}?page=1">' in page
    assert f'{submitted_report.get_absolute_url()}?next=/results/review/%3Fpage%3D1"' in page


def test_the_report_opened_from_the_queue_returns_there_after_approval(login, submitted_report, staff_user):
    client = login(staff_user)
    queue = reverse("results:review_queue") + "?page=1"
    page = client.get(submitted_report.get_absolute_url(), {"next": queue}).content.decode()
    assert f'<input type="hidden" name="next" value="{reverse("results:review_queue")}?page=1">' in page
    assert (
        'name="next" value="https://'
        not in client.get(
            submitted_report.get_absolute_url(), {"next": "https://evil.example/"}
        ).content.decode()
    )


def test_locking_a_period_says_which_period_is_locked(login, staff_user, september):
    client = login(staff_user)
    response = client.post(reverse("results:period_lock", args=[september.pk]), {"locked": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("results:period_list")
    assert f"El periodo de informe {september.label} está bloqueado." in response.content.decode()
    response = client.post(reverse("results:period_lock", args=[september.pk]), {"locked": "0"}, follow=True)
    assert f"El periodo de informe {september.label} está abierto de nuevo." in response.content.decode()


def test_the_periods_page_posts_where_it_is(login, staff_user, september):
    page = login(staff_user).get(reverse("results:period_list")).content.decode()
    assert f'<input type="hidden" name="next" value="{reverse("results:period_list")}">' in page
