"""manage.py reconcile: text, JSON and the exit status for CI."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command


def test_json_lists_every_finding_with_its_figures(pcc, capsys):
    call_command("reconcile", "--programme", "pcc", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert rows
    for row in rows:
        assert {
            "rule",
            "kind",
            "severity",
            "stated",
            "recomputed",
            "difference",
            "currency",
            "table",
            "lines",
        } <= set(row)
    by_rule = {row["rule"]: row for row in rows}
    total = by_rule["programa-cuadro-1/238/total:sum-rows"]
    assert total["kind"] == "sum"
    assert total["severity"] == "material"
    assert (total["stated"], total["recomputed"], Decimal(total["difference"])) == (
        "4086384",
        "4216380",
        Decimal("-129996"),
    )
    assert total["currency"] == "CHF"
    assert total["table"].startswith("Cuadro 1: El presupuesto en francos suizos del programa")
    assert total["lines"][0] == 218 and total["lines"][-1] == 238
    assert by_rule["programa-cuadro-1/238/total:sum-columns"]["severity"] == "unchecked"
    assert by_rule["results:budget-by-result-wording"]["currency"] == ""


def test_text_summarises_the_programme(pcc, capsys):
    call_command("reconcile")
    out = capsys.readouterr().out
    assert out.startswith("pcc: ")
    assert "material" in out and "[material] ceiling/programa-total-chf (lines 35, 238)" in out


def test_fail_on_material_exits_non_zero(pcc, capsys):
    with pytest.raises(CommandError) as exc:
        call_command("reconcile", "--fail-on", "material", "--format", "json")
    assert exc.value.returncode == 1
    assert json.loads(capsys.readouterr().out)


def test_fail_on_material_passes_when_every_material_finding_is_fixed(pcc, capsys):
    from reconciliation.models import ReconciliationRule

    call_command("reconcile", "--format", "json")
    material = [r["rule"] for r in json.loads(capsys.readouterr().out) if r["severity"] == "material"]
    ReconciliationRule.objects.filter(code__in=material).update(active=False)
    call_command("reconcile", "--fail-on", "material")


def test_an_unknown_programme_is_an_error(db):
    with pytest.raises(CommandError, match="nope"):
        call_command("reconcile", "--programme", "nope")
