"""The work-plan rule kinds, run by the budgets reconciliation engine on the loaded PCC."""

from reconciliation.engine import evaluate
from reconciliation.models import ReconciliationRule, Severity
from reconciliation.registry import rule_kinds


def _verdicts(pcc, code):
    rule = ReconciliationRule.objects.get(programme=pcc, code=code)
    return {v.outcome.key: v for v in evaluate([rule], pcc)}


def test_the_results_rule_kinds_are_registered_and_loaded(pcc):
    assert {"schedule_months", "year_vs_phase_target", "target_text_vs_table"} <= set(rule_kinds())
    assert ReconciliationRule.objects.filter(programme=pcc, code__startswith="results-").count() == 7


def test_schedule_rows_that_differ_from_the_printed_months_are_flagged(pcc):
    verdicts = _verdicts(pcc, "results-schedule-months-turismo")
    assert len(verdicts) == 21
    flagged = sorted(key for key, v in verdicts.items() if v.severity is not None)
    # 5.4: no month against "setiembre" (lines 1003, 1028). 3.2, marked in October and December against
    # "Octubre-diciembre" (995, 1022), is within its range: not every month of a range need be marked.
    assert flagged == ["5.4"]
    assert verdicts["3.2"].severity is None
    assert verdicts["5.4"].outcome.lines == [1003, 1028]


def test_a_2008_indicator_numbered_unlike_its_phase_indicator_is_an_observation_not_material(pcc):
    verdicts = _verdicts(pcc, "results-year-vs-phase-turismo")
    flagged = {key: v for key, v in verdicts.items() if v.severity is not None}
    assert list(flagged) == ["5/IR 5.4"]
    assert flagged["5/IR 5.4"].outcome.lines == [1006]
    # Line 1006: the 2008 indicator IR 5.4 has the phase indicator IR 5.3's wording and target ("3
    # acciones" both): a numbering slip changes no figure.
    assert flagged["5/IR 5.4"].severity == Severity.OBSERVATION
    assert (flagged["5/IR 5.4"].outcome.stated, flagged["5/IR 5.4"].outcome.recomputed) == ("3 acciones",) * 2
    assert verdicts["1/IR.1.1"].severity is None  # 3 OGD in 2008 within 6 OGD over the phase


def test_targets_written_two_ways_are_flagged(pcc):
    contracts = _verdicts(pcc, "results-target-text-prosur-contracts")["IPR.4.1"]
    assert contracts.severity == "material" and contracts.outcome.lines == [321, 343]
    sustainability = _verdicts(pcc, "results-target-text-ampex-sustainability")["IR 8.1"]
    assert sustainability.severity == "material"
    for code in [
        "results-target-text-prosur-products",
        "results-target-text-prosur-portfolio",
        "results-target-text-ampex-volume",
    ]:
        assert all(v.severity is None for v in _verdicts(pcc, code).values()), code


def test_loading_twice_keeps_the_results_rules_as_they_are(pcc):
    from core.loading import load_programme
    from tests.conftest import PCC_FOLDER

    rules = ReconciliationRule.objects.filter(programme=pcc, code__startswith="results-")
    before = sorted(rules.values_list("pk", "code", "origin"))
    history = ReconciliationRule.history.filter(code__startswith="results-").count()
    load_programme(PCC_FOLDER)
    assert sorted(rules.values_list("pk", "code", "origin")) == before
    assert ReconciliationRule.history.filter(code__startswith="results-").count() == history
    assert {origin for _pk, _code, origin in before} == {"loader"}


def test_approving_a_progress_report_reconciles_its_programme_on_commit(
    submitted_report, staff_user, django_capture_on_commit_callbacks
):
    from reconciliation.models import Computation
    from results import services

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.progress_approve(report=submitted_report, user=staff_user)
    assert len(callbacks) == 1
    run = Computation.objects.first()
    assert (run.programme, run.cause) == (
        submitted_report.plan.programme,
        f"informe de avance n.º {submitted_report.pk} aprobado",
    )
