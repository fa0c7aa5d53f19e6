from django.core.management import call_command

from agreements.models import Programme
from budgets.models import BudgetFact
from budgets.querysets import totals_by_currency
from results.models import ProgressReport


def test_generates_programmes_with_budgets_plans_and_progress(db):
    call_command("generate_portfolio", "--programmes", "3", "--seed", "5")
    generated = Programme.objects.filter(code__startswith="gen-").values_list("code", flat=True)
    assert list(generated) == ["gen-0001", "gen-0002", "gen-0003"]
    programme = Programme.objects.get(code="gen-0002")
    assert programme.work_plans.count() == 3
    assert programme.budget_facts.filter(figure="planned").exists()
    assert programme.budget_facts.filter(figure="executed", amount_currency="USD").exists()
    assert ProgressReport.objects.filter(status="submitted").exists()


def test_same_seed_same_portfolio(db):
    """A second run adds programmes (gen-0003, gen-0004) with the same figures and progress as the first."""
    call_command("generate_portfolio", "--programmes", "2", "--seed", "9")
    call_command("generate_portfolio", "--programmes", "2", "--seed", "9")
    totals = totals_by_currency(BudgetFact.objects.filter(is_total=False), "programme__code", "figure")
    first = [(t["figure"], t["total"]) for t in totals if t["programme__code"] in ("gen-0001", "gen-0002")]
    second = [(t["figure"], t["total"]) for t in totals if t["programme__code"] in ("gen-0003", "gen-0004")]
    assert first == second
    reports = list(ProgressReport.objects.order_by("pk").values_list("status", "achieved_value"))
    assert reports[: len(reports) // 2] == reports[len(reports) // 2 :]
