from django.urls import reverse

from agreements.models import Agreement


def test_a_user_can_choose_the_swiss_number_format(login, partner_a_user):
    client = login(partner_a_user)
    agreement_url = Agreement.objects.get(programme__code="pcc").get_absolute_url()
    assert "3,283,290.00" in client.get(agreement_url, {"as_of": "2008-12-31"}).content.decode()
    response = client.post(reverse("core:preferences"), {"number_format": "ch", "email": ""})
    assert response.status_code == 302
    html = client.get(agreement_url, {"as_of": "2008-12-31"}).content.decode()
    assert "3&#x27;283&#x27;290.00" in html


def test_healthz_answers_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
