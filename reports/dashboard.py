"""The three dashboards (programme, portfolio, partner) and the review queue, each in a fixed number of
queries whatever the number of programmes, facts or reports. Every query starts from the access querysets
(``for_user``); the filters are the querysets' own (``matching``), the money is :mod:`reports.headline`'s
and the charts :mod:`reports.charts`'.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone, translation
from djmoney.money import Money

from agreements import access
from agreements.models import Programme
from budgets.models import BudgetFact, FigureKind
from budgets.querysets import totals_by_currency
from budgets.reports import figures_of_record
from finance.live import LiveTable, line_progress, live_table
from finance.models import FinancialReport
from reconciliation.models import Finding
from reports.charts import (
    Chart,
    activity_chart,
    budget_by_year_chart,
    budget_vs_actual_chart,
    indicator_chart,
    partner_chart,
)
from reports.filters import Filters
from reports.headline import (
    HEADLINE_FIGURES,
    Headline,
    agreements_with_terms,
    ceilings_by_programme,
    headline,
)
from results.models import (
    Activity,
    Indicator,
    ProgressReport,
    ProgressStatus,
    ReportingPeriod,
    ScheduleMonth,
    WorkPlan,
)

NO_LINE = "—"


def facts_for(user, programmes, filters: Filters):
    """Counted figures of ``programmes`` the user may read, as the filters select them."""
    return (
        BudgetFact.objects.for_user(user)
        .filter(programme__in=programmes)
        .counted()
        .matching(partner=filters.partner, date_from=filters.date_from, date_to=filters.date_to)
    )


def tables_of_record(user, programmes):
    """The figures of the tables counted in the overview, totals included, that the user may read."""
    return BudgetFact.objects.for_user(user).filter(programme__in=programmes, budget_table__in_overview=True)


def plans_for(user, programmes, filters: Filters):
    """Work plans of ``programmes`` the user may read, as the filters select them."""
    return (
        WorkPlan.objects.for_user(user)
        .filter(programme__in=programmes)
        .matching(partner=filters.partner, date_from=filters.date_from, date_to=filters.date_to)
    )


def review_queue(user, plans, limit: int = 10) -> tuple[list[ProgressReport], int]:
    """The oldest submitted reports waiting for the reviewer, and how many there are; ``plans`` are
    work plans the user may see (a queryset from ``for_user`` or a list of their ids)."""
    waiting = ProgressReport.objects.of_plans(plans).awaiting_review()
    return waiting.order_by("submitted_at", "pk")[:limit].listed_with_targets(), waiting.count()


@dataclass
class ProgrammeDashboard:
    programme: Programme
    headline: Headline
    charts: list[Chart]
    partner_rows: list[dict]
    summary: object
    queue: list[ProgressReport] | None = None  # None: the user reviews nothing here
    queue_count: int = 0
    findings_by_severity: dict[str, int] = field(default_factory=dict)
    live: LiveTable | None = None


def partner_rows(totals: list[dict]) -> list[dict]:
    """One row per partner: for each headline figure the totals per currency."""
    rows: dict[str, dict] = {}
    for row in totals:
        partner = row["partner__acronym"] or NO_LINE
        entry = rows.setdefault(partner, {"partner": partner, "figures": defaultdict(list)})
        entry["figures"][row["figure"]].append(Money(row["total"], row["amount_currency"]))
    return [
        {"partner": r["partner"], "cells": [r["figures"].get(kind, []) for kind in HEADLINE_FIGURES]}
        for _p, r in sorted(rows.items())
    ]


#: How long a programme's derived figures stay cached at most (they are also keyed by its figures_version).
FIGURES_CACHE_SECONDS = 24 * 3600


def figures_cache_key(programme: Programme, filters: Filters, as_of: datetime.date, name: str) -> str:
    """The cache key of something derived from ``programme``'s figures: changes with its
    ``figures_version`` (bumped whenever its figures or findings change), the filters, the date and the
    language (chart titles and labels are translated when built; amounts stay Decimal/Money)."""
    parts = [filters.partner, filters.date_from or "", filters.date_to or "", as_of]
    return ":".join(
        str(p)
        for p in (
            "pcc",
            name,
            programme.pk,
            programme.figures_version,
            translation.get_language() or "",
            *parts,
        )
    )


def programme_money(user, programme: Programme, filters: Filters, as_of: datetime.date) -> dict:
    """The headline money, the money charts, the partner rows, the rule summary and the findings per
    severity of ``programme``: what staff, auditors and administrators all read alike (the whole
    programme), cached per programme until its figures change. Others are not served from the cache."""
    whole = access.reads_whole(user, programme)
    key = figures_cache_key(programme, filters, as_of, "programme-money")
    if whole:
        cached = cache.get(key)
        if cached is not None:
            return cached
    money = _programme_money(user, programme, filters, as_of)
    if whole:
        cache.set(key, money, FIGURES_CACHE_SECONDS)
    return money


def _programme_money(user, programme: Programme, filters: Filters, as_of: datetime.date) -> dict:
    from reconciliation.engine import summarise

    facts = facts_for(user, [programme], filters)
    as_printed = not filters.selects_rows
    if as_printed:
        figure_totals = figures_of_record(tables_of_record(user, [programme]), "programme_id")
        counted_findings = list(
            Finding.objects.for_user(user)
            .current()
            .filter(rule__programme=programme, rule__budget_table__in_overview=True)
            .select_related("rule")
            .only(
                "pk",
                "key",
                "severity",
                "recomputed",
                "currency",
                "message",
                "message_data",
                "rule__params",
                "rule__code",
            )
        )
    else:
        figure_totals, counted_findings = totals_by_currency(facts, "figure"), []
    per_partner = totals_by_currency(facts.filter(figure__in=HEADLINE_FIGURES), "partner__acronym", "figure")
    terms = ceilings_by_programme(agreements_with_terms([programme]), as_of).get(programme.pk)
    first = programme.binding_currency
    return {
        "headline": headline(figure_totals, terms, as_of, findings=counted_findings, as_printed=as_printed),
        "charts": [
            *budget_by_year_chart(facts).per_currency(first),
            *partner_chart(per_partner).per_currency(first),
        ],
        "partner_rows": partner_rows(per_partner),
        "live": live_table(programme, user, as_of),
        "summary": summarise(programme),
        "findings_by_severity": dict(
            Finding.objects.for_user(user)
            .current()
            .filter(rule__programme=programme)
            .values_list("severity")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    }


def programme_dashboard(user, programme: Programme, filters: Filters) -> ProgrammeDashboard:
    as_of = filters.date_to or timezone.localdate()
    money = programme_money(user, programme, filters, as_of)
    plans = plans_for(user, [programme], filters)
    plan_ids = list(plans.values_list("pk", flat=True))
    indicators = list(
        Indicator.objects.filter(result__plan__in=plan_ids)
        .with_progress()
        .select_related("result__plan__organisation")
        # Only what the achievement chart reads: the page built ~70 full indicators, plans and partners.
        .only(
            "target_kind",
            "target_value",
            "lower_is_better",
            "aggregation",
            "result__plan__organisation__acronym",
        )
        .order_by("result__plan__order", "result__plan__code", "result__order", "order")
    )
    activity_reports = list(
        ProgressReport.objects.of_plans(plan_ids)
        .filter(activity__isnull=False)
        .values("period__start_date", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    scheduled = list(
        ScheduleMonth.objects.filter(activity__plan__in=plan_ids, planned=True)
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    dashboard = ProgrammeDashboard(
        programme=programme,
        headline=money["headline"],
        charts=[*money["charts"], indicator_chart(indicators), activity_chart(activity_reports, scheduled)],
        partner_rows=money["partner_rows"],
        summary=money["summary"],
        findings_by_severity=money["findings_by_severity"],
        live=money["live"],
    )
    if access.has_role(user, programme, access.STAFF_ROLES):
        dashboard.queue, dashboard.queue_count = review_queue(user, plan_ids)
    return dashboard


# --- portfolio ---------------------------------------------------------------------------------------


def portfolio_rows(user, programmes: list[Programme], filters: Filters) -> list[dict]:
    """One row per programme of the page: ceilings, headline totals, current findings, reports to review."""
    as_of = filters.date_to or timezone.localdate()
    ids = [p.pk for p in programmes]
    terms = ceilings_by_programme(agreements_with_terms(ids), as_of)
    if filters.selects_rows:
        totals = totals_by_currency(
            facts_for(user, ids, filters).filter(figure__in=HEADLINE_FIGURES), "programme_id", "figure"
        )
    else:
        totals = figures_of_record(
            tables_of_record(user, ids).filter(figure__in=HEADLINE_FIGURES), "programme_id"
        )
    figures: dict[int, dict[str, list[Money]]] = defaultdict(lambda: defaultdict(list))
    for row in totals:
        figures[row["programme_id"]][row["figure"]].append(Money(row["total"], row["amount_currency"]))
    findings: dict[int, dict[str, int]] = defaultdict(dict)
    for programme_id, severity, n in (
        Finding.objects.for_user(user)
        .current()
        .filter(rule__programme__in=ids)
        .values_list("rule__programme_id", "severity")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        findings[programme_id][severity] = n
    waiting: dict[int, int] = defaultdict(int)
    if access.is_staff_anywhere(user):
        reviewed = access.programmes(user, access.STAFF_ROLES)
        submitted = (
            ProgressReport.objects.for_user(user).awaiting_review().filter(period__programme__in=reviewed)
        )
        for path in ("activity__plan__programme_id", "indicator__result__plan__programme_id"):
            for programme_id, n in (
                submitted.filter(**{f"{path}__in": ids}).values_list(path).annotate(n=Count("pk")).order_by()
            ):
                waiting[programme_id] += n
    rows = []
    for programme in programmes:
        entry = terms.get(programme.pk)
        rows.append(
            {
                "programme": programme,
                "ceilings": [entry["ceilings"][c] for c in sorted(entry["ceilings"])] if entry else [],
                "end_date": entry["end_date"] if entry else None,
                "cells": [figures[programme.pk].get(kind, []) for kind in HEADLINE_FIGURES],
                "material": findings[programme.pk].get("material", 0),
                "rounding": findings[programme.pk].get("rounding", 0),
                "waiting": waiting[programme.pk],
            }
        )
    return rows


# --- partner -----------------------------------------------------------------------------------------


@dataclass
class PartnerDashboard:
    organisation: object
    plans: list[WorkPlan]
    period: ReportingPeriod | None
    periods: list[ReportingPeriod]
    due: list[dict]
    returned: list[ProgressReport]
    indicators: list[Indicator]
    budget_lines: list[dict]
    totals: list[dict]
    charts: list[Chart]
    live: list[LiveTable] = field(default_factory=list)  # one per programme of its plans


def current_period(periods: list[ReportingPeriod], today: datetime.date) -> ReportingPeriod | None:
    """The period containing ``today``, else the first one still open, else the last one."""
    for period in periods:
        if period.start_date <= today <= period.end_date:
            return period
    open_periods = [p for p in periods if not p.is_locked]
    if open_periods:
        return open_periods[0]
    return periods[-1] if periods else None


def partner_dashboard(user, organisation, filters: Filters, period_id: str = "") -> PartnerDashboard:
    """A partner's plans, progress due in the period, returned reports, its budget lines and execution."""
    visible = Programme.objects.for_user(user)
    plans_qs = WorkPlan.objects.for_user(user).of_partner(organisation).filter(programme__in=visible)
    plans = list(
        plans_qs.select_related("programme", "component")
        .annotate(activity_count=Count("activities", distinct=True))
        .order_by("programme__code", "order", "code")
    )
    periods = list(
        ReportingPeriod.objects.for_user(user)
        .filter(programme__in={p.programme_id for p in plans}, kind="month")
        .order_by("start_date", "programme_id")
    )
    period = next((p for p in periods if str(p.pk) == period_id), None) or current_period(
        periods, timezone.localdate()
    )
    due: list[dict] = []
    if period is not None:
        first_month = period.start_date.replace(day=1)
        of_period = Activity.objects.filter(
            plan__in=[p.pk for p in plans if p.programme_id == period.programme_id]
        ).order_by()
        # Running in the period, or scheduled in one of its months: a UNION of the two paths, not an OR.
        running = of_period.filter(start_month__lte=period.end_date, end_month__gte=first_month)
        scheduled = of_period.filter(
            schedule_months__planned=True,
            schedule_months__month__gte=first_month,
            schedule_months__month__lte=period.end_date,
        )
        activities = list(
            Activity.objects.filter(pk__in=running.values("pk").union(scheduled.values("pk")))
            .select_related("plan")
            .order_by("plan__code", "order")
        )
        reports = {
            r.activity_id: r
            # The activities are of plans the user sees: so are their reports.
            for r in ProgressReport.objects.filter(period=period, activity__in=[a.pk for a in activities])
        }
        due = [{"activity": a, "report": reports.get(a.pk)} for a in activities]
    plan_ids = [p.pk for p in plans]
    returned = (
        ProgressReport.objects.of_plans(plan_ids)
        .filter(status=ProgressStatus.RETURNED)
        .order_by("-reviewed_at")
        .listed_with_targets()
    )
    indicators = list(
        Indicator.objects.filter(result__plan__in=plan_ids)
        .with_progress()
        .select_related("result__plan")
        .order_by("result__plan__code", "result__order", "order")
    )
    money = partner_money(user, organisation, visible, plans, filters)
    return PartnerDashboard(
        organisation=organisation,
        plans=plans,
        period=period,
        periods=periods,
        due=due,
        returned=returned,
        indicators=indicators,
        budget_lines=money["budget_lines"],
        totals=money["totals"],
        charts=money["charts"],
        live=money["live"],
    )


