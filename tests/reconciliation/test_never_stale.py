"""Findings are never stale: whatever changes the figures makes the reconciliation run again once the
change commits, without anybody pressing "Recompute"."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from budgets.models import BudgetFact
from core.models import ExchangeRate
from reconciliation.models import Computation, Finding, FindingStatus
from reconciliation.services import figures_changed, finding_explain
from tests.admin_forms import change_form_data

# Cuadro 1 of the programme, line 238 (source line 238): the TOTAL row prints 577'000 + 1'422'000 +
# 1'115'000 + 886'000 = 4'000'000 against a total of 4'086'384.
# Pages and causes are in Spanish, the PCC's language, unless a user chose English.
TOTAL_RULE = "programa-cuadro-1/238/total:sum-columns"


def _fact(line: int, column: str) -> BudgetFact:
    return BudgetFact.objects.get(budget_table__code="programa-cuadro-1", line=line, column__key=column)


def test_an_admin_edit_of_a_figure_reopens_its_explained_finding(
    login, admin_user, staff_user, findings, django_capture_on_commit_callbacks
):
    finding = Finding.objects.get(rule__code=TOTAL_RULE)
    assert (finding.stated, finding.recomputed, finding.lines) == ("4086384", "4000000", [238])
    finding_explain(finding=finding, user=staff_user, comment="El total incluye CHF 86'384 sin año")
    fact = _fact(238, "y2005")
    assert fact.amount.amount == Decimal("577000")
    client = login(admin_user)
    url = reverse("admin:budgets_budgetfact_change", args=[fact.pk])
    data = change_form_data(client, url, amount_0="578000.00", change_reason="errata")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    finding.refresh_from_db()
    assert (finding.status, finding.recomputed, finding.explanation) == (FindingStatus.OPEN, "4001000", "")
    run = Computation.objects.filter(programme=fact.programme).first()
    assert run.cause.startswith("cifra del presupuesto") and run.material >= 1
    page = client.get(reverse("budgets:reconciliation", args=["pcc"])).content.decode()
    assert "cifra del presupuesto" in page.split('id="last-computed"', 1)[1].split("</p>", 1)[0]


def test_deleting_a_figure_in_the_admin_reconciles_too(
    login, admin_user, findings, django_capture_on_commit_callbacks
):
    fact = _fact(238, "y2008")
    client = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:budgets_budgetfact_delete", args=[fact.pk]), {"post": "yes"})
    assert response.status_code == 302
    # 577'000 + 1'422'000 + 1'115'000 without the 886'000 of 2008.
    assert Finding.objects.get(rule__code=TOTAL_RULE).recomputed == "3114000"


def test_an_exchange_rate_changed_reconciles_the_conversions_at_that_rate(
    findings, django_capture_on_commit_callbacks
):
    finding = Finding.objects.filter(rule__kind="conversion").current().select_related("rule").first()
    rate = ExchangeRate.objects.get(code=finding.rule.params["rate"])
    with django_capture_on_commit_callbacks(execute=True):
        rate.rate = rate.rate * 2
        rate.save()
    finding.refresh_from_db()
    assert finding.recomputed != findings[findings.index(finding)].recomputed
    assert Computation.objects.first().cause.startswith("tipo de cambio")


def test_many_changes_in_one_transaction_make_one_run(findings, django_capture_on_commit_callbacks):
    runs = Computation.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for line in (218, 219, 220):
                fact = _fact(line, "y2006")
                fact.amount = fact.amount + fact.amount.__class__(1, fact.amount.currency)
                fact.save()
    assert len(callbacks) == 1
    assert Computation.objects.count() == runs + 1
    assert Computation.objects.first().cause.count("cifra del presupuesto") == 3


def test_a_rolled_back_change_runs_nothing(findings, django_capture_on_commit_callbacks):
    runs = Computation.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            figures_changed(_fact(238, "y2005").programme, "a change given up")
            raise RuntimeError
    assert callbacks == [] and Computation.objects.count() == runs


def test_a_change_of_a_work_plan_activity_reconciles_its_programme(pcc, django_capture_on_commit_callbacks):
    from results.models import Activity

    activity = Activity.objects.filter(plan__programme=pcc).select_related("plan").first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        activity.save()
    assert len(callbacks) == 1
    run = Computation.objects.first()
    assert (run.programme, run.cause.startswith("actividad")) == (pcc, True)


def test_a_finding_is_read_in_the_readers_language_whoever_triggered_the_run(
    login, staff_user, findings, settings
):
    from django.utils import translation

    # Line 238 down the rows: the rows' printed totals make 4'216'380.
    finding = Finding.objects.get(rule__code=TOTAL_RULE.replace("sum-columns", "sum-rows"))
    # Stored as the catalogue id and its parameters (figures exact, with their currency); the text column
    # holds the site's language and the default number style.
    assert finding.message_data == {
        "id": "Stated %(stated)s; the sum of its terms is %(recomputed)s.",
        "params": {
            "stated": {"figure": "4086384.00", "currency": "CHF", "places": None},
            "recomputed": {"figure": "4216380.00", "currency": "CHF", "places": None},
        },
    }
    assert finding.message == "Se indica CHF 4,086,384; la suma de sus términos es CHF 4,216,380."
    with translation.override("en"):
        assert finding.text == "Stated CHF 4,086,384; the sum of its terms is CHF 4,216,380."
    client = login(staff_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("budgets:reconciliation", args=["pcc"]), {"table": "programa-cuadro-1"})
    # COSUDE staff read Swiss figures.
    assert (
        "Stated CHF 4&#x27;086&#x27;384; the sum of its terms is CHF 4&#x27;216&#x27;380."
        in page.content.decode()
    )


def test_a_change_after_a_run_in_the_same_transaction_schedules_another(
    pcc, django_capture_on_commit_callbacks
):
    # The test's transaction never commits, so its callbacks run early; one that has run takes no more causes.
    with django_capture_on_commit_callbacks(execute=True) as first:
        figures_changed(pcc, "first change")
    with django_capture_on_commit_callbacks(execute=True) as second:
        figures_changed(pcc, "second change")
    assert (len(first), len(second)) == (1, 1)
    assert Computation.objects.first().cause == "second change"
