"""The rule kinds every app registers, from its own ``rule_kinds.py`` (imported in ``AppConfig.ready()``)::

    from reconciliation.registry import Outcome, register_rule_kind

    @register_rule_kind("schedule_months", gettext_lazy("Schedule within the months of the period"))
    def schedule_months(rule, ctx) -> list[Outcome]: ...

An evaluator returns one :class:`Outcome` per thing it checked. A numeric outcome (``holds`` left ``None``)
holds when stated equals recomputed, is *rounding* within its tolerance and *material* beyond it; a
non-numeric outcome says ``holds`` itself. The tolerance follows the check's arithmetic
(:mod:`core.tolerance`): each kind names its model, here, on the kind, only; its evaluator computes
each check's tolerance from the figures' printed decimals and the rate's; a rule's own tolerance overrides
both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.module_loading import autodiscover_modules

from core.i18n import Figure, Message, Text  # noqa: F401  (in core: status changes keep their reasons as messages too)
from core.tolerance import COPY, ToleranceModel


@dataclass
class Outcome:
    """The result of one check of a rule."""

    stated: Decimal | str | None
    recomputed: Decimal | str | None
    currency: str  # "" if not money
    lines: list[int]
    table: str
    message: Message | str
    key: str = ""
    holds: bool | None = None  # for non-numeric checks
    partner: str = ""  # acronym of the organisation the check is about, if one
    document: Any = None  # the Document its lines are in; None: the rule's subject's document
    # The rounding tolerance this check's own figures imply (n rounded terms, a rate's decimals), in currency
    # units, computed with core.tolerance; None: the default of the kind's model. A rule's own
    # tolerance overrides both.
    tolerance: Decimal | None = None
    # How a check that does not hold is graded, when the evaluator knows better than the figures (e.g.
    # ``Severity.OBSERVATION`` for a numbering slip); None: graded by the difference and the tolerance.
    severity: str | None = None
    # Where the terms are whose value is not stated (n.a., a blank cell of a total row), as messages
    # ("line 238, “2008 extensión”"): not zeros. When the stated terms do not account for the figure,
    # the check cannot be made and is reported as such, not as a finding.
    unknown: list[Message] = field(default_factory=list)


class RuleError(Exception):
    """A rule's parameters do not resolve (unknown cell, table or rate); reported as *unchecked*."""


class RunContext:
    """What every evaluator may read during one run; a kind names a subclass (``context=``) that adds what
    it needs, built once per run and shared by every kind naming the same class."""

    def __init__(self, programme):
        self.programme = programme


Evaluator = Callable[[Any, RunContext], list]


@dataclass(frozen=True)
class RuleKind:
    kind: str
    label: Any
    evaluate: Evaluator
    context: type[RunContext]
    tolerance: ToleranceModel

    def describe_tolerance(self) -> str:
        """What the kind's checks tolerate, in words (the reconciliation page lists it per kind)."""
        return self.tolerance.describe()


_REGISTRY: dict[str, RuleKind] = {}


def register_rule_kind(
    kind: str,
    label,
    *,
    context: type[RunContext] = RunContext,
    tolerance: ToleranceModel = COPY,
):
    """Decorator registering ``evaluate(rule, ctx) -> list[Outcome]`` for rules of ``kind``.

    ``tolerance``: the model of :mod:`core.tolerance` the kind's checks follow; by default a
    figure against the same figure printed elsewhere (one unit between whole numbers). Registering a kind
    twice replaces the evaluator (module reloads in development).
    """

    def decorator(evaluate: Evaluator) -> Evaluator:
        _REGISTRY[kind] = RuleKind(kind, label, evaluate, context, tolerance)
        return evaluate

    return decorator


@dataclass(frozen=True)
class ProgrammeRule:
    """A rule every programme has, derived rather than written: one kind over all of a programme's data."""

    code: str
    kind: str
    description: str  # Spanish, the programme's language
    description_en: str


_PROGRAMME_RULES: dict[str, ProgrammeRule] = {}


def register_programme_rule(code: str, kind: str, *, description: str, description_en: str) -> None:
    """Give every programme the rule ``code`` of ``kind`` (made, as derived, before each reconciliation):
    a programme loaded, imported or built by hand is checked the same way, with no rule written for it."""
    _PROGRAMME_RULES[code] = ProgrammeRule(code, kind, description, description_en)


def programme_rules() -> list[ProgrammeRule]:
    return list(_PROGRAMME_RULES.values())


_SUBJECTS: list[type] = []


def register_subject(model: type) -> None:
    """Let rules be about instances of ``model`` (e.g. a budget table): their findings link to it."""
    if model not in _SUBJECTS:
        _SUBJECTS.append(model)


def subject_models() -> list[type]:
    return list(_SUBJECTS)


def discover() -> None:
    """Import ``<app>.rule_kinds`` of every installed app, where each app registers its kinds."""
    autodiscover_modules("rule_kinds")


def rule_kinds() -> dict[str, RuleKind]:
    return dict(_REGISTRY)
