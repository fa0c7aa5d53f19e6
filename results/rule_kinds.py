"""Reconciliation rule kinds about work plans (see :mod:`reconciliation.registry`).

``schedule_months``: the months an activity is marked in the Cronograma against its printed month range.
``year_vs_phase_target``: a 2008 indicator against the phase indicator it completes (numbering, and a
year target may not exceed the phase target when both are numbers in the same unit).
``target_text_vs_table``: a target quoted in a plan's narrative against the target printed in its table.
Inconsistencies of the source are kept as printed; these rules make them findings. A change of a plan,
result, indicator, activity or schedule month makes the programme's findings be computed again.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy, gettext_noop

from core import formatting, tolerance
from reconciliation.models import Severity
from reconciliation.registry import (
    Message,
    Outcome,
    RuleError,
    RunContext,
    register_programme_rule,
    register_rule_kind,
)
from reconciliation.services import through, watch
from results.models import Activity, Indicator, IndicatorKind, Result, ScheduleMonth, WorkPlan
from results.targets import NUMERIC_KINDS, disagreeing

# The results loader owns (and prunes) loader rules of these kinds only.
RESULTS_RULE_KINDS = frozenset({"schedule_months", "year_vs_phase_target", "target_text_vs_table"})


class ResultsFigures(RunContext):
    """What the results kinds read, once per reconciliation: the programme's plans and indicators."""

    @cached_property
    def plans(self) -> dict[str, WorkPlan]:
        return {
            plan.code: plan
            for plan in WorkPlan.objects.filter(programme=self.programme).select_related(
                "organisation", "document"
            )
        }

    @cached_property
    def indicators(self) -> dict[tuple, Indicator]:
        """By (plan, result code, kind, code), the first of each in the plan's order."""
        indicators: dict[tuple, Indicator] = {}
        for indicator in Indicator.objects.filter(result__plan__programme=self.programme).select_related(
            "result"
        ):
            key = (indicator.result.plan_id, indicator.result.code, indicator.kind, indicator.code)
            indicators.setdefault(key, indicator)
        return indicators


results_kind = partial(register_rule_kind, context=ResultsFigures)


def _plan(rule, ctx: ResultsFigures) -> WorkPlan:
    """The rule's work plan, with its partner and document."""
    plan = ctx.plans.get(rule.params.get("plan"))
    if plan is None:
        raise RuleError(
            Message(gettext_noop("Unknown work plan %(code)s."), {"code": rule.params.get("plan")})
        )
    return plan


def _months_text(months) -> str:
    return ", ".join(formatting.month(m, year=False) for m in sorted(months)) or "—"


@results_kind(
    "schedule_months",
    gettext_lazy("Schedule months within the activity's printed months"),
    tolerance=tolerance.NOT_A_FIGURE,
)
def evaluate_schedule_months(rule, ctx) -> list[Outcome]:
    plan = _plan(rule, ctx)
    title = f"{plan.title} · Cronograma"
    outcomes = []
    activities = (
        Activity.objects.filter(plan=plan, schedule_months__isnull=False)
        .distinct()
        .prefetch_related("schedule_months")
    )
    for activity in activities:
        planned = {m.month for m in activity.schedule_months.all() if m.planned}
        printed = set(activity.range_months())
        outcomes.append(
            Outcome(
                _months_text(planned),
                f"{activity.months_as_printed} ({_months_text(printed)})",
                "",
                sorted({activity.line, activity.schedule_line or activity.line}),
                title,
                Message(
                    gettext_noop(
                        "Activity %(code)s: the Cronograma marks %(planned)s; the plan prints “%(printed)s”."
                    ),
                    {
                        "code": activity.code,
                        "planned": _months_text(planned),
                        "printed": activity.months_as_printed,
                    },
                ),
                key=activity.key,
                holds=activity.schedule_fits(planned),
                partner=plan.organisation.acronym,
                document=plan.document,
            )
        )
    return outcomes


def _number_part(code: str) -> str:
    return ".".join(re.findall(r"\d+", code))


