from django.urls import reverse


def test_glossary_is_searchable(login, partner_a_user):
    response = login(partner_a_user).get(reverse("core:glossary"), {"q": "destino"})
    html = response.content.decode()
    assert "OGD" in html and "Organización de Gestión de Destino" in html
    assert "COSUDE" not in html


def test_acronyms_carry_their_meaning_as_a_tooltip(login, staff_user):
    response = login(staff_user).get(reverse("agreements:programme_detail", args=["pcc"]))
    assert (
        '<abbr title="Ministerio de Comercio Exterior y Turismo">MINCETUR</abbr>' in response.content.decode()
    )


def test_source_document_lines_are_linkable_and_highlighted(login, staff_user):
    response = login(staff_user).get(
        reverse("agreements:document", args=["pcc-enmienda-2009"]), {"lines": "214"}
    )
    html = response.content.decode()
    assert 'class="src-line hl" id="L214"' in html
    assert "1.25 CHF/USD" in html


def test_language_can_be_switched_to_english(client, staff_user):
    client.force_login(staff_user)
    spanish = client.get(reverse("agreements:programme_list"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Programas" in spanish
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("agreements:programme_list")).content.decode()
    assert "Programmes" in english and 'lang="en"' in english


def test_login_page_is_open(client, db):
    assert client.get(reverse("login")).status_code == 200
