"""The search box: activities, indicators, findings and source lines, as the user may see them, matched
without regard to case or accents, against the PCC source (fixtures/pcc/source/000_decd2e9a32446ca2.txt)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import DocumentAccess, Role
from reconciliation.models import Finding
from results.models import Activity
from tests.factories import (
    ActivityFactory,
    DocumentFactory,
    OrganisationFactory,
    UserFactory,
    WorkPlanFactory,
)

URL = reverse("search")
SOURCE = "pcc-enmienda-2009"  # fixtures/pcc/source/000_decd2e9a32446ca2.txt
SOURCE_URL = reverse("agreements:document", args=[SOURCE])
# The lines of the source that mention Arequipa (grep -in arequipa), as printed: line 88 "AREQUIPA",
# 722 the title of CERX Arequipa's plan, 1120 its Anexo 1 row.
AREQUIPA_LINES = [88, 110, 225, 252, 254, 315, 329, 351, 580, 662, 664, 682, 686, 702, 708, 710, 714]
AREQUIPA_LINES += [722, 726, 749, 750, 780, 781, 782, 793, 796, 822, 893, 905, 983, 984, 988, 994, 1120]


def _hits(response, kind: str) -> list:
    """Every hit of one kind, on every page of it."""
    group = next(g for g in response.context["groups"] if g.kind == kind)
    return group.load(group.keys) if kind != "lines" else group.keys


def _section(html: str, kind: str) -> str:
    return (
        html.split(f'id="{kind}-heading"', 1)[1].split("</section>", 1)[0]
        if f'id="{kind}-heading"' in html
        else ""
    )


def test_arequipa_finds_the_source_lines_that_mention_it_and_cerx_arequipas_activities(login, staff_user):
    response = login(staff_user).get(URL, {"q": "Arequipa"})
    assert response.status_code == 200
    assert [hit.number for hit in _hits(response, "lines")] == AREQUIPA_LINES
    cerx = {
        a.code: a
        for a in Activity.objects.filter(plan__code="poa-cerx-aqp-2008", statement__icontains="arequipa")
    }
    found = {hit.activity.pk for hit in _hits(response, "activities")}
    assert {"1.1.", "1.2.", "1.2.1.", "2.2.1.", "2.3.1."} <= set(cerx)
    assert {a.pk for a in cerx.values()} <= found
    html = response.content.decode()
    activities = _section(html, "activities")
    assert f'href="{cerx["1.2.1."].get_absolute_url()}"' in activities
    assert "presentar el PERX <mark>Arequipa</mark>" in activities
    assert "CERX <mark>AREQUIPA</mark>" in activities  # activity 1.2, in capitals
    # The first page of the source lines: line 722, linked to the viewer at that line.
    lines = _section(html, "lines")
    assert f'href="{SOURCE_URL}?lines=722#L722"' in lines
    assert "Plan de Trabajo Anual CERX <mark>Arequipa</mark>" in lines


def test_a_source_hit_opens_the_viewer_at_its_line_highlighted(login, staff_user):
    client = login(staff_user)
    hit = _hits(client.get(URL, {"q": "Cooperación Comercial"}), "lines")[0]
    assert hit.number == 19  # "Programa de Cooperación Comercial (PCC)", the amendment's title
    viewer = client.get(hit.url)
    assert viewer.status_code == 200
    assert (19, '"Programa de Cooperación Comercial (PCC)"', True) in viewer.context["lines"]


@pytest.mark.parametrize("query", ["cooperacion", "COOPERACIÓN", "Cooperación"])
def test_matching_ignores_case_and_accents(login, staff_user, query):
    response = login(staff_user).get(URL, {"q": query})
    numbers = [hit.number for hit in _hits(response, "lines")]
    assert {10, 15, 19, 127, 166, 210} <= set(numbers)  # COOPERACION (10, 15) and Cooperación
    html = response.content.decode()
    assert "AGENCIA SUIZA PARA EL DESARROLLO Y LA <mark>COOPERACION</mark> (COSUDE)" in html
    assert "Programa de <mark>Cooperación</mark> Comercial" in html


def test_every_word_must_appear_and_each_is_marked(login, staff_user):
    response = login(staff_user).get(URL, {"q": "granos olivo"})
    assert [hit.number for hit in _hits(response, "lines")] == [329]  # "Artesanías, Olivo y Granos Andinos"
    assert "Artesanías, <mark>Olivo</mark> y <mark>Granos</mark> Andinos" in response.content.decode()


def test_a_long_source_line_is_shown_around_its_match(login, staff_user):
    response = login(staff_user).get(URL, {"q": "orégano"})
    line = _section(response.content.decode(), "lines")
    assert "?lines=710#L710" in line  # a paragraph of some 1,100 characters
    excerpt = line.split("?lines=710#L710", 1)[1].split("</li>", 1)[0]
    assert "variedades de <mark>orégano</mark> con fines" in excerpt
    assert "…" in excerpt and "Respecto a las actividades programadas" not in excerpt


def test_indicators_are_found_by_wording_and_link_to_their_page(login, staff_user):
    response = login(staff_user).get(URL, {"q": "PERX reformulado"})
    indicators = _hits(response, "indicators")
    assert [(h.indicator.code, h.indicator.result.plan.code) for h in indicators] == [
        ("IR1.5.", "poa-cerx-aqp-2008")  # line 749: "El PERX de Arequipa ha sido reformulado, …"
    ]
    assert f'href="{indicators[0].indicator.get_absolute_url()}"' in response.content.decode()


def test_a_partner_finds_only_its_own_activities_and_findings(login, partner_a_user, partner_b_user):
    # AMPEX's activity 2.1.2 "Actualización y difusión de Brochure para el 2008." (line 516).
    brochure = Activity.objects.get(
        plan__code="poa-ampex-2008", statement__startswith="Actualización y difusión de Brochure"
    )
    prosur = login(partner_a_user).get(URL, {"q": "difusion de brochure"})
    assert _hits(prosur, "activities") == []
    assert brochure.get_absolute_url() not in prosur.content.decode()
    ampex = login(partner_b_user).get(URL, {"q": "difusion de brochure"})
    assert [hit.activity for hit in _hits(ampex, "activities")] == [brochure]

    # AMPEX's findings on its Cuadro 2 ("Se indica 33,915; …", lines 602–628) are AMPEX's alone.
    prosur = login(partner_a_user).get(URL, {"q": "33,915"})
    assert _hits(prosur, "findings") == []
    ampex = login(partner_b_user).get(URL, {"q": "33,915"})
    assert len(_hits(ampex, "findings")) == 2
    assert {
        hit.finding.partner.acronym
        for hit in _hits(login(partner_a_user).get(URL, {"q": "suma"}), "findings")
    } == {"PROSUR"}


def test_lines_the_programme_withholds_from_a_partner_are_not_found(
    login, partner_a_user, partner_b_user, pcc
):
    pcc.partner_document_access = DocumentAccess.OWN_LINES
    pcc.save(update_fields=["partner_document_access"])
    # AMPEX's row of the subproject Cuadro 1, printed twice (lines 579 and 892).
    assert [hit.number for hit in _hits(login(partner_b_user).get(URL, {"q": "198,014"}), "lines")] == [
        579,
        892,
    ]
    assert _hits(login(partner_a_user).get(URL, {"q": "198,014"}), "lines") == []
    # Outside the tables a partner still finds the narrative.
    assert 252 in [hit.number for hit in _hits(login(partner_a_user).get(URL, {"q": "Arequipa"}), "lines")]


def test_a_user_of_another_programme_finds_nothing_of_the_pcc(login, pcc):
    partner = OrganisationFactory(acronym="TEST-AQP")
    document = DocumentFactory(code="test-aqp-plan", text="Plan de otro programa\nTalleres en Arequipa\n")
    plan = WorkPlanFactory(organisation=partner, document=document)
    own = ActivityFactory(result__plan=plan, statement="Talleres de exportación en Arequipa")
    user = UserFactory(membership=(partner, Role.PARTNER_EDITOR, plan.programme))
    response = login(user).get(URL, {"q": "Arequipa"})
    assert [hit.activity for hit in _hits(response, "activities")] == [own]
    assert [(hit.document.code, hit.number) for hit in _hits(response, "lines")] == [("test-aqp-plan", 2)]
    assert _hits(response, "indicators") == [] and _hits(response, "findings") == []
    html = response.content.decode()
    assert SOURCE_URL not in html
    assert not [
        a for a in Activity.objects.filter(plan__programme=pcc) if f'href="{a.get_absolute_url()}"' in html
    ]

    staff_elsewhere = UserFactory(
        membership=(OrganisationFactory(acronym="TEST-DONOR"), Role.PROGRAMME_STAFF, plan.programme)
    )
    response = login(staff_elsewhere).get(URL, {"q": "suma de sus términos"})
    assert _hits(response, "findings") == [] and _hits(response, "lines") == []


def test_findings_are_matched_in_the_readers_language(login, staff_user):
    client = login(staff_user)
    spanish = _hits(client.get(URL, {"q": "suma de sus terminos"}), "findings")
    assert spanish and all("la suma de sus términos es" in hit.finding.text for hit in spanish)
    assert _hits(client.get(URL, {"q": "sum of its terms"}), "findings") == []
    client.post(reverse("set_language"), {"language": "en"})
    english = client.get(URL, {"q": "sum of its terms"})
    assert {hit.finding.pk for hit in _hits(english, "findings")} == {hit.finding.pk for hit in spanish}
    assert (
        "the <mark>sum</mark> <mark>of</mark> <mark>its</mark> <mark>terms</mark>" in english.content.decode()
    )


def test_a_finding_links_to_its_page_of_the_reconciliation_list(login, staff_user, pcc):
    client = login(staff_user)
    hits = _hits(client.get(URL, {"q": "suma de sus terminos"}), "findings")
    assert len(hits) > 20  # beyond the reconciliation's first page of 50 too: 64 current findings
    by_page: dict[str, list] = {}
    for hit in hits:
        page = re.search(r"[?&]page=(\d+)", hit.url)
        by_page.setdefault(page.group(1) if page else "1", []).append(hit)
    assert set(by_page) == {"1", "2"}
    for page_hits in by_page.values():
        listed = client.get(page_hits[0].url).content.decode()
        for hit in page_hits:
            assert f'id="finding-{hit.finding.pk}"' in listed
            assert hit.url.startswith(reverse("budgets:reconciliation", args=[pcc.code]))


def test_a_finding_hit_shows_its_rule_and_links_its_source_lines(login, partner_b_user):
    response = login(partner_b_user).get(URL, {"q": "US$ 30,200"})
    [hit] = _hits(response, "findings")  # "US$ 30,200 (línea 579) figura como CHF 30,200 (línea 224)."
    assert hit.finding.lines == [214, 224, 579]  # 214: the rate it is converted at
    findings = _section(response.content.decode(), "findings")
    assert f'href="{SOURCE_URL}#L224"' in findings and f'href="{SOURCE_URL}#L579"' in findings
    assert "<mark>US$</mark> <mark>30,200</mark> (línea 579)" in findings


@pytest.mark.parametrize(
    ("query", "language", "says"),
    [
        ("", "es", "Escriba al menos 2 caracteres"),
        ("", "en", "Type at least 2 characters"),
        ("a", "es", "La búsqueda es demasiado corta"),
        ("a", "en", "The search is too short"),
        ("\u0301\u0301", "en", "The search is too short"),  # two accents alone, no letter
        ("zzqx", "es", "Nada de lo que usted puede ver coincide con «zzqx»."),
        ("zzqx", "en", "Nothing you may see matches «zzqx»."),
    ],
)
def test_an_empty_short_or_fruitless_search_says_so(login, staff_user, query, language, says):
    client = login(staff_user)
    client.post(reverse("set_language"), {"language": language})
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert says in html
    assert 'class="search-group"' not in html


def test_every_page_has_a_labelled_search_box_that_works_without_script(login, staff_user):
    html = login(staff_user).get(reverse("agreements:programme_list")).content.decode()
    [form] = re.findall(r'<form action="([^"]*)" method="get" role="search"[^>]*>(.*?)</form>', html, re.S)
    action, fields = form
    assert action == URL  # a plain GET form: it needs no script
    assert '<label for="search-q"' in fields and 'id="search-q"' in fields and 'name="q"' in fields
    assert '<button type="submit">Buscar</button>' in fields
    # The search page keeps what was typed in the box.
    assert 'name="q" value="Arequipa"' in login(staff_user).get(URL, {"q": "Arequipa"}).content.decode()


def test_each_kind_is_paged_on_its_own_keeping_the_query(login, staff_user):
    client = login(staff_user)
    first = client.get(URL, {"q": "Arequipa"})
    second = client.get(URL, {"q": "Arequipa", "lines_page": "2"})

    def numbers(response):
        return [hit.number for hit in next(g for g in response.context["groups"] if g.kind == "lines").page]

    assert numbers(first) == AREQUIPA_LINES[:20] and numbers(second) == AREQUIPA_LINES[20:]
    # The link opens page 2 at its own section, not at the top of the results.
    assert "q=Arequipa&amp;lines_page=2#lines" in _section(first.content.decode(), "lines")

    def activities(response):
        return [
            hit.activity for hit in next(g for g in response.context["groups"] if g.kind == "activities").page
        ]

    assert activities(second) == activities(first) != []  # the other kinds stay on their page


def test_query_count_does_not_grow_with_the_hits(login, staff_user):
    client = login(staff_user)
    client.get(URL, {"q": "de"})  # the session, the translations, the templates
    counts = {}
    for query in ("zzqx", "Arequipa", "de"):  # no hit; 50; hundreds, of every kind
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"q": query}).status_code == 200
        counts[query] = len(queries)
    # A kind with hits takes one query more, to read its page of hits, whatever their number.
    assert counts["Arequipa"] == counts["de"] <= counts["zzqx"] + 3, counts


def test_query_count_does_not_grow_with_the_programmes(
    login, staff_user, large_portfolio, django_assert_max_num_queries
):
    client = login(staff_user)  # staff of the PCC and of twenty more programmes
    with django_assert_max_num_queries(17):  # one of them: the reader's number style, from their organisation
        assert client.get(URL, {"q": "de", "findings_page": "2", "lines_page": "9"}).status_code == 200


def test_partner_query_count_is_bounded_with_withheld_lines(
    login, partner_a_user, pcc, django_assert_max_num_queries
):
    pcc.partner_document_access = DocumentAccess.OWN_LINES
    pcc.save(update_fields=["partner_document_access"])
    client = login(partner_a_user)
    with django_assert_max_num_queries(21):  # four to find the table lines withheld, one for the number style
        assert client.get(URL, {"q": "de"}).status_code == 200


def test_anonymous_is_sent_to_log_in(client, pcc):
    response = client.get(URL, {"q": "Arequipa"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_findings_no_longer_found_are_not_searched(login, staff_user):
    finding = Finding.objects.filter(partner__acronym="AMPEX", message__contains="33,915").first()
    Finding.objects.filter(pk=finding.pk).update(status="resolved")
    hits = _hits(login(staff_user).get(URL, {"q": "33,915"}), "findings")
    assert finding.pk not in {hit.finding.pk for hit in hits} and len(hits) == 1


@pytest.mark.parametrize("typed", ["33,915", "33'915", "33915"])
def test_a_figure_is_found_whichever_style_it_is_typed_in(login, staff_user, typed):
    """AMPEX's 33,915 (line 611) reads 33'915 for a Swiss reader, 33,915 for a Peruvian one: typed in
    either style, or without marks, it finds the same finding, marked where it is shown."""
    for style, shown in (("ch", "33'915"), ("pe", "33,915")):
        staff_user.number_format = style
        staff_user.save(update_fields=["number_format"])
        response = login(staff_user).get(URL, {"q": typed})
        hits = _hits(response, "findings")
        assert hits and all(hit.finding.partner.acronym == "AMPEX" for hit in hits), (typed, style)
        assert f"<mark>{shown}</mark>".replace("'", "&#x27;") in _section(
            response.content.decode(), "findings"
        )
