"""Counts in the wording of results and indicators, against the budget by results and the targets: derived,
one rule per programme each, no rule written per sentence."""

from decimal import Decimal

import pytest

from reconciliation.engine import reconcile
from reconciliation.models import Severity
from results.models import Indicator
from results.targets import quantities

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, expected",
    [
        ("PROSUR tiene contratos de colaboración con 20 promotores empresariales", [("20", "promotores")]),
        ("Se logra la exportación de 10 nuevos productos", [("10", "nuevos")]),
        ("Están funcionando cinco mesas de trabajo", [("5", "mesas")]),  # line 756
        ("El CERX ha logrado establecer 04 alianzas estratégicas.", [("4", "alianzas")]),  # line 830
        ("En el 2008 AMPEX es sostenible en el 50% de sus operaciones", [("50", "%")]),  # a year is no count
        ("Incremento de 1,500 empresas", [("1500", "empresas")]),
        ("IR 5.3 3 acciones", [("3", "acciones")]),  # an indicator's code is no count
        ("Resultado 2: un producto", []),  # "un" is an article far more often than a count
    ],
)
def test_counts_are_read_as_the_plans_write_them(text, expected):
    assert [(str(q.value), q.unit) for q in quantities(text)] == expected


def _findings(programme, code):
    return [f for f in reconcile(programme) if f.rule.code == code]


def test_the_budget_by_results_quotes_prosurs_results_with_other_counts_than_its_work_plan(pcc):
    """Cuadro 2 of 1.2 (lines 593, 596) against PROSUR's work plan (lines 341, 345): 20 promoters against
    10, 10 new products against 3. No other result of any partner disagrees."""
    found = sorted(
        (
            (f.lines, f.stated, f.recomputed, f.severity, f.partner.acronym)
            for f in _findings(pcc, "results:budget-by-result-wording")
        ),
    )
    assert found == [
        ([341, 593], "20", "10", Severity.MATERIAL, "PROSUR"),
        ([345, 596], "10", "3", Severity.MATERIAL, "PROSUR"),
    ]


def test_indicators_count_what_their_targets_count_on_the_pcc_and_a_changed_one_is_found(pcc):
    assert _findings(pcc, "results:indicator-wording") == []
    indicator = Indicator.objects.get(result__plan__programme=pcc, line=343, code="IPR.4.1")
    indicator.statement = indicator.statement.replace("5 contratos", "6 contratos")
    indicator.save()
    [finding] = _findings(pcc, "results:indicator-wording")
    assert (finding.lines, finding.stated, finding.recomputed) == ([343], "6", "5")
    assert finding.severity == Severity.MATERIAL and finding.partner.acronym == "PROSUR"
    assert "IPR.4.1" in finding.message and "su meta es «5 contratos»" in finding.message
    assert Decimal(finding.difference) == 1
