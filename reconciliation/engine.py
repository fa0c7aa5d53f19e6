"""The engine: evaluate every active rule of a programme, classify each outcome, keep the findings.

All arithmetic is in :class:`~decimal.Decimal`, added in Python (never by the database) and never across
currencies. Who calls :func:`reconcile`: :func:`reconciliation.services.figures_changed`, on commit of
whatever changed the figures.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from core.models import Organisation
from core.money import round_amount
from reconciliation.models import (
    Computation,
    Finding,
    FindingStatus,
    ReconciliationRule,
    Severity,
)
from reconciliation.registry import (
    Figure,
    Message,
    Outcome,
    RuleError,
    RuleKind,
    RunContext,
    programme_rules,
    rule_kinds,
)
from reconciliation.services import derive_rule, figures_recomputed, finding_reopen, finding_resolve

logger = logging.getLogger(__name__)


@dataclass
class Verdict:
    """An outcome classified: severity ``None`` when it holds."""

    rule: ReconciliationRule
    outcome: Outcome
    severity: str | None
    difference: Decimal | None = None


def tolerance_of(
    outcome: Outcome, rule: ReconciliationRule, kind: RuleKind | None
) -> tuple[Decimal | None, Decimal | None]:
    """(currency units, percent) a difference may reach and still be rounding. The rule's own tolerance,
    when it sets one, overrides; else what the check's arithmetic implies (``outcome.tolerance``, see
    :mod:`core.tolerance`), else the default of the kind's model. ``None``: exact."""
    if rule.absolute_tolerance is not None or rule.relative_tolerance is not None:
        return rule.absolute_tolerance, rule.relative_tolerance
    if outcome.tolerance is not None:
        return outcome.tolerance, None
    return (kind.tolerance.default if kind else None), None


def classify(
    outcome: Outcome, rule: ReconciliationRule, kind: RuleKind | None
) -> tuple[str | None, Decimal | None]:
    if outcome.holds is not None:
        return (None if outcome.holds else (outcome.severity or Severity.MATERIAL)), None
    stated, recomputed = outcome.stated, outcome.recomputed
    if not isinstance(stated, Decimal) or not isinstance(recomputed, Decimal):
        return outcome.severity or Severity.MATERIAL, None
    difference = stated - recomputed
    if difference == 0:
        return None, difference
    absolute, relative = tolerance_of(outcome, rule, kind)
    if absolute is not None and abs(difference) <= absolute:
        return Severity.ROUNDING, difference
    if relative is not None and recomputed and abs(difference) * 100 <= relative * abs(recomputed):
        return Severity.ROUNDING, difference
    if outcome.unknown:  # the unstated terms may account for the difference: not a finding, not checkable
        return Severity.UNCHECKED, difference
    return outcome.severity or Severity.MATERIAL, difference


def _not_checkable(outcome: Outcome) -> Outcome:
    """The outcome's message for a check its unstated terms prevent."""
    outcome.message = Message(
        gettext_noop(
            "Not checkable: no value is stated for %(terms)s (n.a. or blank, not a zero); the stated terms "
            "add up to %(recomputed)s against %(stated)s."
        ),
        {
            "terms": outcome.unknown,
            "recomputed": Figure(outcome.recomputed, outcome.currency),
            "stated": Figure(outcome.stated, outcome.currency),
        },
    )
    return outcome


def _unchecked(rule: ReconciliationRule, message: str) -> Verdict:
    return Verdict(rule, Outcome(None, None, "", [], rule.subject_title, message), Severity.UNCHECKED)


def evaluate(rules: list[ReconciliationRule], programme) -> list[Verdict]:
    """Every rule's outcomes, classified. Each kind's context is built once for the run and shared."""
    kinds = rule_kinds()
    contexts: dict[type[RunContext], RunContext] = {}
    verdicts: list[Verdict] = []
    for rule in rules:
        kind = kinds.get(rule.kind)
        if kind is None:
            verdicts.append(
                _unchecked(
                    rule,
                    Message(
                        gettext_noop(
                            "No evaluator is registered for rules of kind “%(kind)s”; the rule was not checked."
                        ),
                        {"kind": rule.kind},
                    ),
                )
            )
            continue
        if kind.context not in contexts:
            contexts[kind.context] = kind.context(programme)
        try:
            outcomes = kind.evaluate(rule, contexts[kind.context])
        except (RuleError, KeyError, ValueError, TypeError, InvalidOperation) as exc:
            logger.warning("Rule %s could not be evaluated: %r", rule.code, exc)
            reason = exc.args[0] if exc.args and isinstance(exc.args[0], Message) else str(exc)
            message = Message(gettext_noop("The rule could not be checked: %(error)s"), {"error": reason})
            verdicts.append(_unchecked(rule, message))
            continue
        for outcome in outcomes:
            severity, difference = classify(outcome, rule, kind)
            if severity == Severity.UNCHECKED and outcome.unknown:
                outcome = _not_checkable(outcome)
            verdicts.append(Verdict(rule, outcome, severity, difference))
    return verdicts


