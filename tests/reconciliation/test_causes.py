"""reconciliation.causes — findings grouped under the cause that explains them: on the PCC by its lines, on
the reconciliation page (in the reader's language) and in its export."""

import csv
import io
from html import unescape

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from reconciliation.causes import group_by_cause
from reconciliation.models import Finding, Severity
from tests.factories import FindingFactory, ReconciliationRuleFactory

URL = reverse("budgets:reconciliation", args=["pcc"])
PAGE_ORDER = ("rule__budget_table__order", "rule__code", "key")
CUADRO_1 = "Cuadro 1: El presupuesto en francos suizos del programa es el siguiente"  # source line 214


def _grouping(programme):
    findings = (
        Finding.objects.filter(rule__programme=programme)
        .current()
        .select_related("rule", "document")
        .order_by(*PAGE_ORDER)
    )
    return group_by_cause(findings)


def _cause(grouping, kind):
    [cause] = [c for c in grouping.causes if c.root.rule.kind == kind]
    return cause


def test_the_shifted_row_explains_the_sums_over_its_rows(pcc, findings):
    cause = _cause(_grouping(pcc), "row_labels")
    # Programme Cuadro 1: «PROSUR» (line 222) states no amount, line 230 states amounts without a label.
    assert cause.root.lines == [222, 223, 230]
    explained = {f.rule.code: f.lines for f in cause.explained}
    # The sum across line 227 (CERX Lambayeque, 140'760) and the TOTAL's sum over the rows 218–237.
    assert explained["programa-cuadro-1/227/total:sum-columns"] == [227]
    assert set(range(223, 231)) <= set(explained["programa-cuadro-1/238/total:sum-rows"])
    # That TOTAL (line 238) is what the agreement's ceiling is checked against: it follows too.
    assert explained["ceiling/programa-total-chf"] == [35, 238]
    # The figures in the wrong currency on those rows are a cause of their own, not a symptom of this one.
    assert not any(f.rule.kind == "same_figure" for f in cause.explained)
    with translation.override("es"):
        assert cause.text.startswith(f"Líneas 222–230 de «{CUADRO_1}")


def test_a_table_printing_dollars_as_francs_is_one_cause(pcc, findings):
    grouping = _grouping(pcc)
    cause = _cause(grouping, "same_figure")
    printed = sorted(f.lines for f in cause.findings if f.rule.kind == "same_figure")
    # The «2008 extensión» column of programme Cuadro 1 prints the US$ amounts of Sp 1.2's Cuadro 1
    # (lines 578–582) as CHF, at the table's stated rate of line 214.
    assert printed == [[214, 223, 578], [214, 224, 579], [214, 226, 580], [214, 227, 581], [214, 230, 582]]
    assert cause.root.rule.code == "currency/extension-prosur"  # the table's first such line, 223
    # The amendment's increase in CHF is checked on that column: it follows from the same cause.
    assert "ceiling/programa-extension-chf" in {f.rule.code for f in cause.explained}
    with translation.override("es"):
        assert cause.text.startswith(f"«{CUADRO_1}")
        assert "indica 5 cifras en US$ como si fueran CHF (líneas 223, 224, 226, 227, 230)" in cause.text
    with translation.override("en"):
        assert "prints 5 figures in US$ as if they were CHF (lines 223, 224, 226, 227, 230)" in cause.text


def test_a_wrong_subtotal_explains_the_totals_and_conversions_that_use_it(pcc, findings):
    cause = next(
        c for c in _grouping(pcc).causes if c.root.rule.code == "l2-gastos-chf/1062/modification:sum-rows"
    )
    # «Total Apoyo a las OGDs» (line 1062) states 0,00 in «Modificación» where lines 1060–1061 add up to 65'000:
    # the Total (CHF) on line 1063, the row's own total and its conversion to US$ (line 1089) follow.
    assert {f.rule.code: f.lines for f in cause.explained} == {
        "l2-gastos-chf/1062/december:identity": [1062],
        "l2-gastos-chf/1063/modification:sum-rows": [1058, 1062, 1063],
        "l2-gastos-chf/1062/modification>l2-gastos-usd/1089/modification:conversion": [1062, 1089, 1092],
    }
    with translation.override("es"):
        assert cause.text.startswith("La línea 1062 de «Presupuesto de gastos operativos (CHF)")


def _same_digits(table: str, line: int, *, severity=Severity.MATERIAL):
    """A ``same_figure`` finding: US$ 100 of table ``other`` printed as CHF 100 on ``line`` of ``table``."""
    rule = ReconciliationRuleFactory(
        kind="same_figure", params={"cells": [f"other/{line + 100}/usd", f"{table}/{line}/chf"]}
    )
    figure = {"figure": "100.00", "places": None}
    return FindingFactory(
        rule=rule,
        key=f"{table}/{line}/chf",
        severity=severity,
        lines=[line, line + 100],
        table=table.upper(),
        message_data={
            "id": "%(first)s is printed as %(other)s",
            "params": {"first": {**figure, "currency": "USD"}, "other": {**figure, "currency": "CHF"}},
        },
    )