@results_kind(
    "year_vs_phase_target",
    gettext_lazy("2008 indicator against the phase indicator it completes"),
    tolerance=tolerance.NOT_A_FIGURE,
)
def evaluate_year_vs_phase_target(rule, ctx) -> list[Outcome]:
    plan = _plan(rule, ctx)
    years = Indicator.objects.filter(
        result__plan=plan, kind=IndicatorKind.YEAR, phase_indicator__isnull=False
    ).select_related("phase_indicator", "result")
    outcomes = []
    for year in years:
        phase = year.phase_indicator
        problems = []
        if _number_part(year.code) != _number_part(phase.code):
            problems.append(
                Message(
                    gettext_noop("the 2008 indicator is numbered %(year)s and the phase indicator %(phase)s"),
                    {"year": year.code, "phase": phase.code},
                )
            )
        comparable = (
            year.target_kind in NUMERIC_KINDS
            and year.target_kind == phase.target_kind
            and year.target_unit == phase.target_unit
            and None not in (year.target_value, phase.target_value)
        )
        target_exceeds = comparable and year.target_value > phase.target_value
        if target_exceeds:
            problems.append(
                Message(
                    gettext_noop("the 2008 target %(year)s exceeds the phase target %(phase)s"),
                    {"year": year.target_text, "phase": phase.target_text},
                )
            )
        if not problems and not comparable:
            continue
        outcomes.append(
            Outcome(
                year.target_text,
                phase.target_text,
                "",
                sorted({year.line, phase.line}),
                plan.title,
                (
                    Message(
                        gettext_noop("Resultado %(result)s: %(problems)s."),
                        {"result": year.result.code, "problems": problems},
                    )
                )
                if problems
                else Message(
                    gettext_noop(
                        "Resultado %(result)s: the 2008 target %(year)s is within the phase target %(phase)s."
                    ),
                    {"result": year.result.code, "year": year.target_text, "phase": phase.target_text},
                ),
                key=f"{year.result.code}/{year.code}",
                holds=not problems,
                # A numbering slip alone (same wording and target, another number) changes no figure.
                severity=Severity.OBSERVATION if problems and not target_exceeds else None,
                partner=plan.organisation.acronym,
                document=plan.document,
            )
        )
    return outcomes


@results_kind(
    "target_text_vs_table",
    gettext_lazy("Target quoted in the narrative against the table"),
    tolerance=tolerance.EXACT,  # a target is a count or a percentage as written, not a rounded amount
)
def evaluate_target_text_vs_table(rule, ctx) -> list[Outcome]:
    """Params: ``plan``, ``indicator`` {result, kind, code}, ``quoted`` {text, number, line}."""
    plan = _plan(rule, ctx)
    ref, quoted = rule.params["indicator"], rule.params["quoted"]
    indicator = ctx.indicators.get((plan.pk, str(ref["result"]), ref["kind"], ref["code"]))
    if indicator is None:
        raise RuleError(
            Message(
                gettext_noop("Unknown indicator %(code)s in %(plan)s."),
                {"code": ref["code"], "plan": plan.code},
            )
        )
    if indicator.target_value is None:
        raise RuleError(
            Message(gettext_noop("Indicator %(code)s has no numeric target."), {"code": indicator.code})
        )
    return [
        Outcome(
            Decimal(str(quoted["number"])),
            indicator.target_value,
            "",
            sorted({int(quoted["line"]), indicator.line}),
            plan.title,
            Message(
                gettext_noop(
                    "The narrative (line %(ql)s) states “%(quoted)s”; %(code)s (line %(il)s) sets the target “%(target)s”."
                ),
                {
                    "ql": quoted["line"],
                    "quoted": quoted["text"],
                    "code": indicator.code,
                    "il": indicator.line,
                    "target": indicator.target_text,
                },
            ),
            key=indicator.code,
            partner=plan.organisation.acronym,
            document=plan.document,
        )
    ]


@results_kind(
    "indicator_wording",
    gettext_lazy("An indicator's wording against its own target"),
    tolerance=tolerance.EXACT,  # counts as written
)
def evaluate_indicator_wording(rule, ctx) -> list[Outcome]:
    """Every indicator of the programme whose wording states a count of what its target counts
    (``5 contratos`` against the target ``5 contratos de exportación``): the two must be the same."""
    indicators = (
        Indicator.objects.filter(result__plan__programme=ctx.programme)
        .exclude(target_text="")
        .select_related("result__plan__organisation", "result__plan__document")
        .order_by("line", "pk")
    )
    outcomes = []
    for indicator in indicators:
        plan = indicator.result.plan
        for said, target in disagreeing(indicator.statement, indicator.target_text):
            outcomes.append(
                Outcome(
                    said.value,
                    target.value,
                    "",
                    [indicator.line],
                    plan.title,
                    Message(
                        gettext_noop("%(code)s (line %(line)s) says “%(said)s”; its target is “%(target)s”."),
                        {
                            "code": indicator.code,
                            "line": indicator.line,
                            "said": said.text,
                            "target": target.text,
                        },
                    ),
                    key=f"{plan.code}/{indicator.code}/{indicator.pk}/{said.unit}",
                    partner=plan.organisation.acronym if plan.organisation else "",
                    document=plan.document,
                )
            )
    return outcomes


register_programme_rule(
    "results:indicator-wording",
    "indicator_wording",
    description="Un indicador que cuenta en su redacción lo mismo que su meta indica el mismo número.",
    description_en="An indicator whose wording counts what its target counts states the same number.",
)


_of_plan = through(WorkPlan, "plan_id", "programme_id")
watch(WorkPlan, "programme_id", gettext_lazy("work plan %(object)s"))
watch(Result, _of_plan, gettext_lazy("result %(object)s"))
watch(Indicator, through(Result, "result_id", "plan__programme_id"), gettext_lazy("indicator %(object)s"))
watch(Activity, _of_plan, gettext_lazy("activity %(object)s"))
watch(
    ScheduleMonth,
    through(Activity, "activity_id", "plan__programme_id"),
    gettext_lazy("schedule month %(object)s"),
)
