"""Reconciliation: evaluate every active :class:`~budgets.models.ReconciliationRule` and keep its findings.

Rule kinds are evaluators registered by name, so another app adds its own::

    from budgets.reconciliation import Outcome, register_rule_kind

    @register_rule_kind("schedule_months", gettext_lazy("Schedule within the months of the period"))
    def schedule_months(rule, ctx) -> list[Outcome]: ...

An evaluator returns one :class:`Outcome` per thing it checked. A numeric outcome (``holds`` left ``None``)
holds when stated equals recomputed, is *rounding* within the rule's tolerance and *material* beyond it; a
non-numeric outcome says ``holds`` itself. All arithmetic is in :class:`~decimal.Decimal`, added in Python
(never by the database) and never across currencies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import import_module
from typing import Any

from django.db import transaction
from django.utils.functional import cached_property
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from budgets.models import BudgetFact, BudgetTable, Finding, FindingStatus, ReconciliationRule, Severity
from budgets.rules import parse_ref
from budgets.services import finding_reopen, finding_resolve
from core.models import Organisation

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """The result of one check of a rule."""

    stated: Decimal | str | None
    recomputed: Decimal | str | None
    currency: str  # "" if not money
    lines: list[int]
    table: str
    message: str
    key: str = ""
    holds: bool | None = None  # for non-numeric checks
    partner: str = ""  # acronym of the organisation the check is about, if one


class RuleError(Exception):
    """A rule's parameters do not resolve (unknown cell, table or rate); reported as *unchecked*."""


Evaluator = Callable[[ReconciliationRule, "EvaluationContext"], list[Outcome]]


@dataclass(frozen=True)
class RuleKind:
    kind: str
    label: Any
    evaluate: Evaluator
    absolute_tolerance: Decimal | None
    relative_tolerance: Decimal | None  # percent


_REGISTRY: dict[str, RuleKind] = {}


def register_rule_kind(
    kind: str,
    label,
    *,
    absolute_tolerance: Decimal | None = Decimal("1"),
    relative_tolerance: Decimal | None = None,
):
    """Decorator registering ``evaluate(rule, ctx) -> list[Outcome]`` for rules of ``kind``.

    Default tolerance: a difference of at most one currency unit is *rounding*. Registering a kind twice
    replaces the evaluator (module reloads in development).
    """

    def decorator(evaluate: Evaluator) -> Evaluator:
        _REGISTRY[kind] = RuleKind(kind, label, evaluate, absolute_tolerance, relative_tolerance)
        return evaluate

    return decorator


def discover_rule_kinds() -> None:
    """Import the budgets kinds (:mod:`budgets.checks`) and ``<app>.reconciliation`` of every installed app,
    where other apps register theirs."""
    import_module("budgets.checks")
    autodiscover_modules("reconciliation")


def rule_kinds() -> dict[str, RuleKind]:
    discover_rule_kinds()
    return dict(_REGISTRY)


@dataclass
class Cell:
    """A fact as the engine reads it (no model instance per cell)."""

    ref: str
    table_title: str
    line: int
    amount: Decimal | None
    currency: str
    text: str
    partner: str

    @property
    def value_or_zero(self) -> Decimal:
        return self.amount if self.amount is not None else Decimal(0)


