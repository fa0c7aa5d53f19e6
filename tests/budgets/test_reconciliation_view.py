"""budgets:reconciliation — the summary and the findings, scoped to the reader."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reconciliation.engine import reconcile
from reconciliation.models import Finding, FindingStatus, ReconciliationRule
from tests.factories import ParticipantFactory, ProgrammeFactory

URL = reverse("budgets:reconciliation", args=["pcc"])


def test_anonymous_is_sent_to_login(client, pcc):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_staff_see_the_summary_and_every_finding_with_source_links(login, staff_user, findings):
    response = login(staff_user).get(URL, {"table": "programa-cuadro-1", "severity": "material"})
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (
        summary.holding + summary.rounding + summary.observation + summary.material + summary.unchecked
        == summary.rules
    )
    page = response.context["page"]
    codes = {f.rule.code for f in page}
    assert "programa-cuadro-1/238/total:sum-rows" in codes
    assert all(f.severity == "material" for f in page)
    content = response.content.decode()
    assert "/sources/pcc-enmienda-2009/#L238" in content
    # The finding's message writes the total in the reader's (Swiss) style, never as a bare 4086384.
    assert "Se indica CHF 4&#x27;086&#x27;384;" in content
    assert "4086384" not in content


def test_filters_are_kept_in_the_pagination_links(login, staff_user, findings):
    response = login(staff_user).get(URL, {"severity": "rounding"})
    assert response.context["query"] == "severity=rounding"
    assert all(f.severity == "rounding" for f in response.context["page"])


def test_partner_sees_only_findings_about_its_organisation(login, partner_a_user, findings):
    response = login(partner_a_user).get(URL)
    assert response.status_code == 200
    partners = {f.partner.acronym if f.partner else None for f in response.context["page"]}
    assert partners == {"PROSUR"}
    assert "Explanation" not in response.content.decode() or not response.context["can_explain"]


def test_a_programme_the_user_does_not_take_part_in_is_404(login, staff_user, pcc):
    other = ProgrammeFactory(code="other")
    ParticipantFactory(programme=other)
    assert login(staff_user).get(reverse("budgets:reconciliation", args=["other"])).status_code == 404


def test_administrators_open_every_programme(login, admin_user, pcc):
    ProgrammeFactory(code="other")
    assert login(admin_user).get(reverse("budgets:reconciliation", args=["other"])).status_code == 200


def test_explained_findings_are_listed_on_request(login, staff_user, findings):
    finding = Finding.objects.get(rule__code="ceiling/programa-total-chf")
    client = login(staff_user)
    client.post(reverse("budgets:explain", args=["pcc", finding.pk]), {"comment": "Saldo no asignado"})
    response = client.get(URL, {"status": "explained"})
    assert [f.pk for f in response.context["page"]] == [finding.pk]
    assert "Saldo no asignado" in response.content.decode()


def test_staff_recompute_and_partners_may_not(login, staff_user, partner_a_user, pcc):
    url = reverse("budgets:recompute", args=["pcc"])
    Finding.objects.all().delete()
    assert login(partner_a_user).post(url).status_code == 403
    assert not Finding.objects.exists()
    assert login(staff_user).post(url).status_code == 302
    assert Finding.objects.filter(status=FindingStatus.OPEN).exists()


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_findings(login, staff_user, pcc, django_assert_max_num_queries):
    client = login(staff_user)
    reconcile(pcc)
    # Measured warm, as a user's second page: what a process or the cache keeps once (content types, the
    # run's figures) is kept, whichever tests ran before in the process.
    client.get(URL)
    with django_assert_max_num_queries(16):
        client.get(URL)
    before = _queries(client, URL)
    for i in range(30):
        ReconciliationRule.objects.create(
            programme=pcc, code=f"staff/{i}", kind="unknown-{i}", description="x"
        )
    reconcile(pcc)
    client.get(URL)
    assert _queries(client, URL) <= before  # 30 more rules and their findings: not one query more


@pytest.mark.parametrize("user_fixture", ["partner_a_user", "partner_b_user"])
def test_partner_query_count_is_pinned(request, login, findings, user_fixture, django_assert_max_num_queries):
    client = login(request.getfixturevalue(user_fixture))
    with django_assert_max_num_queries(16):
        assert client.get(URL).status_code == 200


@pytest.mark.parametrize("kind", ["schedule_months", "year_vs_phase_target", "target_text_vs_table", "sum"])
def test_every_line_a_finding_cites_links_to_the_source_whatever_its_kind(login, staff_user, findings, kind):
    finding = next(f for f in findings if f.rule.kind == kind and f.lines)
    response = login(staff_user).get(URL, {"kind": kind, "page": 1})
    row = response.content.decode().split(f'id="finding-{finding.pk}"')[1].split("</tr>")[0]
    source = row.split('class="source-line"')[1]
    for line in finding.lines:
        assert f'href="{finding.document.line_url(line)}"' in source


def test_the_findings_export_holds_what_the_filters_select_on_every_page(login, staff_user, findings):
    import csv
    import io

    from openpyxl import load_workbook

    client = login(staff_user)
    query = {"table": "programa-cuadro-1", "severity": "material"}
    on_screen = {f.pk for f in client.get(URL, query).context["page"]}
    response = client.get(reverse("budgets:reconciliation_export", args=["pcc", "csv"]), query)
    assert response["Content-Disposition"] == 'attachment; filename="pcc-findings.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(on_screen) and all(r["severity"] == "Significativa" for r in rows)
    total = next(r for r in rows if r["rule"] == "programa-cuadro-1/227/total:sum-columns")
    assert (total["stated"], total["recomputed"], total["lines"]) == ("140760", "140764", "227")
    everything = client.get(reverse("budgets:reconciliation_export", args=["pcc", "xlsx"]))
    sheet = load_workbook(io.BytesIO(everything.content), read_only=True).active
    assert sheet.max_row - 1 == Finding.objects.filter(rule__programme__code="pcc").current().count()


def test_a_partner_exports_only_the_findings_about_it(login, partner_a_user, findings):
    import csv
    import io

    response = login(partner_a_user).get(reverse("budgets:reconciliation_export", args=["pcc", "csv"]))
    partners = {r["partner"] for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert partners == {"PROSUR"}
    assert (
        login(partner_a_user).get(reverse("budgets:reconciliation_export", args=["pcc", "pdf"])).status_code
        == 404
    )


def test_stated_and_recomputed_amounts_are_in_the_readers_number_style(login, staff_user, findings):
    finding = Finding.objects.get(rule__code="programa-cuadro-1/238/total:sum-columns")
    html = login(staff_user).get(URL, {"table": "programa-cuadro-1"}).content.decode()
    row = html.split(f'id="finding-{finding.pk}"')[1].split("</tr>")[0]
    # COSUDE reads Swiss format: 4'086'384 stated (line 238) against 4'000'000 recomputed, with CHF.
    assert "CHF&nbsp;4&#x27;086&#x27;384.00" in row and "CHF&nbsp;4&#x27;000&#x27;000.00" in row
    assert "4086384 CHF" not in row
