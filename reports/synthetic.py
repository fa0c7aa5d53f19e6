"""A realistic synthetic portfolio for load tests and benchmarks (``manage.py generate_portfolio``).

Each programme looks like a small PCC: a donor and three implementing partners, one phase, an agreement
with CHF and US$ ceilings, two components, a planned budget (CHF, per year and partner, with a total row)
and an execution table (US$: executed, available, requested), ``sum`` rules with a few findings, one
work plan per partner with results, indicators, activities and their schedule, monthly reporting periods
and progress reports in every status. Everything is written with ``bulk_create`` (no history rows) and
is the same for the same seed.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from djmoney.money import Money

from agreements.models import Agreement, AgreementCeiling, Component, Phase, Programme, ProgrammeParticipant
from budgets.models import BudgetColumn, BudgetFact, BudgetRow, BudgetTable
from core.models import Document, ExchangeRate, Organisation, User
from core.money import convert
from finance.models import Disbursement, FinancialReport, FinancialReportLine, FinancialStatus
from reconciliation.models import Finding, ReconciliationRule
from results.models import (
    Activity,
    Indicator,
    ProgressReport,
    ReportingPeriod,
    Result,
    ScheduleMonth,
    WorkPlan,
)
from results.targets import months_between

DOCUMENT_CODE = "synthetic-portfolio"
RATE_CODE = "synthetic-usd-chf"
PARTNERS_PER_PROGRAMME = 3
RESULTS_PER_PLAN = 2
INDICATORS_PER_RESULT = 2
ACTIVITIES_PER_RESULT = 4
STATUSES = ["draft", "submitted", "approved", "approved", "returned"]


def _month_after(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _shared(donor: str) -> tuple[Document, ExchangeRate, Organisation, User]:
    document, _ = Document.objects.get_or_create(
        code=DOCUMENT_CODE,
        defaults={
            "title": "Synthetic portfolio (generated)",
            "file_name": "synthetic.txt",
            "sha256": "0" * 64,
            "text": "\n".join(f"synthetic line {n}" for n in range(1, 501)),
        },
    )
    rate, _ = ExchangeRate.objects.get_or_create(
        code=RATE_CODE,
        defaults={
            "base_currency": "USD",
            "quote_currency": "CHF",
            "rate": Decimal("1.25"),
            "valid_from": datetime.date(2000, 1, 1),
            "valid_to": datetime.date(2040, 12, 31),
            "description": "1 US$ = 1.25 CHF (synthetic)",
        },
    )
    organisation, _ = Organisation.objects.get_or_create(
        acronym=donor,
        defaults={
            "name": f"{donor} (synthetic donor)",
            "kind": "donor",
            "country": "CH",
            "number_format": "ch",
        },
    )
    reporter, _ = User.objects.get_or_create(username="synthetic-reporter", defaults={"is_active": False})
    return document, rate, organisation, reporter


@transaction.atomic
def generate_portfolio(*, programmes: int, seed: int = 1, donor: str = "GEN-DONOR") -> Counter:
    """Create ``programmes`` new programmes (codes continue after existing ``gen-…`` ones); counts by model."""
    rng = random.Random(seed)
    document, rate, donor_org, reporter = _shared(donor)
    start = Programme.objects.filter(code__startswith="gen-").count()
    codes = [f"gen-{start + n + 1:04d}" for n in range(programmes)]
    counts: Counter = Counter()

    def bulk(model, objects):
        created = model.objects.bulk_create(objects, batch_size=1000)
        counts[model.__name__] += len(created)
        return created

    progs = bulk(
        Programme,
        [
            Programme(
                code=code,
                name=f"Programa {code.upper()} (sintético)",
                name_en=f"Programme {code.upper()} (synthetic)",
                country="PE",
                binding_currency="CHF",
            )
            for code in codes
        ],
    )
    partners = bulk(
        Organisation,
        [
            Organisation(
                acronym=f"{p.code.upper()}-P{k}",
                name=f"Partner {k} of {p.code}",
                kind="partner",
                country="PE",
                number_format="pe",
            )
            for p in progs
            for k in range(1, PARTNERS_PER_PROGRAMME + 1)
        ],
    )
    partners_of = {
        p.pk: partners[i * PARTNERS_PER_PROGRAMME : (i + 1) * PARTNERS_PER_PROGRAMME]
        for i, p in enumerate(progs)
    }
    bulk(
        ProgrammeParticipant,
        [ProgrammeParticipant(programme=p, organisation=donor_org, role="donor_rep") for p in progs]
        + [
            ProgrammeParticipant(programme=p, organisation=o, role="partner")
            for p in progs
            for o in partners_of[p.pk]
        ],
    )
    first_years = {p.pk: 2018 + rng.randrange(6) for p in progs}
    phases = bulk(
        Phase,
        [
            Phase(
                programme=p,
                code="phase-1",
                name="Phase I",
                start_date=datetime.date(first_years[p.pk], 1, 1),
                end_date=datetime.date(first_years[p.pk] + 2, 12, 31),
                document=document,
                line=1,
            )
            for p in progs
        ],
    )
    phase_of = {ph.programme_id: ph for ph in phases}
    agreements = bulk(
        Agreement,
        [
            Agreement(
                programme=p,
                phase=phase_of[p.pk],
                code="agreement",
                title=f"Agreement of {p.code}",
                start_date=phase_of[p.pk].start_date,
                end_date=phase_of[p.pk].end_date,
                exchange_rate=rate,
                document=document,
                line=1,
                end_date_line=1,
            )
            for p in progs
        ],
    )
    ceilings = {}
    for agreement in agreements:
        chf = Decimal(rng.randrange(2_000, 6_000)) * 1000
        ceilings[agreement.programme_id] = chf
        ceilings_ = [
            AgreementCeiling(agreement=agreement, amount=chf, amount_currency="CHF", is_cap=True, line=2),
            AgreementCeiling(
                agreement=agreement,
                amount=convert(Money(chf, "CHF"), rate=rate, places=0).amount,
                amount_currency="USD",
                line=2,
            ),
        ]
        bulk(AgreementCeiling, ceilings_)
    lines = bulk(
        Component,
        [
            Component(programme=p, code=code, name=f"Line {code}", kind="line", order=n)
            for p in progs
            for n, code in enumerate(["L1", "L2"])
        ],
    )
    line_of = {(c.programme_id, c.code): c for c in lines}

    # Budget tables: planned per year (CHF) and execution (US$), one row per partner and a total row.
    tables = bulk(
        BudgetTable,
        [
            BudgetTable(
                programme=p,
                code=code,
                title=title,
                title_en=title_en,
                document=document,
                title_line=10 + n * 20,
                first_line=10 + n * 20,
                last_line=20 + n * 20,
                decimal_separator=".",
                currency=currency,
                rate=rate,
                in_overview=True,
                reporting_basis=code == "budget",  # partners report their expenditure on its rows
                order=n,
            )
            for p in progs
            for n, (code, title, title_en, currency) in enumerate(
                [
                    (
                        "budget",
                        "Cuadro 1: presupuesto previsto por año (CHF)",
                        "Cuadro 1: planned budget per year (CHF)",
                        "CHF",
                    ),
                    (
                        "execution",
                        "Cuadro 2: ejecutado, disponible y solicitado (US$)",
                        "Cuadro 2: executed, available and requested (US$)",
                        "USD",
                    ),
                ]
            )
        ],
    )
    columns = []
    for table in tables:
        first = first_years[table.programme_id]
        if table.code == "budget":
            for n in range(3):
                columns.append(
                    BudgetColumn(
                        table=table,
                        key=f"y{first + n}",
                        header=str(first + n),
                        order=n,
                        currency="CHF",
                        figure="planned",
                        period_label=str(first + n),
                        period_start=datetime.date(first + n, 1, 1),
                        period_end=datetime.date(first + n, 12, 31),
                    )
                )
        else:
            for n, figure in enumerate(["executed", "available", "requested"]):
                columns.append(
                    BudgetColumn(
                        table=table,
                        key=figure,
                        header=figure.title() + " (US$)",
                        order=n,
                        currency="USD",
                        figure=figure,
                        period_label=str(first + 1),
                        period_start=datetime.date(first, 1, 1),
                        period_end=datetime.date(first + 2, 12, 31),
                    )
                )
    columns = bulk(BudgetColumn, columns)
    columns_of: dict[int, list[BudgetColumn]] = {}
    for column in columns:
        columns_of.setdefault(column.table_id, []).append(column)
    rows = []
    for table in tables:
        for k, partner in enumerate(partners_of[table.programme_id]):
            rows.append(
                BudgetRow(
                    table=table,
                    line=table.first_line + 1 + k,
                    label=partner.name,
                    order=k,
                    partner=partner,
                    component=line_of[(table.programme_id, "L1" if k < 2 else "L2")],
                )
            )
        rows.append(
            BudgetRow(
                table=table,
                line=table.first_line + 1 + PARTNERS_PER_PROGRAMME,
                label="Total",
                order=PARTNERS_PER_PROGRAMME,
                role="total",
            )
        )
    rows = bulk(BudgetRow, rows)
    rows_of: dict[int, list[BudgetRow]] = {}
    for row in rows:
        rows_of.setdefault(row.table_id, []).append(row)
    facts, rules, findings_wanted = [], [], []
    table_by_pk = {t.pk: t for t in tables}
    for table in tables:
        table_columns = columns_of[table.pk]
        items, total_row = rows_of[table.pk][:-1], rows_of[table.pk][-1]
        share = ceilings[table.programme_id] / PARTNERS_PER_PROGRAMME / 3
        for column in table_columns:
            column_sum = Decimal(0)
            for row in items:
                amount = Decimal(int(share * Decimal(rng.uniform(0.4, 1.1)) / 100) * 100)
                if table.currency == "USD":
                    amount = convert(Money(amount, "CHF"), rate=rate, places=0).amount
                column_sum += amount
                facts.append(_fact(table, row, column, amount, document))
            stated = column_sum + (Decimal(rng.choice([0, 0, 0, 1, 1000])) if column.order == 0 else 0)
            facts.append(_fact(table, total_row, column, stated, document, is_total=True))
            total_ref = f"{table.code}/{total_row.line}/{column.key}"
            rules.append(
                ReconciliationRule(
                    programme_id=table.programme_id,
                    code=f"{total_ref}:sum-rows",
                    kind="sum",
                    subject=table,
                    description=f"{column.header}: el total es la suma de las filas de los socios",
                    description_en=f"{column.header}: the total is the sum of the partners' rows",
                    params={
                        "total": total_ref,
                        "terms": [f"{table.code}/{r.line}/{column.key}" for r in items],
                    },
                    origin="loader",
                )
            )
            if stated != column_sum:
                findings_wanted.append((len(rules) - 1, stated, column_sum, column.currency, table.title))
    bulk(BudgetFact, facts)
    rules = bulk(ReconciliationRule, rules)
    bulk(
        Finding,
        [
            Finding(
                rule=rules[index],
                severity="material" if stated - recomputed > 1 else "rounding",
                stated=str(stated),
                recomputed=str(recomputed),
                difference=stated - recomputed,
                currency=currency,
                table=title,
                lines=[table_by_pk[rules[index].subject_id].first_line],
                message=f"Stated {stated}; the sum of its terms is {recomputed}.",
            )
            for index, stated, recomputed, currency, title in findings_wanted
        ],
    )

    # Results: one plan per partner over the second year of the phase, monthly reporting periods.
    plans = bulk(
        WorkPlan,
        [
            WorkPlan(
                programme=p,
                code=f"{p.code}-poa-{k + 1}",
                organisation=partner,
                component=line_of[(p.pk, "L1" if k < 2 else "L2")],
                title=f"POA {partner.acronym}",
                title_en=f"POA {partner.acronym}",
                period_start=datetime.date(first_years[p.pk] + 1, 1, 1),
                period_end=datetime.date(first_years[p.pk] + 1, 6, 30),
                period_label=f"Ene–Jun {first_years[p.pk] + 1}",
                status="approved",
                order=k,
                document=document,
                line=100 + k * 50,
                end_line=140 + k * 50,
            )
            for p in progs
            for k, partner in enumerate(partners_of[p.pk])
        ],
    )
    periods = bulk(
        ReportingPeriod,
        [
            ReportingPeriod(
                programme=p,
                kind="month",
                start_date=month,
                end_date=_month_after(month, 1) - datetime.timedelta(days=1),
                label=f"{month:%Y-%m}",
                is_locked=n < 2,
            )
            for p in progs
            for n, month in enumerate(
                months_between(
                    datetime.date(first_years[p.pk] + 1, 1, 1), datetime.date(first_years[p.pk] + 1, 6, 1)
                )
            )
        ],
    )
    periods_of: dict[int, list[ReportingPeriod]] = {}
    for period in periods:
        periods_of.setdefault(period.programme_id, []).append(period)
    results = bulk(
        Result,
        [
            Result(
                plan=plan,
                code=str(r + 1),
                statement=f"Result {r + 1} of {plan.title}",
                order=r,
                line=plan.line + r,
            )
            for plan in plans
            for r in range(RESULTS_PER_PLAN)
        ],
    )
    indicators = bulk(
        Indicator,
        [
            Indicator(
                result=result,
                code=f"I{result.code}.{i + 1}",
                kind="year",
                statement=f"Indicator {i + 1}",
                target_text=str(target),
                target_kind="number",
                target_value=Decimal(target),
                order=i,
                aggregation="per_period",
                line=result.line,
            )
            for result in results
            for i, target in enumerate(rng.randrange(2, 20) for _ in range(INDICATORS_PER_RESULT))
        ],
    )
    activities = []
    plan_by_pk = {plan.pk: plan for plan in plans}
    for result in results:
        plan = plan_by_pk[result.plan_id]
        for a in range(ACTIVITIES_PER_RESULT):
            first = rng.randrange(0, 4)
            target = rng.randrange(1, 10)
            activities.append(
                Activity(
                    plan=plan,
                    result=result,
                    key=f"{result.code}.{a + 1}",
                    code=f"{result.code}.{a + 1}",
                    statement=f"Activity {result.code}.{a + 1} of {plan.title}",
                    unit="events",
                    target_text=str(target),
                    target_kind="number",
                    target_value=Decimal(target),
                    start_month=_month_after(plan.period_start, first),
                    end_month=_month_after(plan.period_start, first + 2),
                    months_as_printed="",
                    responsible=plan.organisation.acronym,
                    order=a,
                    line=result.line,
                )
            )
    activities = bulk(Activity, activities)
    bulk(
        ScheduleMonth,
        [
            ScheduleMonth(activity=activity, month=month, planned=True, line=activity.line)
            for activity in activities
            for month in months_between(activity.start_month, activity.end_month)
        ],
    )
    reports = []
    for activity in activities:
        plan = plan_by_pk[activity.plan_id]
        for period in periods_of[plan.programme_id]:
            if period.start_date < activity.start_month or period.start_date > activity.end_month:
                continue
            if rng.random() < 0.6:
                reports.append(_report(rng, period, reporter, activity=activity))
    for indicator in indicators:
        period = periods_of[plan_by_pk[indicator.result.plan_id].programme_id][rng.randrange(6)]
        reports.append(_report(rng, period, reporter, indicator=indicator))
    bulk(ProgressReport, reports)

    # Money that moves: each partner's first period reported and approved (a quarter of each planned
    # line), and one transfer to it, so that the live-money figures and the finance pages have rows.
    money_reports = bulk(
        FinancialReport,
        [
            FinancialReport(
                programme_id=programme_id,
                partner=partner,
                period=periods_of[programme_id][0],
                currency="CHF",
                created_by=reporter,
                submitted_by=reporter,
                status=FinancialStatus.APPROVED,
                stated_total=Money(0, "CHF"),
            )
            for programme_id, its_partners in partners_of.items()
            for partner in its_partners
        ],
    )
    planned = {}
    for fact in facts:
        if fact.figure == "planned" and fact.amount is not None and not fact.is_total:
            planned[fact.row_id] = planned.get(fact.row_id, Decimal(0)) + fact.amount.amount
    budget_rows = {
        (table_by_pk[row.table_id].programme_id, row.partner_id): row
        for row in rows
        if row.partner_id and table_by_pk[row.table_id].code == "budget"
    }
    lines = []
    for report in money_reports:
        row = budget_rows.get((report.programme_id, report.partner_id))
        if row is not None:
            spent = (planned.get(row.pk, Decimal(0)) / 4).quantize(Decimal(1))
            lines.append(FinancialReportLine(report=report, budget_row=row, spent=Money(spent, "CHF")))
            report.stated_total = Money(spent, "CHF")
    bulk(FinancialReportLine, lines)
    FinancialReport.objects.bulk_update(money_reports, ["stated_total"], batch_size=1000)
    bulk(
        Disbursement,
        [
            Disbursement(
                programme_id=report.programme_id,
                partner_id=report.partner_id,
                date=report.period.start_date,
                amount=Money((report.stated_total.amount or 1) * 2, "CHF"),
                reference=f"T-{report.programme_id}-{report.partner_id}",
                created_by=reporter,
            )
            for report in money_reports
        ],
    )
    return counts


def _fact(table, row, column, amount, document, is_total: bool = False) -> BudgetFact:
    return BudgetFact(
        programme_id=table.programme_id,
        budget_table=table,
        row=row,
        column=column,
        component=row.component,
        partner=row.partner,
        period_label=column.period_label,
        period_start=column.period_start,
        period_end=column.period_end,
        figure=column.figure,
        is_total=is_total,
        amount=amount,
        amount_currency=column.currency,
        text=f"{amount:,}".replace(",", "'"),
        document=document,
        line=row.line,
        table=table.title,
        row_label=row.label,
        column_header=column.header,
    )


def _report(rng: random.Random, period, reporter, **target) -> ProgressReport:
    status = rng.choice(STATUSES)
    now = datetime.datetime.combine(period.end_date, datetime.time(12), tzinfo=datetime.UTC)
    return ProgressReport(
        period=period,
        achieved_value=Decimal(rng.randrange(0, 6)),
        reported_on=period.end_date,
        status=status,
        narrative="Synthetic progress.",
        created_by=reporter,
        submitted_by=reporter if status != "draft" else None,
        submitted_at=now if status != "draft" else None,
        review_comment="Please add the evidence." if status == "returned" else "",
        **target,
    )