def report_currencies(user, organisation, programmes: list[Programme]) -> list[tuple[int, str]]:
    """(programme, currency) of the partner's financial reports in ``programmes`` that ``user`` sees."""
    return sorted(
        access.financial_reports(user)
        .filter(programme__in=[p.pk for p in programmes], partner=organisation)
        .values_list("programme_id", "currency")
        .distinct()
    )


def partner_figures_key(
    user, organisation, visible, programmes: list[Programme], filters: Filters, as_of, currencies
) -> str:
    """The cache key of a partner's money as ``user`` sees it: what it is derived from is the partner's
    figures and approved reports in each programme whose figures of this partner the user reads (every
    such reader sees the same: the access scope is the partner's rows there), so the key holds those
    programmes with their ``figures_version`` (bumped whenever their figures or findings change), the
    programmes of its plans (one live table each), the ``currencies`` of its reports there (drafts
    included: a budget series each on the line chart, and a draft changes no ``figures_version``), the
    filters, the date and the language."""
    # Only programmes where the partner has figures or reports matter: a reader of thousands of
    # programmes (a donor's staff) does not make a key of all of them.
    theirs = visible.filter(
        Exists(BudgetFact.objects.filter(programme=OuterRef("pk"), partner=organisation))
        | Exists(FinancialReport.objects.filter(programme=OuterRef("pk"), partner=organisation))
    )
    read = [
        (pk, version)
        for pk, version in theirs.order_by("pk").values_list("pk", "figures_version")
        if access.reads_whole(user, pk) or organisation.pk in access.partner_ids(user, pk)
    ]
    # Any number of programmes (a site administrator sees them all) in a key of a fixed length.
    scope = hashlib.blake2b(
        repr((read, [p.pk for p in programmes], currencies)).encode(), digest_size=16
    ).hexdigest()
    parts = [filters.date_from or "", filters.date_to or "", as_of]
    return ":".join(
        str(p)
        for p in ("pcc", "partner-money", organisation.pk, scope, translation.get_language() or "", *parts)
    )


