"""Budget pages: reconciliation findings, a table as printed, the overview per partner. Every view
fetches through :mod:`agreements.access`; partners see what concerns their organisation."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agreements.access import (
    get_finding_for_user_or_404,
    get_programme_for_user_or_404,
    get_table_for_user_or_404,
)
from agreements.models import Programme
from budgets.forms import ExplainForm, FindingFilterForm
from budgets.models import BudgetFact, BudgetTable
from budgets.reports import budget_overview, overview_sections, table_grid
from core.models import Organisation
from core.navigation import next_url
from core.spreadsheets.columns import Column, ColumnType
from core.spreadsheets.writers import write_csv, write_xlsx
from reconciliation.causes import group_by_cause
from reconciliation.engine import reconcile, summarise
from reconciliation.models import Computation, Finding, ReconciliationRule
from reconciliation.registry import rule_kinds, subject_models
from reconciliation.services import finding_explain

FINDINGS_PER_PAGE = 50


def _source_links(finding: Finding) -> list[tuple[int, str]]:
    """Each line the finding cites, linked to its line in the source document."""
    document = finding.document
    if document is None:
        return [(line, "") for line in finding.lines]
    return [(line, document.line_url(line)) for line in finding.lines]


def _prepare_row(finding: Finding, subject_urls: dict) -> None:
    """What the page's row of ``finding`` shows, worked out once: the row's template reads attributes
    (each figure, label and link was otherwise computed two or three times per row)."""
    finding.source_links = _source_links(finding)
    subject = finding.rule.subject
    key = (type(subject), getattr(subject, "pk", None))
    if key not in subject_urls:
        get_url = getattr(subject, "get_absolute_url", None)
        subject_urls[key] = get_url() if get_url is not None else ""
    finding.subject_url = subject_urls[key]
    finding.stated_figure = finding.stated_money
    finding.recomputed_figure = finding.recomputed_money
    finding.severity_label = finding.get_severity_display()
    finding.status_label = finding.get_status_display()


def _findings_as_filtered(request, programme):
    """The findings the reader may see, as the page's filters select them (the page and its export):
    ``(form, kinds, findings)``."""
    tables = list(BudgetTable.objects.filter(programme=programme).only("code", "title", "title_en", "order"))
    partners = list(
        Organisation.objects.filter(participations__programme=programme).distinct().only("acronym")
    )
    registered = rule_kinds()
    kinds = [
        (k, registered[k].label if k in registered else k)
        for k in ReconciliationRule.objects.filter(programme=programme)
        .order_by("kind")
        .values_list("kind", flat=True)
        .distinct()
    ]
    form = FindingFilterForm(request.GET or None, tables=tables, partners=partners, kinds=kinds)
    findings = (
        Finding.objects.for_user(request.user)
        .filter(rule__programme=programme)
        .select_related("rule", "partner", "explained_by", "document")
        .prefetch_related(
            # As a list: a prefetched manager would build a filtered queryset per finding (a tenth of the page).
            Prefetch("status_changes", to_attr="status_change_list"),
            GenericPrefetch(
                "rule__subject",
                [
                    BudgetTable.objects.select_related("document", "programme").defer(
                        "document__text", "notes"
                    ),
                    # What other apps' rules are about (a financial report): each fetched once too.
                    *(m._default_manager.all() for m in subject_models() if m is not BudgetTable),
                ],
            ),
        )
        .defer("rule__params", "document__text")
        .order_by("rule__budget_table__order", "rule__code", "key")
    )
    chosen = form.cleaned_data if form.is_valid() else {}
    if chosen.get("table"):
        findings = findings.filter(rule__budget_table__code=chosen["table"])  # rules about that table
    findings = findings.matching(
        **{name: chosen.get(name) or "" for name in ("partner", "kind", "severity", "status")}
    )
    return form, kinds, findings


def _with_rules(findings) -> list[Finding]:
    """The findings, each with its rule's parameters (what :func:`group_by_cause` reads): one query."""
    return list(findings.prefetch_related(None).defer(None).defer("document__text"))


@login_required
@require_safe
def reconciliation(request, code: str):
    programme, is_staff = get_programme_for_user_or_404(request.user, code)
    form, kinds, findings = _findings_as_filtered(request, programme)
    registered = rule_kinds()
    # Every finding as filtered, at once: the causes are worked out from all of them, and the page shows
    # some; what a row shows besides (status changes, what the rule is about) is fetched for those only.
    listed = _with_rules(findings)
    causes = group_by_cause(listed)
    cause_of = causes.cause_of()
    page = Paginator(listed, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
    prefetch_related_objects(page.object_list, *findings._prefetch_related_lookups)
    subject_urls: dict = {}
    for finding in page:
        _prepare_row(finding, subject_urls)
        finding.cause = cause_of.get(finding.pk)
    for cause in causes.causes:
        for finding in cause.findings:
            finding.source_links = _source_links(finding)
            finding.severity_label = finding.get_severity_display()
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "budgets/reconciliation.html",
        {
            "programme": programme,
            "summary": summarise(programme),
            "causes": causes,
            "tolerances": [
                (label, registered[k].describe_tolerance()) for k, label in kinds if k in registered
            ],
            "last_run": Computation.objects.filter(programme=programme).first(),
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "explain_form": ExplainForm(),
            "can_explain": is_staff,
        },
    )


