"""Dashboards (portfolio, programme, partner) and the PDF/XLSX reports. Every view first fetches through
an access helper; what another partner owns is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from agreements.models import Programme
from core.models import Organisation
from core.templatetags.pcc import reader_format
from reports import dashboard, exports
from reports.filters import DashboardFilterForm, Filters
from reports.operational_plan import operational_plan, partner_progress
from results.models import ReportingPeriod

PROGRAMMES_PER_PAGE = 25
FORMATS = ("pdf", "xlsx")


def get_programme_for_user_or_404(user, code: str) -> Programme:
    return get_object_or_404(Programme.objects.for_user(user), code=code)


def get_partner_for_user_or_404(user, acronym: str) -> Organisation:
    """Staff open any organisation taking part in their programmes; a partner only its own."""
    if user.is_programme_staff:
        organisations = Organisation.objects.filter(
            participations__programme__in=Programme.objects.for_user(user)
        )
    else:
        organisations = Organisation.objects.filter(pk__in=user.organisation_ids)
    return get_object_or_404(organisations.distinct(), acronym=acronym)


def _require_staff(user) -> None:
    if not user.is_programme_staff:
        raise PermissionDenied


def _partner_acronyms(programmes) -> list[str]:
    return list(
        Organisation.objects.filter(participations__programme__in=programmes, participations__role="partner")
        .values_list("acronym", flat=True)
        .distinct()
        .order_by("acronym")
    )


@login_required
def portfolio(request):
    _require_staff(request.user)
    visible = Programme.objects.for_user(request.user).order_by("code")
    chosen = request.GET.get("programme", "")
    phases = (
        list(visible.get(code=chosen).phases.all()) if chosen and visible.filter(code=chosen).exists() else []
    )
    form = DashboardFilterForm(
        request.GET or None,
        programmes=list(visible.only("code")),
        phases=phases,
        partners=_partner_acronyms(visible),
    )
    filters = form.filters()
    programmes = visible.filter(code=filters.programme) if filters.programme else visible
    if filters.partner:
        programmes = programmes.filter(participants__organisation__acronym=filters.partner).distinct()
    page = Paginator(programmes, PROGRAMMES_PER_PAGE).get_page(request.GET.get("page"))
    rows = dashboard.portfolio_rows(request.user, list(page), filters)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/portfolio.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "chart": dashboard.portfolio_chart(rows),
            "figures": _figure_labels(),
            "number_format": reader_format({"request": request}),
        },
    )


def _figure_labels() -> list[str]:
    from budgets.models import FigureKind

    return [FigureKind(kind).label for kind in dashboard.HEADLINE_FIGURES]


@login_required
def programme_dashboard(request, code: str):
    programme = get_programme_for_user_or_404(request.user, code)
    _require_staff(request.user)
    form = DashboardFilterForm(
        request.GET or None,
        phases=list(programme.phases.all()),
        partners=_partner_acronyms([programme]),
        show_programme=False,
    )
    filters = form.filters()
    data = dashboard.programme_dashboard(request.user, programme, filters)
    query = request.GET.urlencode()
    return render(
        request,
        "reports/programme_dashboard.html",
        {
            "programme": programme,
            "form": form,
            "filters": filters,
            "dashboard": data,
            "query": query,
            "figures": _figure_labels(),
            "number_format": reader_format({"request": request}),
        },
    )


@login_required
def partner_dashboard(request):
    user = request.user
    acronym = request.GET.get("partner", "")
    if not acronym and not user.is_programme_staff:
        own = Organisation.objects.filter(pk__in=user.organisation_ids).order_by("acronym").first()
        if own is None:
            raise Http404
        acronym = own.acronym
    if not acronym:
        visible = Programme.objects.for_user(user)
        return render(request, "reports/partner_choice.html", {"partners": _partner_acronyms(visible)})
    organisation = get_partner_for_user_or_404(user, acronym)
    data = dashboard.partner_dashboard(user, organisation, Filters(), period_id=request.GET.get("period", ""))
    return render(
        request,
        "reports/partner_dashboard.html",
        {
            "organisation": organisation,
            "dashboard": data,
            "figures": _figure_labels(),
            "number_format": reader_format({"request": request}),
        },
    )


def _attachment(content: bytes, media_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def operational_plan_report(request, code: str, fmt: str):
    programme = get_programme_for_user_or_404(request.user, code)
    if fmt not in FORMATS:
        raise Http404
    form = DashboardFilterForm(
        request.GET or None,
        phases=list(programme.phases.all()),
        partners=_partner_acronyms([programme]),
        show_programme=False,
    )
    filters = form.filters()
    document = operational_plan(request.user, programme, filters)
    name = f"poa-{programme.code}-{filters.date_from or ''}-{filters.date_to or ''}".rstrip("-")
    if fmt == "xlsx":
        return _attachment(exports.operational_plan_xlsx(document), exports.XLSX_MEDIA_TYPE, f"{name}.xlsx")
    pdf = exports.render_pdf("reports/pdf/operational_plan.html", {"document": document}, request)
    return _attachment(pdf, exports.PDF_MEDIA_TYPE, f"{name}.pdf")


def _period_or_404(user, period_id: str) -> ReportingPeriod:
    if not period_id.isdigit():
        raise Http404
    return get_object_or_404(ReportingPeriod.objects.for_user(user).select_related("programme"), pk=period_id)


@login_required
def progress_report(request, fmt: str):
    organisation = get_partner_for_user_or_404(request.user, request.GET.get("partner", ""))
    period = _period_or_404(request.user, request.GET.get("period", ""))
    if fmt not in FORMATS:
        raise Http404
    document = partner_progress(request.user, organisation, period)
    name = f"progress-{slugify(organisation.acronym)}-{period.start_date:%Y-%m}"
    if fmt == "xlsx":
        return _attachment(exports.progress_xlsx(document), exports.XLSX_MEDIA_TYPE, f"{name}.xlsx")
    pdf = exports.render_pdf("reports/pdf/progress_report.html", {"document": document}, request)
    return _attachment(pdf, exports.PDF_MEDIA_TYPE, f"{name}.pdf")
