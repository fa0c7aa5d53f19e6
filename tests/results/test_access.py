"""Who sees and does what: the querysets, and every view for every role."""

import pytest
from django.urls import reverse

from results.models import Activity, Indicator, ProgressReport, Result, WorkPlan

ALL_PLANS = {
    "poa-prosur-2008",
    "poa-ampex-2008",
    "poa-cerx-aqp-2008",
    "poa-cerx-lam-2008",
    "poa-turismo-2008",
}


def _plans(user):
    return set(WorkPlan.objects.for_user(user).values_list("code", flat=True))


def test_partners_see_only_their_organisations_plans(partner_a_user, partner_a_viewer, partner_b_user):
    assert _plans(partner_a_user) == {"poa-prosur-2008"}
    assert _plans(partner_a_viewer) == {"poa-prosur-2008"}
    assert _plans(partner_b_user) == {"poa-ampex-2008"}
    assert set(Activity.objects.for_user(partner_b_user).values_list("plan__code", flat=True)) == {
        "poa-ampex-2008"
    }
    assert set(Indicator.objects.for_user(partner_b_user).values_list("result__plan__code", flat=True)) == {
        "poa-ampex-2008"
    }
    assert set(Result.objects.for_user(partner_a_user).values_list("plan__code", flat=True)) == {
        "poa-prosur-2008"
    }


def test_an_ogd_sees_the_tourism_plan_it_shares(pcc):
    from agreements.models import Role
    from core.models import Organisation
    from tests.factories import UserFactory

    ogd = UserFactory(membership=(Organisation.objects.get(acronym="OGD-CUS"), Role.PARTNER_VIEWER))
    assert _plans(ogd) == {"poa-turismo-2008"}


def test_staff_see_every_plan_of_their_programmes_and_admins_everything(staff_user, admin_user):
    assert _plans(staff_user) == ALL_PLANS
    assert _plans(admin_user) == ALL_PLANS


def test_staff_of_an_organisation_outside_the_programme_see_nothing(pcc):
    from agreements.models import Role
    from tests.factories import OrganisationFactory, UserFactory

    outsider = UserFactory(membership=(OrganisationFactory(acronym="OUTSIDER"), Role.PROGRAMME_STAFF))
    assert _plans(outsider) == set()


def test_anonymous_sees_nothing(pcc):
    from django.contrib.auth.models import AnonymousUser

    assert not WorkPlan.objects.for_user(AnonymousUser()).exists()
    assert not ProgressReport.objects.for_user(AnonymousUser()).exists()


def test_reports_are_scoped_like_their_plans(submitted_report, partner_a_user, partner_b_user, staff_user):
    assert list(ProgressReport.objects.for_user(partner_a_user)) == [submitted_report]
    assert list(ProgressReport.objects.for_user(staff_user)) == [submitted_report]
    assert not ProgressReport.objects.for_user(partner_b_user).exists()


@pytest.fixture
def urls(submitted_report, prosur_activity, prosur_indicator, september):
    """Every results page, on PROSUR objects."""
    r, a, i = submitted_report.pk, prosur_activity.pk, prosur_indicator.pk
    return {
        "plan_list": ("get", reverse("results:plan_list")),
        "plan_detail": ("get", reverse("results:plan_detail", args=["poa-prosur-2008"])),
        "schedule": ("get", reverse("results:schedule", args=["poa-prosur-2008"])),
        "activity_detail": ("get", reverse("results:activity_detail", args=[a])),
        "indicator_detail": ("get", reverse("results:indicator_detail", args=[i])),
        "activity_progress_create": ("post", reverse("results:activity_progress_create", args=[a])),
        "indicator_progress_create": ("post", reverse("results:indicator_progress_create", args=[i])),
        "activity_target_change": ("post", reverse("results:activity_target_change", args=[a])),
        "indicator_target_change": ("post", reverse("results:indicator_target_change", args=[i])),
        "progress_detail": ("get", reverse("results:progress_detail", args=[r])),
        "progress_edit": ("post", reverse("results:progress_edit", args=[r])),
        "progress_submit": ("post", reverse("results:progress_submit", args=[r])),
        "progress_approve": ("post", reverse("results:progress_approve", args=[r])),
        "progress_return": ("post", reverse("results:progress_return", args=[r])),
        "progress_reopen": ("post", reverse("results:progress_reopen", args=[r])),
        "review_queue": ("get", reverse("results:review_queue")),
        "period_list": ("get", reverse("results:period_list")),
        "period_lock": ("post", reverse("results:period_lock", args=[september.pk])),
    }


def test_anonymous_is_sent_to_login_from_every_page(client, urls):
    for name, (method, url) in urls.items():
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


# Pages on PROSUR objects that another partner must not learn exist.
OBJECT_PAGES = [
    "plan_detail",
    "schedule",
    "activity_detail",
    "indicator_detail",
    "activity_progress_create",
    "indicator_progress_create",
    "activity_target_change",
    "indicator_target_change",
    "progress_detail",
    "progress_edit",
    "progress_submit",
    "progress_approve",
    "progress_return",
    "progress_reopen",
]


def test_another_partners_objects_are_not_found(login, partner_b_user, urls):
    client = login(partner_b_user)
    for name in OBJECT_PAGES:
        method, url = urls[name]
        assert getattr(client, method)(url).status_code == 404, name


def test_a_viewer_reads_but_every_post_is_forbidden(login, partner_a_viewer, urls):
    client = login(partner_a_viewer)
    for name, (method, url) in urls.items():
        if method == "get" and name not in ("review_queue", "period_list"):
            assert client.get(url).status_code == 200, name
        elif method == "post":
            assert client.post(url, {"comment": "x", "reason": "x", "printed": "1"}).status_code == 403, name


def test_partners_cannot_open_staff_pages_or_review(login, partner_a_user, urls):
    client = login(partner_a_user)
    for name in ["review_queue", "period_list"]:
        assert client.get(urls[name][1]).status_code == 403, name
    for name in ["progress_approve", "progress_return", "activity_target_change", "period_lock"]:
        assert client.post(urls[name][1], {"comment": "x", "printed": "1"}).status_code == 403, name


def test_staff_cannot_write_a_partners_progress(login, staff_user, urls):
    client = login(staff_user)
    for name in ["activity_progress_create", "progress_edit", "progress_submit"]:
        assert client.post(urls[name][1]).status_code == 403, name


@pytest.mark.parametrize("actor", ["staff_user", "admin_user", "partner_a_user", "partner_a_viewer"])
def test_every_page_a_role_may_read_renders(request, login, urls, actor):
    user = request.getfixturevalue(actor)
    client = login(user)
    staff_only = {"review_queue", "period_list"}
    for name, (method, url) in urls.items():
        if method != "get":
            continue
        expected = 200 if (name not in staff_only or actor in ("staff_user", "admin_user")) else 403
        assert client.get(url).status_code == expected, (actor, name)
