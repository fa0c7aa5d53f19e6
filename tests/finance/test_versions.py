"""Budget versions: the PCC's original budget and its extension derived from the tables, the budget as of
a date, reallocations within and above the threshold, and who sees and decides what."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from agreements.models import Amendment, Programme, Role
from budgets.models import BudgetRow
from core.models import Organisation
from finance import versions
from finance.models import BudgetVersion, BudgetVersionKind, BudgetVersionLine, BudgetVersionStatus
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db

BEFORE_EXTENSION = datetime.date(2008, 8, 31)
EXTENSION = datetime.date(2008, 9, 1)
END = datetime.date(2008, 12, 31)


@pytest.fixture
def derived(pcc):
    return versions.derive_versions(pcc)


def row(table: str, line: int) -> BudgetRow:
    return BudgetRow.objects.get(table__code=table, line=line)


def chf(amount: str) -> Money:
    return Money(Decimal(amount), "CHF")


def ampex(line: int) -> BudgetRow:
    return row("sp12-cuadro-2-ampex", line)


@pytest.fixture
def reviewer(pcc):
    """Programme staff other than the one who proposes."""
    return UserFactory(
        username="staff-2",
        email="staff2@example.org",
        membership=(Organisation.objects.get(acronym="COSUDE"), Role.PROGRAMME_STAFF, pcc),
    )


# --- derived from the source ---------------------------------------------------------------------------


def test_original_and_extension_of_ampex_from_programme_cuadro_1_line_223(pcc, derived):
    ampex_row = row("programa-cuadro-1", 223)
    original = BudgetVersion.objects.get(programme=pcc, kind=BudgetVersionKind.ORIGINAL)
    amendment = BudgetVersion.objects.get(programme=pcc, kind=BudgetVersionKind.AMENDMENT)
    # The phase budget 2005–2008: 40'000 + 100'000 + 70'000 + 30'000, each cell a line of its own.
    cells = sorted(original.lines.filter(budget_row=ampex_row).values_list("delta", flat=True))
    assert cells == [Decimal("30000"), Decimal("40000"), Decimal("70000"), Decimal("100000")]
    assert set(original.lines.filter(budget_row=ampex_row).values_list("source_fact__line", flat=True)) == {
        223
    }
    # "2008 extensión": 9'360, in the version of the amendment that grants Sep–Dec 2008 (line 3, retroactive
    # from 1.9.2008, line 45).
    (extension,) = amendment.lines.filter(budget_row=ampex_row)
    assert extension.delta == chf("9360")
    assert extension.source_fact.column_header == "2008 extensión"
    assert amendment.amendment == Amendment.objects.get(agreement__programme=pcc, sequence=1)
    assert (amendment.effective_date, amendment.line) == (EXTENSION, 3)
    assert (original.number, amendment.number) == (1, 2)
    assert original.effective_date == datetime.date(2005, 9, 1)

    assert versions.consolidated(pcc, BEFORE_EXTENSION)[ampex_row.pk] == {"CHF": chf("240000")}
    # The total as printed on line 223.
    assert versions.consolidated(pcc, EXTENSION)[ampex_row.pk] == {"CHF": chf("249360")}


def test_a_reduction_in_the_extension_lowers_the_budget(pcc, derived):
    cerx = row("programa-cuadro-1", 226)  # CERX Lambayeque: (23'940) in the extension, total 126'060
    assert versions.consolidated(pcc, BEFORE_EXTENSION)[cerx.pk] == {"CHF": chf("150000")}
    assert versions.consolidated(pcc, END)[cerx.pk] == {"CHF": chf("126060")}


def test_nothing_before_the_programme_starts(pcc, derived):
    assert versions.consolidated(pcc, datetime.date(2005, 8, 31)) == {}


def test_partners_budgets_by_result_come_with_the_extension_in_each_currency(pcc, derived):
    result_3 = ampex(604)  # CHF 10,556 / US$ 9,400 for Sep–Dec 2008
    assert result_3.pk not in versions.consolidated(pcc, BEFORE_EXTENSION)
    assert versions.consolidated(pcc, EXTENSION)[result_3.pk] == {
        "CHF": chf("10556"),
        "USD": Money(Decimal("9400"), "USD"),
    }


def test_the_load_derives_and_deriving_again_writes_nothing(pcc, derived):
    # load_programme derived them (finance.versions.load is one of PCC_LOADERS): every figure placed.
    assert BudgetVersionLine.objects.filter(version__programme=pcc).exists() and not derived.unplaced
    count = BudgetVersionLine.objects.count()
    again = versions.derive_versions(pcc)
    assert not again.changed
    assert BudgetVersionLine.objects.count() == count


def test_the_command_derives_and_reports(pcc, capsys):
    """For a programme whose tables came as spreadsheets (no load_programme): the same derivation."""
    from django.core.management import call_command

    BudgetVersion.objects.filter(programme=pcc).delete()
    call_command("derive_budget_versions", "pcc")
    call_command("derive_budget_versions", "pcc")
    out = capsys.readouterr().out
    assert "versions written: 2" in out and "versions written: 0" in out


# --- reallocations ---------------------------------------------------------------------------------------


def test_a_reallocation_within_the_threshold_applies_at_once_and_tells_staff(
    pcc, derived, partner_b_user, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    staff_user.email = "staff@example.org"
    staff_user.save()
    figures_before = Programme.objects.get(pk=pcc.pk).figures_version
    with django_capture_on_commit_callbacks(execute=True):
        # 500 is 3.7 % of 13,420 (line 605) and 4.7 % of 10,556 (line 604): within 10 %.
        version = versions.reallocation_propose(
            user=partner_b_user,
            programme=pcc,
            currency="CHF",
            moves={ampex(605).pk: Decimal("-500"), ampex(604).pk: Decimal("500")},
            reason="Más estudios de mercado",
            effective_date=datetime.date(2008, 10, 15),
        )
    assert version.status == BudgetVersionStatus.APPROVED and not version.needs_approval
    assert version.partner.acronym == "AMPEX"
    budget = versions.consolidated(pcc, END)
    assert budget[ampex(605).pk]["CHF"] == chf("12920")
    assert budget[ampex(604).pk]["CHF"] == chf("11056")
    # The other currency of the lines is not touched: a reallocation moves one currency.
    assert budget[ampex(604).pk]["USD"] == Money(Decimal("9400"), "USD")
    # Before its effective date the lines are as derived.
    assert versions.consolidated(pcc, datetime.date(2008, 10, 14))[ampex(604).pk]["CHF"] == chf("10556")
    assert [m.to for m in mailoutbox] == [["staff@example.org"]]
    assert Programme.objects.get(pk=pcc.pk).figures_version > figures_before
    assert version.status_changes.get().to_status == BudgetVersionStatus.APPROVED


def test_a_reallocation_above_the_threshold_waits_for_another_staff_members_approval(
    pcc, derived, staff_user, reviewer
):
    moves = {ampex(605).pk: Decimal("-5000"), ampex(604).pk: Decimal("5000")}  # 47 % of line 604
    version = versions.reallocation_propose(
        user=staff_user, programme=pcc, currency="CHF", moves=moves, reason="Reorientación"
    )
    assert version.status == BudgetVersionStatus.PROPOSED and version.needs_approval
    assert versions.consolidated(pcc, END)[ampex(604).pk]["CHF"] == chf("10556")
    with pytest.raises(PermissionDenied):
        versions.version_approve(version=version, user=staff_user)
    versions.version_approve(version=version, user=reviewer, comment="De acuerdo")
    version.refresh_from_db()
    assert version.status == BudgetVersionStatus.APPROVED
    assert versions.consolidated(pcc, datetime.date.today())[ampex(604).pk]["CHF"] == chf("15556")


def test_a_rejected_reallocation_never_applies_and_needs_a_reason(pcc, derived, partner_b_user, reviewer):
    version = versions.reallocation_propose(
        user=partner_b_user,
        programme=pcc,
        currency="CHF",
        moves={ampex(605).pk: "-5000", ampex(604).pk: "5000"},
        reason="Reorientación",
    )
    with pytest.raises(ValidationError):
        versions.version_reject(version=version, user=reviewer, comment=" ")
    versions.version_reject(version=version, user=reviewer, comment="Sin sustento")
    version.refresh_from_db()
    assert version.status == BudgetVersionStatus.REJECTED
    assert versions.consolidated(pcc, datetime.date.today())[ampex(604).pk]["CHF"] == chf("10556")


@pytest.mark.parametrize(
    "moves, currency, code",
    [
        ({605: "-500", 604: "400"}, "CHF", "not_balanced"),
        ({605: "-500"}, "CHF", "too_few"),
        ({605: "-500", 604: "500"}, "EUR", "no_budget"),  # never a currency the lines have no budget in
        ({605: "-20000", 604: "20000"}, "CHF", "below_zero"),
    ],
)
def test_what_is_not_a_reallocation_is_refused(pcc, derived, staff_user, moves, currency, code):
    with pytest.raises(ValidationError) as refused:
        versions.reallocation_propose(
            user=staff_user,
            programme=pcc,
            currency=currency,
            moves={ampex(line).pk: amount for line, amount in moves.items()},
            reason="Prueba",
        )
    assert code in {error.code for error in refused.value.error_list}
    assert not BudgetVersion.objects.filter(kind=BudgetVersionKind.REALLOCATION).exists()


def test_money_moves_within_one_table(pcc, derived, staff_user):
    with pytest.raises(ValidationError) as refused:
        versions.reallocation_propose(
            user=staff_user,
            programme=pcc,
            currency="CHF",
            moves={ampex(604).pk: "-500", row("programa-cuadro-1", 223).pk: "500"},
            reason="Prueba",
        )
    assert refused.value.error_list[0].code == "several_tables"


def test_a_partner_moves_only_its_own_lines(pcc, derived, partner_a_user):
    with pytest.raises(PermissionDenied):
        versions.reallocation_propose(
            user=partner_a_user,
            programme=pcc,
            currency="CHF",
            moves={ampex(605).pk: "-500", ampex(604).pk: "500"},
            reason="Prueba",
        )


def test_a_partner_sees_only_its_own_lines(pcc, derived, partner_a_user, partner_b_user):
    grid = versions.grid(pcc, END, user=partner_b_user)
    partners = {line.row.partner.acronym for table in grid.tables for line in table.lines}
    assert partners == {"AMPEX"}
    assert {table.table.code for table in grid.tables} == {"programa-cuadro-1", "sp12-cuadro-2-ampex"}
    prosur = versions.grid(pcc, END, user=partner_a_user)
    assert {line.row.partner.acronym for table in prosur.tables for line in table.lines} == {"PROSUR"}


def test_the_grid_shows_original_amendment_and_revised_per_currency(pcc, derived, staff_user):
    grid = versions.grid(pcc, END, user=staff_user)
    assert [column.version.kind for column in grid.columns] == ["original", "amendment"]
    (cuadro_1,) = [t for t in grid.tables if t.table.code == "programa-cuadro-1"]
    (line,) = [line for line in cuadro_1.lines if line.row.line == 223]
    assert [cell.amount for cell in line.cells] == [chf("240000"), chf("9360")]
    assert line.revised == chf("249360")
    lines_604 = [
        line
        for t in grid.tables
        if t.table.code == "sp12-cuadro-2-ampex"
        for line in t.lines
        if line.row.line == 604
    ]
    assert {line.currency: line.revised for line in lines_604} == {
        "CHF": chf("10556"),
        "USD": Money(Decimal("9400"), "USD"),
    }
    assert {currency for currency, _columns, _revised in cuadro_1.totals} == {"CHF"}


# --- pages ---------------------------------------------------------------------------------------------------


def test_staff_see_the_grid_as_of_a_date(pcc, derived, login, client, staff_user):
    login(staff_user)
    page = client.get(reverse("finance:versions", args=["pcc"]), {"as_of": "2008-12-31"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="line-223-CHF"' in html and 'type="date"' in html and 'value="2008-12-31"' in html
    assert "?lines=223#L223" in html
    before = client.get(reverse("finance:versions", args=["pcc"]), {"as_of": "2008-08-31"}).content.decode()
    assert 'id="line-604-CHF"' not in before and 'id="line-604-CHF"' in html


def test_a_partner_proposes_through_the_form_and_staff_approve(
    pcc, derived, login, client, partner_b_user, reviewer
):
    login(partner_b_user)
    url = reverse("finance:reallocation_create", args=["pcc"]) + "?table=sp12-cuadro-2-ampex&currency=CHF"
    form = client.get(url)
    assert form.status_code == 200 and f'name="move_{ampex(604).pk}"' in form.content.decode()
    response = client.post(
        url,
        {
            f"move_{ampex(605).pk}": "-5,000",
            f"move_{ampex(604).pk}": "5,000",
            "effective_date": "2008-10-01",
            "reason": "Más asistencia técnica",
            "title": "",
        },
    )
    version = BudgetVersion.objects.get(kind=BudgetVersionKind.REALLOCATION)
    assert response.status_code == 302 and response.url == version.get_absolute_url()
    assert version.status == BudgetVersionStatus.PROPOSED
    # The partner may see it but not decide it.
    assert client.get(version.get_absolute_url()).status_code == 200
    assert client.post(reverse("finance:version_approve", args=[version.pk])).status_code == 403

    login(reviewer)
    client.post(reverse("finance:version_approve", args=[version.pk]), {"comment": ""})
    version.refresh_from_db()
    assert version.status == BudgetVersionStatus.APPROVED


def test_another_partner_does_not_see_the_version(
    pcc, derived, login, client, partner_a_user, partner_b_user
):
    version = versions.reallocation_propose(
        user=partner_b_user,
        programme=pcc,
        currency="CHF",
        moves={ampex(605).pk: "-5000", ampex(604).pk: "5000"},
        reason="Reorientación",
    )
    login(partner_a_user)
    assert client.get(version.get_absolute_url()).status_code == 404
    assert client.post(reverse("finance:version_approve", args=[version.pk])).status_code == 404


def test_another_programmes_staff_get_404(pcc, derived, login, client):
    other = ProgrammeFactory(code="otro")
    outsider = UserFactory(
        membership=(Organisation.objects.get(acronym="COSUDE"), Role.PROGRAMME_STAFF, other)
    )
    version = BudgetVersion.objects.get(programme=pcc, kind=BudgetVersionKind.ORIGINAL)
    login(outsider)
    assert client.get(reverse("finance:versions", args=["pcc"])).status_code == 404
    assert client.get(reverse("finance:reallocation_create", args=["pcc"])).status_code == 404
    assert client.get(version.get_absolute_url()).status_code == 404
    assert (
        client.post(reverse("finance:version_reject", args=[version.pk]), {"comment": "x"}).status_code == 404
    )


def test_a_viewer_may_not_propose(pcc, derived, login, client, partner_a_viewer):
    login(partner_a_viewer)
    assert client.get(reverse("finance:versions", args=["pcc"])).status_code == 200
    assert client.get(reverse("finance:reallocation_create", args=["pcc"])).status_code == 403


def test_the_grid_query_count_does_not_grow_with_lines(
    pcc, derived, login, client, staff_user, django_assert_max_num_queries
):
    login(staff_user)
    url = reverse("finance:versions", args=["pcc"])
    client.get(url)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for n in range(3):
        versions.reallocation_propose(
            user=staff_user,
            programme=pcc,
            currency="CHF",
            moves={ampex(605).pk: "-100", ampex(604 - n).pk: "100"},
            reason=f"Prueba {n}",
        )
    with django_assert_max_num_queries(13):
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second) == len(first)