class EvaluationContext:
    """Everything evaluators read, fetched once per reconciliation (the facts in one query)."""

    def __init__(self, programme):
        self.programme = programme

    @cached_property
    def cells(self) -> dict[str, Cell]:
        rows = BudgetFact.objects.filter(programme=self.programme).values_list(
            "budget_table__code",
            "budget_table__title",
            "line",
            "column__key",
            "amount",
            "amount_currency",
            "text",
            "partner__acronym",
        )
        return {
            f"{code}/{line}/{key}": Cell(
                f"{code}/{line}/{key}", title, line, amount, currency or "", text, partner or ""
            )
            for code, title, line, key, amount, currency, text, partner in rows
        }

    @cached_property
    def tables(self) -> dict[str, BudgetTable]:
        return {
            t.code: t
            for t in BudgetTable.objects.filter(programme=self.programme).prefetch_related("columns")
        }

    @cached_property
    def rates(self) -> dict:
        from core.models import ExchangeRate

        return {r.code: r for r in ExchangeRate.objects.all()}

    def cell(self, reference: str) -> Cell | None:
        """The cell at ``table/line/column``; ``None`` when the cell exists but is blank."""
        _, code, line, column = parse_ref(reference)
        if code not in self.tables:
            raise RuleError(_("Unknown table %(code)s in %(ref)s.") % {"code": code, "ref": reference})
        table = self.tables[code]
        if not table.first_line <= line <= table.last_line or column not in {
            c.key for c in table.columns.all()
        }:
            raise RuleError(_("No cell %(ref)s.") % {"ref": reference})
        return self.cells.get(f"{code}/{line}/{column}")

    def table_title(self, reference: str) -> str:
        return self.tables[parse_ref(reference)[1]].title


def format_decimal(value: Decimal | None) -> str:
    """``Decimal("4086384.00")`` → ``4086384``, ``Decimal("152849.31")`` → ``152849.31``, ``None`` → ``—``."""
    if value is None:
        return "—"
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


@dataclass
class Verdict:
    """An outcome classified: severity ``None`` when it holds."""

    rule: ReconciliationRule
    outcome: Outcome
    severity: str | None
    difference: Decimal | None = None


def classify(
    outcome: Outcome, rule: ReconciliationRule, kind: RuleKind | None
) -> tuple[str | None, Decimal | None]:
    if outcome.holds is not None:
        return (None if outcome.holds else Severity.MATERIAL), None
    stated, recomputed = outcome.stated, outcome.recomputed
    if not isinstance(stated, Decimal) or not isinstance(recomputed, Decimal):
        return Severity.MATERIAL, None
    difference = stated - recomputed
    if difference == 0:
        return None, difference
    absolute = (
        rule.absolute_tolerance if rule.absolute_tolerance is not None else (kind and kind.absolute_tolerance)
    )
    relative = (
        rule.relative_tolerance if rule.relative_tolerance is not None else (kind and kind.relative_tolerance)
    )
    if absolute is not None and abs(difference) <= absolute:
        return Severity.ROUNDING, difference
    if relative is not None and recomputed and abs(difference) * 100 <= relative * abs(recomputed):
        return Severity.ROUNDING, difference
    return Severity.MATERIAL, difference


def evaluate(rules: list[ReconciliationRule], ctx: EvaluationContext) -> list[Verdict]:
    discover_rule_kinds()
    verdicts: list[Verdict] = []
    for rule in rules:
        kind = _REGISTRY.get(rule.kind)
        if kind is None:
            verdicts.append(
                Verdict(
                    rule,
                    Outcome(
                        None,
                        None,
                        "",
                        [],
                        rule.table.title if rule.table else "",
                        _(
                            "No evaluator is registered for rules of kind “%(kind)s”; the rule was not checked."
                        )
                        % {"kind": rule.kind},
                    ),
                    Severity.UNCHECKED,
                )
            )
            continue
        try:
            outcomes = kind.evaluate(rule, ctx)
        except (RuleError, KeyError, ValueError, TypeError, InvalidOperation) as exc:
            logger.warning("Rule %s could not be evaluated: %r", rule.code, exc)
            verdicts.append(
                Verdict(
                    rule,
                    Outcome(
                        None,
                        None,
                        "",
                        [],
                        rule.table.title if rule.table else "",
                        _("The rule could not be checked: %(error)s") % {"error": exc},
                    ),
                    Severity.UNCHECKED,
                )
            )
            continue
        for outcome in outcomes:
            severity, difference = classify(outcome, rule, kind)
            verdicts.append(Verdict(rule, outcome, severity, difference))
    return verdicts


DIFFERENCE_PLACES = Decimal("0.000001")  # Finding.difference has six decimal places


def _text(value: Decimal | str | None) -> str:
    if value is None:
        return ""
    return format_decimal(value) if isinstance(value, Decimal) else str(value)


