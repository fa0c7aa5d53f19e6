"""Loads ``fixtures/<programme>/results/*.yaml`` (sorted): reporting periods and work plans (POA).

A file holds ``reporting_periods:`` or ``work_plan:`` (see the files for the shape). Rows are
upserted on natural keys and saved only when something changed, so loading twice leaves the
database, history tables included, as it was.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from core.loading import FixtureError, LoadContext, parse_date
from core.upsert import upsert
from results.models import (
    Activity,
    Aggregation,
    Footnote,
    Indicator,
    IndicatorKind,
    ReportingPeriod,
    Result,
    ScheduleMonth,
    TargetKind,
    WorkPlan,
)
from results.targets import MonthRangeError, parse_month_range, parse_target

FOLDER = "results"
SCHEDULE_LETTERS = "SOND"


def load(ctx: LoadContext) -> None:
    folder = ctx.folder / FOLDER
    if not folder.is_dir() or ctx.programme is None:
        return
    rule_codes: list[str] = []
    for order, path in enumerate(sorted(folder.glob("*.yaml"))):
        data = ctx.read_yaml(f"{FOLDER}/{path.name}") or {}
        if "reporting_periods" in data:
            _load_periods(ctx, path, data["reporting_periods"])
        if "work_plan" in data:
            _load_plan(ctx, path, data["work_plan"], order=order)
        if "reconciliation_rules" in data:
            rule_codes += _load_rules(ctx, path, data["reconciliation_rules"])
    _prune_rules(ctx, rule_codes)


def _load_periods(ctx: LoadContext, path: Path, rows: list[dict]) -> None:
    for i, row in enumerate(rows):
        where = f"reporting_periods[{i}]"
        _, changed = upsert(
            ReportingPeriod,
            {
                "programme": ctx.programme,
                "start_date": parse_date(row["start"], where, path),
                "end_date": parse_date(row["end"], where, path),
            },
            {"kind": row["kind"], "label": row["label"]},
            reason=ctx.change_reason,
        )
        ctx.count("reporting period", changed)


def _decimal(value: Any, where: str, path: Path) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise FixtureError(path, where, f"expected a number, got {value!r}") from None


def _target_values(spec: dict, where: str, path: Path, default_aggregation: str | None = None) -> dict:
    printed = str(spec.get("target", "") or "")
    parsed = parse_target(printed)
    typed = spec.get("typed_target") or {}
    kind = typed.get("kind", parsed.kind)
    if kind not in TargetKind.values:
        raise FixtureError(path, where, f"unknown target kind {kind!r}")
    if default_aggregation is None:
        default_aggregation = (
            Aggregation.CUMULATIVE if kind == TargetKind.PERCENTAGE else Aggregation.PER_PERIOD
        )
    return {
        "target_text": printed,
        "target_kind": kind,
        "target_value": _decimal(typed.get("value", parsed.value), where, path),
        "target_second_value": _decimal(typed.get("second_value", parsed.second_value), where, path),
        "target_unit": typed.get("unit", parsed.unit),
        "target_currency": typed.get("currency", parsed.currency),
        "lower_is_better": bool(spec.get("lower_is_better", False)),
        "aggregation": spec.get("aggregation", default_aggregation),
        "note": spec.get("note", ""),
        "line": int(spec["line"]),
        "extra_lines": list(spec.get("extra_lines", [])),
    }


def _activity_key(code: str) -> str:
    return code.rstrip(".")


def _load_plan(ctx: LoadContext, path: Path, spec: dict, order: int) -> None:
    where = "work_plan"
    period = spec["period"]
    plan, changed = upsert(
        WorkPlan,
        {"programme": ctx.programme, "code": spec["code"]},
        {
            "organisation": ctx.organisation(spec["organisation"], where),
            "component": ctx.components.get(str(spec["component"])) if spec.get("component") else None,
            "title": spec["title"],
            "title_en": spec.get("title_en", ""),
            "period_start": parse_date(period["start"], f"{where}.period", path),
            "period_end": parse_date(period["end"], f"{where}.period", path),
            "period_label": period["as_printed"],
            "status": spec.get("status", "draft"),
            "order": order,
            "document": ctx.document(spec["document"], where),
            "line": spec["line"],
            "end_line": spec["end_line"],
        },
        reason=ctx.change_reason,
    )
    ctx.count("work plan", changed)
    partners = [ctx.organisation(acronym, f"{where}.partners") for acronym in spec.get("partners", [])]
    if set(plan.partners.values_list("pk", flat=True)) != {p.pk for p in partners}:
        plan.partners.set(partners)
    activities: dict[str, Activity] = {}
    results: dict[str, Result] = {}
    order_counter = 0
    for r_index, r_spec in enumerate(spec.get("results", [])):
        r_where = f"{where}.results[{r_index}]"
        heading = r_spec.get("heading") or {}
        result, changed = upsert(
            Result,
            {"plan": plan, "code": str(r_spec["code"])},
            {
                "statement": r_spec["statement"],
                "order": r_index,
                "line": r_spec["line"],
                "extra_lines": list(r_spec.get("extra_lines", [])),
                "activities_heading": heading.get("text", ""),
                "activities_heading_line": heading.get("line"),
            },
            reason=ctx.change_reason,
        )
        ctx.count("result", changed)
        results[result.code] = result
        indicators: dict[tuple[str, str], Indicator] = {}
        for i_index, i_spec in enumerate(r_spec.get("indicators", [])):
            i_where = f"{r_where}.indicators[{i_index}]"
            if i_spec["kind"] not in IndicatorKind.values:
                raise FixtureError(path, i_where, f"unknown indicator kind {i_spec['kind']!r}")
            indicator, changed = upsert(
                Indicator,
                {"result": result, "kind": i_spec["kind"], "code": i_spec["code"]},
                {
                    "statement": i_spec["statement"],
                    "kind_as_printed": i_spec.get("kind_as_printed", ""),
                    "baseline_text": i_spec.get("baseline", ""),
                    "baseline_value": _decimal(i_spec.get("baseline_value"), i_where, path),
                    "order": i_index,
                    **_target_values(i_spec, i_where, path, Aggregation.CUMULATIVE),
                },
                reason=ctx.change_reason,
            )
            ctx.count("indicator", changed)
            indicators[(indicator.kind, indicator.code)] = indicator
        _link_year_to_phase(ctx, path, r_where, r_spec.get("indicators", []), indicators)
        for a_index, a_spec in enumerate(r_spec.get("activities") or []):
            a_where = f"{r_where}.activities[{a_index}]"
            code = str(a_spec.get("code", ""))
            key = str(a_spec.get("key") or _activity_key(code))
            if not key:
                raise FixtureError(path, a_where, "an activity needs a code or a key")
            if key in activities:
                raise FixtureError(path, a_where, f"key {key!r} is used twice: give one of them a `key`")
            months = str(a_spec.get("months", ""))
            try:
                start, end = parse_month_range(months, plan.period_start.year)
            except MonthRangeError as exc:
                raise FixtureError(path, a_where, str(exc)) from None
            schedule = a_spec.get("schedule") or {}
            order_counter += 1
            activity, changed = upsert(
                Activity,
                {"plan": plan, "key": key},
                {
                    "result": result,
                    "parent": _parent(activities, code, a_spec.get("parent"), path, a_where),
                    "code": code,
                    "group": a_spec.get("group", ""),
                    "statement": a_spec.get("statement", ""),
                    "unit": a_spec.get("unit", ""),
                    "months_as_printed": months,
                    "start_month": start,
                    "end_month": end,
                    "responsible": schedule.get("responsible", a_spec.get("responsible", "")),
                    "schedule_statement": schedule.get("statement", ""),
                    "schedule_line": schedule.get("line"),
                    "order": order_counter,
                    **_target_values(a_spec, a_where, path),
                },
                reason=ctx.change_reason,
            )
            ctx.count("activity", changed)
            activities[key] = activity
            if schedule:
                _load_schedule(ctx, path, a_where, plan, activity, schedule)
    for f_index, f_spec in enumerate(spec.get("footnotes", [])):
        _load_footnote(ctx, path, f"{where}.footnotes[{f_index}]", plan, f_spec, results, activities)


def _parent(activities: dict[str, Activity], code: str, explicit: str | None, path: Path, where: str):
    if explicit:
        try:
            return activities[_activity_key(explicit)]
        except KeyError:
            raise FixtureError(path, where, f"parent {explicit!r} must be listed before") from None
    parts = _activity_key(code).split(".")
    while len(parts) > 2:
        parts = parts[:-1]
        if (parent := activities.get(".".join(parts))) is not None:
            return parent
    return None


def _link_year_to_phase(ctx, path, where, specs: list[dict], indicators: dict) -> None:
    """A 2008 indicator completes the phase indicator named by ``completes`` (same result)."""
    for spec in specs:
        target_code = spec.get("completes")
        year = indicators[(spec["kind"], spec["code"])]
        phase = indicators.get((IndicatorKind.PHASE, target_code)) if target_code else None
        if target_code and phase is None:
            raise FixtureError(
                path, where, f"{spec['code']}: no phase indicator {target_code!r} in this result"
            )
        upsert(
            Indicator,
            {"result_id": year.result_id, "kind": year.kind, "code": year.code},
            {"phase_indicator": phase},
            indicators,
            (year.kind, year.code),
            reason=ctx.change_reason,
        )


def _load_schedule(ctx, path, where, plan: WorkPlan, activity: Activity, schedule: dict) -> None:
    letters = str(schedule.get("months", ""))
    plan_months = plan.months()
    if len(letters) != len(SCHEDULE_LETTERS) or len(plan_months) != len(SCHEDULE_LETTERS):
        raise FixtureError(
            path, where, f"schedule months: expected four letters S O N D or '.', got {letters!r}"
        )
    for letter, expected, month in zip(letters, SCHEDULE_LETTERS, plan_months, strict=True):
        if letter not in (expected, "."):
            raise FixtureError(path, where, f"schedule months: {letter!r} where {expected!r} or '.' belongs")
        _, changed = upsert(
            ScheduleMonth,
            {"activity": activity, "month": month},
            {"planned": letter == expected, "line": schedule["line"]},
            reason=ctx.change_reason,
        )
        ctx.count("schedule month", changed)


def _load_footnote(ctx, path, where, plan, spec: dict, results: dict, activities: dict) -> None:
    result = indicator = activity = None
    try:
        if spec.get("result"):
            result = results[str(spec["result"])]
        if spec.get("indicator"):
            ref = spec["indicator"]
            indicator = Indicator.objects.get(
                result=results[str(ref["result"])], kind=ref["kind"], code=ref["code"]
            )
        if spec.get("activity"):
            activity = activities[_activity_key(str(spec["activity"]))]
    except (KeyError, Indicator.DoesNotExist):
        raise FixtureError(path, where, "the footnote's anchor is not in this plan") from None
    _, changed = upsert(
        Footnote,
        {"plan": plan, "marker": spec["marker"]},
        {
            "text": spec["text"],
            "line": spec["line"],
            "anchor_line": spec.get("anchor_line"),
            "annotates": spec.get("annotates", ""),
            "result": result,
            "indicator": indicator,
            "activity": activity,
        },
        reason=ctx.change_reason,
    )
    ctx.count("footnote", changed)


def _load_rules(ctx: LoadContext, path: Path, rows: list[dict]) -> list[str]:
    """Reconciliation rules about work plans, evaluated by the budgets engine (kinds in reconciliation.py)."""
    from reconciliation.models import ReconciliationRule, RuleOrigin
    from results.rule_kinds import RESULTS_RULE_KINDS

    codes = []
    for i, row in enumerate(rows):
        where = f"reconciliation_rules[{i}]"
        if row.get("kind") not in RESULTS_RULE_KINDS:
            raise FixtureError(
                path, where, f"expected a kind of {sorted(RESULTS_RULE_KINDS)}, got {row.get('kind')!r}"
            )
        codes.append(row["code"])
        _, changed = upsert(
            ReconciliationRule,
            {"programme": ctx.programme, "code": row["code"]},
            {
                "kind": row["kind"],
                "description": " ".join(row["description"].split()),
                "description_en": " ".join((row.get("description_en") or "").split()),
                "params": row["params"],
                **ReconciliationRule.about(None),
                "origin": RuleOrigin.LOADER,
            },
            reason=ctx.change_reason,
        )
        ctx.count("results reconciliation rule", changed)
    return codes


def _prune_rules(ctx: LoadContext, codes: list[str]) -> None:
    """Delete the loader's rules of the results kinds that the fixtures no longer define."""
    from reconciliation.models import ReconciliationRule, RuleOrigin
    from results.rule_kinds import RESULTS_RULE_KINDS

    ReconciliationRule.objects.filter(
        programme=ctx.programme, origin=RuleOrigin.LOADER, kind__in=RESULTS_RULE_KINDS
    ).exclude(code__in=codes).delete()
