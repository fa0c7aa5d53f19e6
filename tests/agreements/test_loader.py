from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agreements.models import Agreement, Amendment, CeilingChange, Programme
from core.loading import FixtureError, load_programme
from core.models import Document, GlossaryTerm, Organisation
from tests.conftest import PCC_FOLDER

SEED = PCC_FOLDER / "source" / "000_decd2e9a32446ca2.txt"


@pytest.mark.django_db
def test_the_command_loads_the_pcc_agreement_and_amendment():
    call_command("load_programme", str(PCC_FOLDER))
    programme = Programme.objects.get(code="pcc")
    agreement = Agreement.objects.get(programme=programme)
    amendment = Amendment.objects.get(agreement=agreement)
    assert agreement.signed_on.isoformat() == "2005-08-23"
    assert (amendment.signed_on.isoformat(), amendment.signed_place) == ("2009-03-11", "Lima")
    assert amendment.retroactive_from.isoformat() == "2008-09-01"
    assert amendment.new_end_date.isoformat() == "2008-12-31"
    changes = {str(c.increase.currency): c for c in CeilingChange.objects.filter(amendment=amendment)}
    assert changes["USD"].increase.amount == Decimal("83290.00")
    assert changes["USD"].new_total.amount == Decimal("3283290.00")
    assert changes["CHF"].increase.amount == Decimal("87460.00")
    assert changes["CHF"].new_total.amount == Decimal("4087460.00")
    assert changes["CHF"].is_cap


@pytest.mark.django_db
def test_every_figure_of_the_amendment_points_to_a_seed_line_that_prints_it():
    load_programme(PCC_FOLDER)
    seed = SEED.read_text(encoding="utf-8").splitlines()
    for change in CeilingChange.objects.all():
        assert change.increase_as_printed in seed[change.increase_line - 1]
        assert change.new_total_as_printed in seed[change.new_total_line - 1]


@pytest.mark.django_db
def test_the_glossary_holds_every_abbreviation_of_the_source_with_its_line():
    load_programme(PCC_FOLDER)
    seed = SEED.read_text(encoding="utf-8").splitlines()
    start = seed.index("Abreviaciones")
    listed = [line for line in seed[start + 1 : seed.index("Plan Operativo PCC 2005 – 2008")] if "\t" in line]
    assert GlossaryTerm.objects.count() == len(listed)
    term = GlossaryTerm.objects.get(acronym="OGD")
    assert seed[term.line - 1] == "OGD\tOrganización de Gestión de Destino (turístico)"


@pytest.mark.django_db
def test_the_source_document_is_stored_whole():
    load_programme(PCC_FOLDER)
    document = Document.objects.get()
    assert document.text == SEED.read_text(encoding="utf-8")
    assert document.line_text(48).startswith("Suscrito en la ciudad de Lima, el 11 de marzo de 2009")


@pytest.mark.django_db
def test_the_seed_organisations_are_loaded():
    load_programme(PCC_FOLDER)
    acronyms = set(Organisation.objects.values_list("acronym", flat=True))
    assert {
        "COSUDE",
        "SECO",
        "APCI",
        "MINCETUR",
        "PROSUR",
        "AMPEX",
        "CERX-AQP",
        "CERX-LAM",
        "MWA",
        "TULUM",
        "SC",
        "SIPPO",
        "ADEX",
    } <= acronyms
    assert Organisation.objects.filter(kind="ogd").count() == 6


@pytest.mark.django_db
def test_a_bad_amount_in_a_fixture_is_refused_with_its_place_and_nothing_is_written(tmp_path: Path):
    folder = tmp_path / "prog"
    folder.mkdir()
    (folder / "source").mkdir()
    (folder / "source" / "doc.txt").write_text("line one\n", encoding="utf-8")
    (folder / "programme.yaml").write_text(
        "documents: [{code: d, title: D, file: source/doc.txt}]\n"
        "organisations: [{acronym: X, name: X, kind: donor, country: CH}]\n"
        "exchange_rates: [{code: r, base: USD, quote: CHF, rate: 'uno', valid_from: 2008-01-01,"
        " valid_to: 2008-12-31, document: d, line: 1}]\n",
        encoding="utf-8",
    )
    with pytest.raises(FixtureError, match=r"exchange_rates\[0\].*'uno'"):
        load_programme(folder)
    assert not Organisation.objects.filter(acronym="X").exists()


@pytest.mark.django_db
def test_the_command_reports_a_missing_folder_clearly(tmp_path: Path):
    with pytest.raises(CommandError, match="no programme.yaml here"):
        call_command("load_programme", str(tmp_path))
