"""Pages of the finance app. Every view fetches through a helper of :mod:`agreements.access`; every
change goes through :mod:`finance.services`, which checks the permission again."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from djmoney.money import Money

from agreements import access
from core import formatting
from core.models import Organisation
from core.navigation import next_url
from finance import services
from finance.forms import DisbursementForm, ReportCreateForm, ReportLinesForm
from finance.models import FinancialReport, FinancialStatus
from results.forms import ReopenForm, ReturnForm

PER_PAGE = 50


def _error_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _editable_partners(user, programme):
    return Organisation.objects.filter(
        pk__in=access.partner_ids(user, programme, access.EDITOR_ROLES)
    ).order_by("acronym")


@login_required
@require_safe
def report_list(request, code: str):
    """A programme's financial reports the user may see, newest period first, a page at a time."""
    programme, is_staff = access.get_programme_for_user_or_404(request.user, code)
    reports = (
        access.financial_reports(request.user)
        .filter(programme=programme)
        .select_related("partner", "period")
        .order_by("-period__start_date", "partner__acronym", "currency", "pk")
    )
    status = request.GET.get("status", "")
    if status in FinancialStatus.values:
        reports = reports.filter(status=status)
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    partners = _editable_partners(request.user, programme)
    return render(
        request,
        "finance/report_list.html",
        {
            "programme": programme,
            "page": page,
            "query": query.urlencode(),
            "status": status,
            "statuses": FinancialStatus.choices,
            "create_form": ReportCreateForm(programme=programme, partners=partners) if partners else None,
            "is_staff": is_staff,
            "balance_partners": (
                Organisation.objects.filter(participations__programme=programme)
                .distinct()
                .order_by("acronym")
                if access.reads_whole(request.user, programme)
                else partners
                or Organisation.objects.filter(pk__in=access.partner_ids(request.user, programme))
            ),
        },
    )


@login_required
@require_POST
def report_create(request, code: str):
    programme, _is_staff = access.get_programme_for_user_or_404(request.user, code)
    partners = _editable_partners(request.user, programme)
    if not partners:
        raise PermissionDenied
    form = ReportCreateForm(request.POST, programme=programme, partners=partners)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("finance:report_list", programme.code)
    existing = (
        access.financial_reports(request.user)
        .filter(
            programme=programme,
            partner=form.cleaned_data["partner"],
            period=form.cleaned_data["period"],
            currency=form.cleaned_data["currency"],
        )
        .first()
    )
    if existing is not None:
        messages.info(request, _("This report exists already: it is opened here."))
        return redirect(existing)
    try:
        report = services.report_create(user=request.user, programme=programme, **form.cleaned_data)
    except ValidationError as error:
        _error_messages(request, error)
        return redirect("finance:report_list", programme.code)
    messages.success(request, _("Draft report opened: enter what was spent on each line."))
    return redirect("finance:report_edit", report.pk)


def _totals(report: FinancialReport, statuses) -> dict:
    """The report's totals in its currency, a column each, beside the total it states."""
    currency = report.currency

    def total(values):
        return Money(sum((v.amount for v in values if v is not None), Decimal(0)), currency)

    lines = total(s.line.spent for s in statuses)
    return {
        "budget": total(s.budget for s in statuses),
        "spent": lines,
        "cumulative": total(s.cumulative for s in statuses),
        "available": total(s.available for s in statuses),
        "stated": report.stated_total,
        "differs": report.stated_total is not None and report.stated_total != lines,
    }


@login_required
@require_safe
def report_detail(request, pk: int):
    report, can_write = access.get_financial_report_for_user_or_404(request.user, pk)
    statuses = services.line_statuses(report)
    can_review = request.user.has_perm("finance.review_expenditure", report)
    return render(
        request,
        "finance/report_detail.html",
        {
            "report": report,
            "programme": report.programme,
            "statuses": statuses,
            "totals": _totals(report, statuses),
            "binding": report.programme.binding_currency,
            "can_write": can_write,
            "can_review": can_review
            and request.user.pk not in (report.created_by_id, report.submitted_by_id),
            "can_reopen": can_review,
            "return_form": ReturnForm(),
            "reopen_form": ReopenForm(),
            "changes": report.status_changes.select_related("user").order_by("pk"),
            "next": next_url(request, ""),
        },
    )