FINDING_COLUMNS = [
    Column("rule", _("Rule")),
    Column("kind", _("Rule kind")),
    Column("description", _("Rule in words")),
    Column("key", _("Key")),
    Column("severity", _("Severity")),
    Column("status", _("Status")),
    Column("table", _("Table")),
    Column("partner", _("Partner")),
    Column("stated", _("Stated")),
    Column("recomputed", _("Recomputed")),
    Column("difference", _("Difference"), ColumnType.DECIMAL),
    Column("currency", _("Currency")),
    Column("document", _("Document")),
    Column("lines", _("Source lines")),
    Column("message", _("Message")),
    Column("explanation", _("Explanation")),
    Column("cause", _("Cause")),
]
EXPORT_FORMATS = {"xlsx", "csv"}


@login_required
@require_safe
def reconciliation_export(request, code: str, fmt: str):
    """The findings as the page's filters select them, every page of them, as XLSX or CSV."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    programme, _staff = get_programme_for_user_or_404(request.user, code)
    _form, _kinds, findings = _findings_as_filtered(request, programme)
    findings = _with_rules(findings.select_related("rule", "partner", "document"))
    cause_of = group_by_cause(findings).cause_of()
    rows = (
        {
            "rule": f.rule.code,
            "kind": f.rule.kind,
            "description": f.rule.description_i18n,
            "key": f.key,
            "severity": str(f.get_severity_display()),
            "status": str(f.get_status_display()),
            "table": f.table,
            "partner": f.partner.acronym if f.partner else "",
            "stated": f.stated,
            "recomputed": f.recomputed,
            "difference": f.difference,
            "currency": f.currency,
            "document": f.document.code if f.document else "",
            "lines": ", ".join(str(line) for line in f.lines),
            "message": f.text,
            "explanation": f.explanation,
            "cause": cause_of[f.pk].text if f.pk in cause_of else "",
        }
        for f in findings
    )
    name = f"{programme.code}-findings.{fmt}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # Excel reads UTF-8 with a BOM
        write_csv(response, columns=FINDING_COLUMNS, rows=rows)
    else:
        stream = io.BytesIO()
        write_xlsx(stream, sheet=str(_("Findings"))[:31], columns=FINDING_COLUMNS, rows=rows)
        response = HttpResponse(
            stream.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def explain(request, code: str, pk: int):
    """Staff mark a finding explained with a comment; a partner may not (403 on its own, 404 on others')."""
    programme, _staff = get_programme_for_user_or_404(request.user, code)
    finding, can_explain = get_finding_for_user_or_404(request.user, programme, pk)
    if not can_explain:
        raise PermissionDenied
    form = ExplainForm(request.POST)
    if form.is_valid():
        try:
            finding_explain(finding=finding, user=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("The finding is marked explained."))
    else:
        messages.error(request, _("An explanation needs a comment."))
    # Back to the findings as they were filtered and paged when the comment was written.
    return redirect(next_url(request, programme_url(programme)))


def programme_url(programme: Programme) -> str:
    return reverse("budgets:reconciliation", args=[programme.code])


@login_required
@require_POST
def recompute(request, code: str):
    programme, is_staff = get_programme_for_user_or_404(request.user, code)
    if not is_staff:
        raise PermissionDenied
    findings = reconcile(programme, _("Recompute pressed by %(user)s") % {"user": request.user})
    messages.success(request, _("Reconciled: %(n)s findings.") % {"n": len(findings)})
    return redirect(programme_url(programme))


@login_required
@require_safe
def table(request, code: str, table_code: str):
    """The table as printed, each stated figure beside what pcc recomputes where a rule does not hold."""
    programme, _staff = get_programme_for_user_or_404(request.user, code)
    budget_table, _staff = get_table_for_user_or_404(request.user, programme, table_code)
    grid = table_grid(table=budget_table, user=request.user)
    if grid is None:
        raise Http404
    return render(
        request,
        "budgets/table.html",
        {
            "programme": programme,
            "table": budget_table,
            "columns": grid.columns,
            "grid": grid.rows,
            "findings": grid.findings,
            "title_url": budget_table.document.line_url(budget_table.title_line),
        },
    )


@login_required
@require_safe
def overview(request, code: str):
    """Per component and partner: planned, executed, available, requested… per currency as printed."""
    programme, _staff = get_programme_for_user_or_404(request.user, code)
    overview = budget_overview(programme=programme, user=request.user)
    as_of = timezone.localdate()
    if request.GET.get("as_of"):
        try:
            as_of = datetime.date.fromisoformat(request.GET["as_of"])
        except ValueError:
            messages.error(
                request,
                _("“%(value)s” is not a date written as 2008-10-31: figures are shown as of today.")
                % {"value": request.GET["as_of"][:40]},
            )
    tables = list(
        BudgetTable.objects.filter(programme=programme)
        .filter(pk__in=BudgetFact.objects.for_user(request.user).values("budget_table"))
        .only("code", "title", "title_en", "first_line", "last_line", "in_overview")
    )
    return render(
        request,
        "budgets/overview.html",
        {
            "programme": programme,
            "figures": overview.figures,
            "rows": overview.rows,
            "component_rows": overview.component_rows,
            "programme_row": overview.programme_row,
            "printed_row": overview.printed_row,
            "sources": [t for t in tables if t.in_overview],
            "tables": tables,
            "as_of": as_of,
            "sections": overview_sections(programme=programme, user=request.user, as_of=as_of),
        },
    )