def test_each_table_in_the_wrong_currency_is_a_cause_of_its_own(db):
    a = [_same_digits("a", 10), _same_digits("a", 12)]
    b = [_same_digits("b", 20), _same_digits("b", 21)]
    grouping = group_by_cause([*a, *b])
    assert [[f.pk for f in c.findings] for c in grouping.causes] == [[f.pk for f in a], [f.pk for f in b]]
    assert grouping.ungrouped == [] and grouping.problems == 2


def test_findings_that_share_no_figure_stay_ungrouped(db):
    first = FindingFactory(rule=ReconciliationRuleFactory(params={"total": "t/12/x", "terms": ["t/11/x"]}))
    other = FindingFactory(rule=ReconciliationRuleFactory(params={"total": "u/22/x", "terms": ["u/21/x"]}))
    grouping = group_by_cause([first, other])
    assert grouping.causes == [] and grouping.ungrouped == [first, other]
    assert grouping.problems == 2


def test_a_rounding_difference_does_not_explain_a_material_one(db):
    subtotal = FindingFactory(
        severity=Severity.ROUNDING,
        rule=ReconciliationRuleFactory(params={"total": "t/12/x", "terms": ["t/10/x", "t/11/x"]}),
    )
    total = FindingFactory(rule=ReconciliationRuleFactory(params={"total": "t/20/x", "terms": ["t/12/x"]}))
    assert group_by_cause([subtotal, total]).causes == []
    total.severity = Severity.ROUNDING
    [cause] = group_by_cause([subtotal, total]).causes
    assert (cause.root, cause.explained) == (subtotal, [total])


def test_the_page_shows_fewer_problems_than_findings_with_each_cause_in_spanish(login, staff_user, findings):
    response = login(staff_user).get(URL)
    causes = response.context["causes"]
    assert causes.findings == len(findings) and causes.problems < len(findings)
    html = response.content.decode()
    card = html.split('id="problems"')[1].split("</div>\n")[0]
    assert f"{causes.problems}</a>" in card and f"problemas detrás de {len(findings)} hallazgos" in card
    for cause in causes.causes:
        section = html.split(f'id="{cause.anchor}"')[1].split("</details>")[0]
        assert cause.text[:50] in unescape(section)  # its figures in the reader's style, past the first 50
        assert f"explica {len(cause.explained)} hallazgo" in section
        for f in cause.explained:  # each finding it explains, linked to its lines
            assert all(f'href="{f.document.line_url(line)}"' in section for line in f.lines)
    assert "Líneas 222–230 de «Cuadro 1" in html and "Lines 222–230" not in html


def test_an_english_reader_reads_each_cause_in_english(client, staff_user, findings):
    client.force_login(staff_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(URL).content.decode()
    assert "Lines 222–230 of “Cuadro 1" in html and "Líneas 222–230" not in html
    assert "explains 4 findings" in html and "Problems by cause" in html


def test_the_export_names_each_findings_cause(login, staff_user, findings):
    response = login(staff_user).get(reverse("budgets:reconciliation_export", args=["pcc", "csv"]))
    rows = {r["rule"]: r for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    shifted = rows["programa-cuadro-1:row-labels"]["cause"]
    assert shifted.startswith("Líneas 222–230 de «Cuadro 1")
    assert rows["programa-cuadro-1/238/total:sum-rows"]["cause"] == shifted
    assert rows["currency/extension-mwa"]["cause"].startswith(f"«{CUADRO_1}")
    assert rows["results-schedule-months-turismo"]["cause"] == ""  # explained by no other finding


def _queries(client) -> int:
    """The page's queries, warm: the fewer of two requests (a session or cache refresh falls on one)."""
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        counts.append(len(ctx.captured_queries))
    return min(counts)


def test_the_page_makes_no_more_queries_with_more_grouped_findings(login, staff_user, pcc, findings):
    client = login(staff_user)
    client.get(URL)
    before = _queries(client)
    # Thirty more totals, each a term of the next: one more cause with thirty findings on the page.
    for i in range(30):
        rule = ReconciliationRuleFactory(
            programme=pcc, code=f"chain/{i}", params={"total": f"chain/{i + 1}/x", "terms": [f"chain/{i}/x"]}
        )
        FindingFactory(rule=rule, lines=[i + 1])
    response = client.get(URL)
    assert any(len(c.explained) == 29 for c in response.context["causes"].causes)
    assert _queries(client) <= before