def partner_money(user, organisation, visible, plans: list[WorkPlan], filters: Filters) -> dict:
    """The partner's budget lines, totals per figure, charts and live money per programme of its plans,
    cached until a programme's figures change (the same for staff and the partner's own users)."""
    as_of = filters.date_to or datetime.date.today()
    programmes = sorted({p.programme for p in plans}, key=lambda p: p.code)
    currencies = report_currencies(user, organisation, programmes)
    key = partner_figures_key(user, organisation, visible, programmes, filters, as_of, currencies)
    cached = cache.get(key)
    if cached is not None:
        return cached
    money = _partner_money(user, organisation, visible, programmes, filters, as_of, currencies)
    cache.set(key, money, FIGURES_CACHE_SECONDS)
    return money


def _partner_money(
    user,
    organisation,
    visible,
    programmes: list[Programme],
    filters: Filters,
    as_of: datetime.date,
    currencies: list[tuple[int, str]],
) -> dict:
    facts = (
        BudgetFact.objects.for_user(user)
        .filter(programme__in=visible, partner=organisation)
        .matching(date_from=filters.date_from, date_to=filters.date_to)
    )
    lines = totals_by_currency(
        facts.items(),
        "budget_table__order",
        "budget_table__code",
        "budget_table__title",
        "programme__code",
        "row__line",
        "row__label",
        "figure",
    )
    budget_lines: dict[tuple, dict] = {}
    for row in lines:
        key = (
            row["programme__code"],
            row["budget_table__order"],
            row["budget_table__code"],
            row["row__line"],
        )
        entry = budget_lines.setdefault(
            key,
            {
                "programme": row["programme__code"],
                "table_code": row["budget_table__code"],
                "table": row["budget_table__title"],
                "line": row["row__line"],
                "label": row["row__label"],
                "figures": [],
            },
        )
        entry["figures"].append(
            (FigureKind(row["figure"]).label, Money(row["total"], row["amount_currency"]))
        )
    counted = facts.counted()
    per_figure = totals_by_currency(counted.filter(figure__in=HEADLINE_FIGURES), "partner__acronym", "figure")
    charts = partner_chart(per_figure, key="partner-own").per_currency()
    live = []
    for programme in programmes:
        live.append(live_table(programme, user, as_of, partner=organisation))
        charts += budget_vs_actual_chart(
            line_progress(
                programme, organisation, user, currencies={c for pk, c in currencies if pk == programme.pk}
            ),
            key=f"lines-{programme.code}",
        )
    return {
        "budget_lines": [budget_lines[k] for k in sorted(budget_lines)],
        "totals": partner_rows(per_figure),
        "charts": charts,
        "live": live,
    }
