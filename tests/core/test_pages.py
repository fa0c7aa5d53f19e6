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


def test_a_forbidden_page_says_why_in_the_readers_language_with_the_sites_navigation(login, partner_a_user):
    from django.urls import reverse

    response = login(partner_a_user).get(reverse("reports:programme_dashboard", args=["pcc"]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "No permitido" in html and "403 Forbidden" not in html
    assert reverse("agreements:programme_list") in html  # the navigation is there


def test_a_missing_page_is_a_404_with_the_sites_navigation(login, staff_user):
    response = login(staff_user).get("/budgets/nope/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "No encontrado" in html and 'lang="es"' in html


def test_the_server_error_page_needs_no_database(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Algo salió mal" in response.content.decode()
