import pytest
from django.urls import reverse

from agreements.models import Agreement, Role
from tests.factories import (
    AgreementFactory,
    OrganisationFactory,
    ParticipantFactory,
    ProgrammeFactory,
    UserFactory,
)


@pytest.fixture
def other_programme(pcc):
    """A second programme in which PROSUR and AMPEX take no part."""
    other_org = OrganisationFactory(acronym="OTHERPARTNER")
    programme = ProgrammeFactory(code="otro")
    ParticipantFactory(programme=programme, organisation=other_org)
    AgreementFactory(programme=programme, code="otro-acuerdo")
    return programme


def test_anonymous_users_are_sent_to_login(client, pcc):
    for url in [
        reverse("agreements:programme_list"),
        reverse("agreements:programme_detail", args=["pcc"]),
        reverse("core:glossary"),
        reverse("agreements:document", args=["pcc-enmienda-2009"]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_agreement_page_shows_consolidated_terms_and_derived_originals(login, staff_user):
    agreement = Agreement.objects.get(programme__code="pcc")
    response = login(staff_user).get(agreement.get_absolute_url(), {"as_of": "2008-12-31"})
    assert response.status_code == 200
    html = response.content.decode()
    # Staff of COSUDE (a Swiss organisation) read Swiss number format.
    assert "3&#x27;283&#x27;290.00" in html or "3'283'290.00" in html
    assert "4&#x27;087&#x27;460.00" in html or "4'087'460.00" in html
    assert "4&#x27;000&#x27;000.00" in html or "4'000'000.00" in html
    assert "31.12.2008" in html  # one date style: day.month.year
    assert "derivado" in html or "derived" in html


def test_agreement_page_flags_the_usd_increase_above_the_chf_cap(login, partner_a_user, settings):
    agreement = Agreement.objects.get(programme__code="pcc")
    client = login(partner_a_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(agreement.get_absolute_url())
    html = response.content.decode()
    assert "104,112.50" in html
    assert 'class="finding"' in html


def test_agreement_page_before_the_amendment_shows_the_original_end(login, staff_user):
    agreement = Agreement.objects.get(programme__code="pcc")
    response = login(staff_user).get(agreement.get_absolute_url(), {"as_of": "2008-06-30"})
    assert "31.08.2008" in response.content.decode()


def test_a_bad_as_of_date_is_explained(login, staff_user):
    agreement = Agreement.objects.get(programme__code="pcc")
    response = login(staff_user).get(agreement.get_absolute_url(), {"as_of": "31/12/2008"})
    assert response.status_code == 200
    assert "31/12/2008" in response.content.decode()


def test_a_partner_cannot_open_another_programmes_agreement(login, partner_a_user, other_programme):
    agreement = other_programme.agreements.get()
    client = login(partner_a_user)
    assert client.get(agreement.get_absolute_url()).status_code == 404
    assert client.get(other_programme.get_absolute_url()).status_code == 404
    listing = client.get(reverse("agreements:programme_list")).content.decode()
    assert "OTRO" not in listing and "PCC" in listing


def test_a_user_without_membership_sees_no_programme(login, pcc):
    lonely = UserFactory(username="lonely")
    client = login(lonely)
    assert client.get(reverse("agreements:programme_detail", args=["pcc"])).status_code == 404


def test_an_administrator_sees_every_programme(login, admin_user, other_programme):
    listing = login(admin_user).get(reverse("agreements:programme_list")).content.decode()
    assert "OTRO" in listing and "PCC" in listing


def test_staff_see_only_programmes_of_their_organisation(login, other_programme):
    staff = UserFactory(
        username="other-staff",
        membership=(other_programme.participants.get().organisation, Role.PROGRAMME_STAFF),
    )
    listing = login(staff).get(reverse("agreements:programme_list")).content.decode()
    assert "OTRO" in listing and "PCC" not in listing


def test_agreement_page_queries_do_not_grow_with_amendments(login, staff_user, django_assert_max_num_queries):
    agreement = Agreement.objects.get(programme__code="pcc")
    client = login(staff_user)
    client.get(agreement.get_absolute_url())
    with django_assert_max_num_queries(16):
        client.get(agreement.get_absolute_url())


def test_programme_list_query_count_is_pinned(login, admin_user, django_assert_max_num_queries):
    for n in range(15):
        ProgrammeFactory(code=f"p{n}")
    client = login(admin_user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("agreements:programme_list")).status_code == 200