@transaction.atomic
def reconcile(programme) -> list[Finding]:
    """Recompute every active rule of ``programme`` and persist what does not hold.

    A finding is kept per (rule, outcome key): unchanged figures keep its status (an explanation stays);
    different stated/recomputed figures reopen it; a finding no longer found is marked resolved.
    Returns the current (not resolved) findings.
    """
    rules = list(ReconciliationRule.objects.filter(programme=programme, active=True).select_related("table"))
    ctx = EvaluationContext(programme)
    verdicts = evaluate(rules, ctx)
    existing = {(f.rule_id, f.key): f for f in Finding.objects.filter(rule__programme=programme)}
    partners = {o.acronym: o for o in Organisation.objects.all()}
    seen: set[int] = set()
    keys: dict[tuple[int, str], int] = {}
    current: list[Finding] = []
    for verdict in verdicts:
        if verdict.severity is None:
            continue
        outcome = verdict.outcome
        # Two outcomes of one rule with the same key are kept apart, in the evaluator's order.
        key = (verdict.rule.pk, outcome.key)
        keys[key] = keys.get(key, 0) + 1
        finding_key = outcome.key if keys[key] == 1 else f"{outcome.key}#{keys[key]}"
        values = {
            "severity": verdict.severity,
            "stated": _text(outcome.stated)[:255],
            "recomputed": _text(outcome.recomputed)[:255],
            "difference": None
            if verdict.difference is None
            else verdict.difference.quantize(DIFFERENCE_PLACES),
            "currency": outcome.currency,
            "table": outcome.table[:500],
            "partner": partners.get(outcome.partner or (verdict.rule.params or {}).get("partner", "")),
            "lines": sorted(set(outcome.lines)),
            "message": outcome.message,
        }
        finding = existing.get((verdict.rule.pk, finding_key))
        if finding is None:
            finding = Finding.objects.create(rule=verdict.rule, key=finding_key, **values)
        else:
            figures_changed = (finding.stated, finding.recomputed) != (values["stated"], values["recomputed"])
            changed = [k for k, v in values.items() if getattr(finding, k) != v]
            if finding.status == FindingStatus.RESOLVED or (
                finding.status == FindingStatus.EXPLAINED and figures_changed
            ):
                finding = finding_reopen(
                    finding=finding,
                    user=None,
                    reason=_("Found again with stated %(s)s and recomputed %(r)s.")
                    % {"s": values["stated"] or "—", "r": values["recomputed"] or "—"},
                    changes={k: values[k] for k in changed},
                )
            elif changed:
                for k in changed:
                    setattr(finding, k, values[k])
                finding.save(update_fields=changed)
        seen.add(finding.pk)
        current.append(finding)
    for finding in existing.values():
        if finding.pk not in seen and finding.status != FindingStatus.RESOLVED:
            finding_resolve(finding=finding)
    return current


@dataclass
class Summary:
    rules: int = 0
    holding: int = 0
    rounding: int = 0
    material: int = 0
    unchecked: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def summarise(programme, findings: list[Finding] | None = None) -> Summary:
    """Rules by their worst current finding; a rule without one holds. Two queries."""
    rules = dict(
        ReconciliationRule.objects.filter(programme=programme, active=True).values_list("pk", "kind")
    )
    if findings is None:
        findings = (
            Finding.objects.filter(rule__programme=programme, rule__active=True)
            .current()
            .only("rule_id", "severity")
        )
    worst: dict[int, str] = {}
    order = {Severity.ROUNDING: 1, Severity.UNCHECKED: 2, Severity.MATERIAL: 3}
    for f in findings:
        if f.rule_id in rules and order[f.severity] > order.get(worst.get(f.rule_id), 0):
            worst[f.rule_id] = f.severity
    summary = Summary(rules=len(rules), holding=len(rules) - len(worst))
    for severity in worst.values():
        setattr(summary, severity, getattr(summary, severity) + 1)
    for kind in rules.values():
        summary.by_kind[kind] = summary.by_kind.get(kind, 0) + 1
    return summary