@login_required
def report_edit(request, pk: int):
    report, can_write = access.get_financial_report_for_user_or_404(request.user, pk)
    if not can_write:
        raise PermissionDenied
    if (refusal := report.edit_error()) is not None:
        messages.error(request, " ".join(refusal.messages))
        return redirect(report)
    statuses = services.line_statuses(report)
    form = ReportLinesForm(
        request.POST or None,
        request.FILES or None,
        report=report,
        statuses=statuses,
        number_format=formatting.style_of(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.report_update(report=report, user=request.user, **form.service_kwargs())
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("Report saved."))
            return redirect(report)
    return render(
        request,
        "finance/report_form.html",
        {"report": report, "programme": report.programme, "form": form},
    )


@login_required
@require_safe
def report_document(request, pk: int):
    """The supporting document, served only to those who may see the report."""
    report, _can_write = access.get_financial_report_for_user_or_404(request.user, pk)
    if not report.document:
        raise Http404
    return FileResponse(
        report.document.open("rb"), as_attachment=True, filename=report.document.name.rsplit("/", 1)[-1]
    )


def _transition(request, pk: int, action, **kwargs):
    report, _can_write = access.get_financial_report_for_user_or_404(request.user, pk)
    try:
        report = action(report=report, user=request.user, **kwargs)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(
            request, _("The report is now “%(status)s”.") % {"status": report.get_status_display()}
        )
    return redirect(next_url(request, reverse("finance:report_detail", args=[pk])))


@login_required
@require_POST
def report_submit(request, pk: int):
    return _transition(request, pk, services.report_submit)


@login_required
@require_POST
def report_approve(request, pk: int):
    return _transition(request, pk, services.report_approve)


@login_required
@require_POST
def report_return(request, pk: int):
    return _transition(request, pk, services.report_return, comment=request.POST.get("comment", ""))


@login_required
@require_POST
def report_reopen(request, pk: int):
    return _transition(request, pk, services.report_reopen, reason=request.POST.get("reason", ""))


@login_required
def disbursement_list(request, code: str):
    """The transfers of a programme the user may see; staff enter new ones here."""
    programme, _is_staff = access.get_programme_for_user_or_404(request.user, code)
    probe = programme.disbursements.model(programme=programme)
    may_record = request.user.has_perm("finance.record_disbursement", probe)
    form = None
    if may_record:
        form = DisbursementForm(
            request.POST or None,
            request.FILES or None,
            programme=programme,
            number_format=formatting.style_of(request.user),
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.disbursement_create(user=request.user, **form.service_kwargs())
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    _error_messages(request, error)
            else:
                messages.success(request, _("Disbursement recorded."))
                return redirect("finance:disbursement_list", programme.code)
    elif request.method == "POST":
        raise PermissionDenied
    transfers = (
        access.disbursements(request.user)
        .filter(programme=programme)
        .select_related("partner", "rate")
        .order_by("-date", "-pk")
    )
    page = Paginator(transfers, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/disbursement_list.html",
        {"programme": programme, "page": page, "form": form, "query": ""},
    )


@login_required
@require_safe
def balance(request, code: str, acronym: str):
    """A partner's money per reporting period and currency: opening, received, spent, closing."""
    programme, _is_staff = access.get_programme_for_user_or_404(request.user, code)
    partner, _whole = access.get_programme_partner_for_user_or_404(request.user, programme, acronym)
    currencies = services.partner_currencies(programme, partner)
    return render(
        request,
        "finance/balance.html",
        {
            "programme": programme,
            "partner": partner,
            "balances": [
                (currency, services.balances(programme, partner, currency)) for currency in currencies
            ],
        },
    )