DIFFERENCE_PLACES = 6  # Finding.difference has six decimal places


def _in_site_language(message) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


def _text(value: Decimal | str | None) -> str:
    """An outcome's figure as a finding keeps it (``4086384``, ``152849.31``): data, not display; pages
    write it in the reader's style (``Finding.stated_money``, the ``amount`` tag)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return str(value)


@transaction.atomic
def ensure_programme_rules(programme) -> None:
    """Make the derived rules every programme has (:func:`reconciliation.registry.register_programme_rule`)
    that ``programme`` lacks: one query when it has them all."""
    wanted = {rule.code: rule for rule in programme_rules()}
    have = set(
        ReconciliationRule.objects.filter(programme=programme, code__in=wanted).values_list("code", flat=True)
    )
    for code in sorted(wanted.keys() - have):
        rule = wanted[code]
        derive_rule(
            programme, code, rule.kind, description=rule.description, description_en=rule.description_en
        )


def reconcile(programme, cause: str = "") -> list[Finding]:
    """Recompute every active rule of ``programme`` and persist what does not hold.

    A finding is kept per (rule, outcome key): unchanged figures keep its status (an explanation stays);
    different stated/recomputed figures reopen it; a finding no longer found is marked resolved.
    Returns the current (not resolved) findings, and notes the run (when, why, what it found) as a
    :class:`~reconciliation.models.Computation`.
    """
    ensure_programme_rules(programme)
    rules = list(
        ReconciliationRule.objects.filter(programme=programme, active=True).prefetch_related("subject")
    )
    verdicts = evaluate(rules, programme)
    # Their partners with them: comparing a finding's values reads its partner (else a query per finding).
    existing = {
        (f.rule_id, f.key): f
        for f in Finding.objects.filter(rule__programme=programme).select_related("partner")
    }
    named = {v.outcome.partner or (v.rule.params or {}).get("partner", "") for v in verdicts if v.severity}
    partners = {o.acronym: o for o in Organisation.objects.filter(acronym__in=named - {""})}
    seen: set[int] = set()
    keys: dict[tuple[int, str], int] = {}
    current: list[Finding] = []
    touched = False  # whether any finding is new, changed, reopened or resolved
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
            else round_amount(verdict.difference, DIFFERENCE_PLACES),
            "currency": outcome.currency,
            "table": outcome.table[:500],
            "partner": partners.get(outcome.partner or (verdict.rule.params or {}).get("partner", "")),
            "document_id": getattr(outcome.document, "pk", None)
            or getattr(verdict.rule.subject, "document_id", None),
            "lines": sorted(set(outcome.lines)),
            # Kept as id and parameters, shown in the reader's language; the text in the programme's.
            "message_data": outcome.message.as_json() if isinstance(outcome.message, Message) else {},
            "message": _in_site_language(outcome.message),
        }
        finding = existing.get((verdict.rule.pk, finding_key))
        if finding is not None:
            finding.rule = verdict.rule  # the run's rule, its subject prefetched: no query per finding later
        if finding is None:
            finding = Finding.objects.create(rule=verdict.rule, key=finding_key, **values)
            touched = True
        else:
            figures_changed = (finding.stated, finding.recomputed) != (values["stated"], values["recomputed"])
            changed = [k for k, v in values.items() if getattr(finding, k) != v]
            if finding.status == FindingStatus.RESOLVED or (
                finding.status == FindingStatus.EXPLAINED and figures_changed
            ):
                touched = True
                finding = finding_reopen(
                    finding=finding,
                    user=None,
                    reason=Message(
                        gettext_noop("Found again with stated %(s)s and recomputed %(r)s."),
                        {"s": values["stated"] or "—", "r": values["recomputed"] or "—"},
                    ),
                    changes={k: values[k] for k in changed},
                )
            elif changed:
                touched = True
                for k in changed:
                    setattr(finding, k, values[k])
                finding.save(update_fields=changed)
        seen.add(finding.pk)
        current.append(finding)
    for finding in existing.values():
        if finding.pk not in seen and finding.status != FindingStatus.RESOLVED:
            touched = True
            finding_resolve(finding=finding)
    Computation.note(programme, cause, summarise(programme, current))
    if touched:  # what pages cached of the findings is stale; a run that changed nothing keeps it
        figures_recomputed(programme)
    return current


@dataclass
class Summary:
    rules: int = 0
    holding: int = 0
    rounding: int = 0
    observation: int = 0
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
    order = {Severity.OBSERVATION: 1, Severity.ROUNDING: 2, Severity.UNCHECKED: 3, Severity.MATERIAL: 4}
    for f in findings:
        if f.rule_id in rules and order[f.severity] > order.get(worst.get(f.rule_id), 0):
            worst[f.rule_id] = f.severity
    summary = Summary(rules=len(rules), holding=len(rules) - len(worst))
    for severity in worst.values():
        setattr(summary, severity, getattr(summary, severity) + 1)
    for kind in rules.values():
        summary.by_kind[kind] = summary.by_kind.get(kind, 0) + 1
    return summary
