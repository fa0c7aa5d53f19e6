"""The finance app's part of the reconciliation: rules over the money partners report and receive.

Derived, not written by hand: :func:`finance.services.report_create` gives every financial report its
``financial_report`` rule (about that report: its page is where the findings point), and the first
disbursement of a programme its ``disbursements_within_plan`` rule. Drafts are the partner's work in
progress and are not checked; a report counts once it is submitted.

``financial_report`` checks, for one report:

- its lines add up to the total the partner states (exactly: both are typed, neither is rounded);
- its exchange rate converts its currency to the programme's binding one on the last day of its period;
- each line's cumulative expenditure (approved earlier reports and this one) within the line's budget:
  over it is material unless the partner explained the variance (then an observation);
- a variance explanation wherever the programme's threshold requires one.

``disbursements_within_plan``: what the programme transferred to a partner, per currency, not above what
the partner's budget lines plan.

``executed_within_ceiling``: the programme's execution (the source's stated figure plus approved reports)
within the agreement's ceiling in each currency, as amended today.

Any change of a report, its lines or a disbursement makes the programme's findings be computed again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from budgets.models import BudgetRow
from core import tolerance
from core.models import Document
from finance.models import (
    Disbursement,
    FinancialReport,
    FinancialReportLine,
    FinancialStatus,
    _rate_error,
)
from reconciliation.models import Severity
from reconciliation.registry import (
    Figure,
    Message,
    Outcome,
    register_programme_rule,
    register_rule_kind,
    register_subject,
)
from reconciliation.services import through, watch
from results.models import Result
from results.targets import disagreeing

FINANCE_RULE_KINDS = frozenset({"financial_report", "disbursements_within_plan", "executed_within_ceiling"})
CHECKED_STATUSES = (FinancialStatus.SUBMITTED, FinancialStatus.APPROVED)

register_subject(FinancialReport)


def _line_location(row) -> dict:
    return {"lines": [row.line], "document": row.table.document}


@register_rule_kind(
    "financial_report",
    gettext_lazy("A partner's financial report: total, rate, lines within budget, explanations"),
    tolerance=tolerance.EXACT,  # typed figures, not rounded ones: any difference counts
)
def evaluate_financial_report(rule, ctx) -> list[Outcome]:
    from finance import services  # the services import the reconciliation, which imports this module

    report = rule.subject
    if report is None or report.status not in CHECKED_STATUSES:
        return []
    title = str(report)
    partner = report.partner.acronym
    outcomes = []
    statuses = services.line_statuses(report)
    total = services.lines_total(report)
    if report.stated_total is not None:
        outcomes.append(
            Outcome(
                report.stated_total.amount,
                total.amount,
                report.currency,
                sorted(status.line.budget_row.line for status in statuses),
                title,
                Message(
                    gettext_noop(
                        "The lines of the report add up to %(lines)s; the report states %(stated)s."
                    ),
                    {
                        "lines": Figure(total.amount, report.currency),
                        "stated": Figure(report.stated_total.amount, report.currency),
                    },
                ),
                key="total",
                partner=partner,
                # Its terms are the report's budget lines: each links to its line of the source.
                document=statuses[0].line.budget_row.table.document if statuses else None,
            )
        )
    error = _rate_error(
        report.rate, report.currency, report.programme.binding_currency, report.period.end_date
    )
    outcomes.append(
        Outcome(
            str(report.rate or "—"),
            report.programme.binding_currency,
            "",
            [],
            title,
            Message(
                gettext_noop("Exchange rate of the report: %(problem)s"),
                {"problem": " ".join(error.messages) if error else "—"},
            ),
            key="rate",
            holds=error is None,
            partner=partner,
        )
    )
    for status in statuses:
        row = status.line.budget_row
        explained = bool(status.line.variance_explanation)
        if status.budget is not None:
            outcomes.append(
                Outcome(
                    status.cumulative.amount,
                    status.budget.amount,
                    report.currency,
                    table=title,
                    message=Message(
                        gettext_noop(
                            "Line %(line)s: cumulative expenditure %(cumulative)s against its budget %(budget)s."
                        ),
                        {
                            "line": row.line,
                            "cumulative": Figure(status.cumulative.amount, report.currency),
                            "budget": Figure(status.budget.amount, report.currency),
                        },
                    ),
                    key=f"budget-{row.pk}",
                    holds=status.cumulative <= status.budget,
                    # Explained: staff know why; a finding still, but not one that changes an amount.
                    severity=Severity.OBSERVATION if explained else Severity.MATERIAL,
                    partner=partner,
                    **_line_location(row),
                )
            )
        if status.needs_explanation:
            outcomes.append(
                Outcome(
                    status.line.variance_explanation or "—",
                    "",
                    "",
                    table=title,
                    message=Message(
                        gettext_noop(
                            "Line %(line)s departs from its budget by %(percent)s %%: a variance explanation is due."
                        ),
                        {"line": row.line, "percent": Figure(status.variance_percent, "", places=1)},
                    ),
                    key=f"explanation-{row.pk}",
                    holds=explained,
                    partner=partner,
                    **_line_location(row),
                )
            )
    return outcomes


@register_rule_kind(
    "disbursements_within_plan",
    gettext_lazy("Transfers to a partner within what its budget lines plan"),
    tolerance=tolerance.EXACT,
)
def evaluate_disbursements_within_plan(rule, ctx) -> list[Outcome]:
    from finance import services

    programme = ctx.programme
    received: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    partners = {}
    for disbursement in Disbursement.objects.filter(programme=programme).select_related("partner"):
        key = (disbursement.partner_id, str(disbursement.amount.currency))
        received[key] += disbursement.amount.amount
        partners[disbursement.partner_id] = disbursement.partner
    outcomes = []
    for (partner_id, currency), amount in sorted(received.items()):
        partner = partners[partner_id]
        rows = list(services.budget_rows(programme, partner).select_related("table__document"))
        budgets = services.line_budgets(rows, currency)
        planned = sum((b.amount.amount for b in budgets.values() if b.amount is not None), Decimal(0))
        outcomes.append(
            Outcome(
                amount,
                planned,
                currency,
                sorted(row.line for row in rows),
                partner.acronym,
                Message(
                    gettext_noop(
                        "%(partner)s received %(received)s; its budget lines plan %(planned)s in %(currency)s."
                    ),
                    {
                        "partner": partner.acronym,
                        "received": Figure(amount, currency),
                        "planned": Figure(planned, currency),
                        "currency": currency,
                    },
                ),
                key=f"{partner.acronym}-{currency}",
                holds=amount <= planned,
                partner=partner.acronym,
                document=rows[0].table.document if rows else None,
            )
        )
    return outcomes


@register_rule_kind(
    "executed_within_ceiling",
    gettext_lazy("What the programme executed within the agreement's ceiling"),
    tolerance=tolerance.EXACT,
)
def evaluate_executed_within_ceiling(rule, ctx) -> list[Outcome]:
    """Per agreement and currency of its ceilings today: the execution the source states plus what
    approved financial reports spent since, against the ceiling (the amendments applied)."""
    from agreements.models import Agreement
    from agreements.terms import consolidated_terms
    from finance.live import live_figures

    programme = ctx.programme
    today = timezone.localdate()
    executed: dict[str, Decimal] = defaultdict(Decimal)
    for row in live_figures(programme, None, today):
        if row.executed is not None:
            executed[row.currency] += row.executed.amount
    outcomes = []
    for agreement in Agreement.objects.filter(programme=programme).select_related("document"):
        terms = consolidated_terms(agreement, today)
        for currency, ceiling in sorted(terms.ceilings.items()):
            if currency not in executed:
                continue
            outcomes.append(
                Outcome(
                    executed[currency],
                    ceiling.amount.amount,
                    currency,
                    list(ceiling.lines),
                    str(agreement),
                    Message(
                        gettext_noop(
                            "Executed %(executed)s (as the source states, plus approved financial reports) "
                            "against the agreement's ceiling of %(ceiling)s."
                        ),
                        {
                            "executed": Figure(executed[currency], currency),
                            "ceiling": Figure(ceiling.amount.amount, currency),
                        },
                    ),
                    key=f"{agreement.pk}-{currency}",
                    holds=executed[currency] <= ceiling.amount.amount,
                    document=agreement.document,
                )
            )
    return outcomes


watch(Disbursement, "programme_id", gettext_lazy("disbursement %(object)s"))
watch(FinancialReport, "programme_id", gettext_lazy("financial report %(object)s"))
watch(
    FinancialReportLine,
    through(FinancialReport, "report_id", "programme_id"),
    gettext_lazy("financial report line %(object)s"),
)


# --- the budget by results against the work plans ------------------------------------------------------
# Not money, but across the two apps below this one: a budget table's row for a partner's result quotes
# that result; the counts it quotes are the work plan's.

_RESULT_NUMBER = re.compile(r"(\d+)\s*$")


@register_rule_kind(
    "result_wording",
    gettext_lazy("A result as a budget table quotes it against the partner's work plan"),
    tolerance=tolerance.EXACT,  # counts as written
)
def evaluate_result_wording(rule, ctx) -> list[Outcome]:
    """Every budget row of a partner's result (``Resultado 2: … 20 promotores …``) against that result in
    the partner's work plan (``… 10 promotores …``): a count of the same thing must be the same."""
    statements = defaultdict(list)
    for code, statement, line, organisation in Result.objects.filter(
        plan__programme=ctx.programme
    ).values_list("code", "statement", "line", "plan__organisation_id"):
        statements[(organisation, code.strip())].append((statement, line))
    rows = (
        BudgetRow.objects.filter(table__programme=ctx.programme, partner__isnull=False)
        .exclude(result="")
        .values_list(
            "line", "label", "result", "partner_id", "partner__acronym", "table__title", "table__document"
        )
        .order_by("table__order", "line")
    )
    rows = list(rows)
    documents = Document.objects.in_bulk({row[-1] for row in rows})
    outcomes = []
    for line, label, result, partner_id, acronym, title, document_id in rows:
        number = _RESULT_NUMBER.search(result)
        for statement, result_line in statements.get((partner_id, number[1] if number else ""), []):
            for quoted, planned in disagreeing(label, statement):
                outcomes.append(
                    Outcome(
                        quoted.value,
                        planned.value,
                        "",
                        sorted({line, result_line}),
                        title,
                        Message(
                            gettext_noop(
                                "Line %(line)s (%(result)s) says “%(quoted)s”; the work plan's result (line "
                                "%(rl)s) says “%(planned)s”."
                            ),
                            {
                                "line": line,
                                "result": result,
                                "quoted": quoted.text,
                                "rl": result_line,
                                "planned": planned.text,
                            },
                        ),
                        key=f"{line}/{result_line}/{quoted.unit}",
                        partner=acronym,
                        document=documents.get(document_id),
                    )
                )
    return outcomes


register_programme_rule(
    "results:budget-by-result-wording",
    "result_wording",
    description="Un resultado citado en un cuadro de presupuesto por resultados cuenta lo mismo que en el plan "
    "de trabajo del socio.",
    description_en="A result quoted in a budget-by-results table counts the same as in the partner's work plan.",
)
