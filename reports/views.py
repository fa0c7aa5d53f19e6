"""Dashboards (portfolio, programme, partner) and the PDF/XLSX reports. Every view first fetches through
an access helper; what another partner owns is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from agreements import access
from agreements.access import (
    get_partner_for_user_or_404,
    get_period_for_user_or_404,
    get_programme_for_user_or_404,
)
from core.exceptions import JobLimitReached
from core.formatting import current_style
from core.models import Organisation
from reports import charts, dashboard, exports
from reports.filters import DashboardFilterForm, Filters
from reports.headline import HEADLINE_FIGURES
from reports.models import ReportKind
from reports.operational_plan import operational_plan, partner_progress
from reports.services import operational_plan_params, report_job_request

PROGRAMMES_PER_PAGE = 25
FORMATS = ("pdf", "xlsx")


def _require_whole(user, programme=None) -> None:
    """Dashboards are for those who read a programme whole: staff, auditors, administrators."""
    if not (access.reads_whole(user, programme) if programme else access.reads_whole_programmes(user)):
        raise PermissionDenied


def _partner_acronyms(programmes) -> list[str]:
    return list(
        Organisation.objects.filter(participations__programme__in=programmes, participations__role="partner")
        .values_list("acronym", flat=True)
        .distinct()
        .order_by("acronym")
    )


@login_required
@require_safe
def portfolio(request):
    _require_whole(request.user)
    visible = access.programmes(request.user, access.READ_ALL_ROLES).order_by("code")
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
            "charts": charts.portfolio_chart(rows).per_currency(),
            "figures": _figure_labels(),
            "number_format": current_style(),
        },
    )


def _figure_labels() -> list[str]:
    from budgets.models import FigureKind

    return [FigureKind(kind).label for kind in HEADLINE_FIGURES]


@login_required
@require_safe
def programme_dashboard(request, code: str):
    programme, _staff = get_programme_for_user_or_404(request.user, code)
    _require_whole(request.user, programme)
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
            "number_format": current_style(),
        },
    )


@login_required
@require_safe
def partner_dashboard(request):
    user = request.user
    acronym = request.GET.get("partner", "")
    if not acronym and not access.reads_whole_programmes(user):
        own = Organisation.objects.filter(pk__in=access.own_partner_ids(user)).order_by("acronym").first()
        if own is None:
            raise Http404
        acronym = own.acronym
    if not acronym:
        visible = access.programmes(user, access.READ_ALL_ROLES)
        return render(request, "reports/partner_choice.html", {"partners": _partner_acronyms(visible)})
    organisation, _own = get_partner_for_user_or_404(user, acronym)
    data = dashboard.partner_dashboard(user, organisation, Filters(), period_id=request.GET.get("period", ""))
    return render(
        request,
        "reports/partner_dashboard.html",
        {
            "organisation": organisation,
            "dashboard": data,
            "figures": _figure_labels(),
            "number_format": current_style(),
        },
    )


def _attachment(content: bytes, media_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pdf_job(request, kind: str, params: dict) -> HttpResponse:
    """The page of the job preparing this PDF; with too many of the user's PDFs waiting, the newest of
    those, with a message saying why no other was started."""
    try:
        job = report_job_request(
            user=request.user, kind=kind, params=params, language=translation.get_language()
        )
    except JobLimitReached as limit:
        messages.error(
            request,
            ngettext(
                "You already have %(count)s PDF being prepared, the most at once. "
                "Ask for this one again when it is ready.",
                "You already have %(count)s PDFs being prepared, the most at once. "
                "Ask for this one again when one of them is ready.",
                len(limit.waiting),
            )
            % {"count": len(limit.waiting)},
        )
        return redirect(limit.waiting[0])
    return redirect(job)


@login_required
@require_safe
def operational_plan_report(request, code: str, fmt: str):
    """The XLSX at once; the PDF (seconds to lay out) through a job page, rendered in the background.

    A GET like any download link: asking again for the same data finds the same job.
    """
    programme, _staff = get_programme_for_user_or_404(request.user, code)
    if fmt not in FORMATS:
        raise Http404
    form = DashboardFilterForm(
        request.GET or None,
        phases=list(programme.phases.all()),
        partners=_partner_acronyms([programme]),
        show_programme=False,
    )
    filters = form.filters()
    if fmt == "pdf":
        return _pdf_job(request, ReportKind.OPERATIONAL_PLAN, operational_plan_params(programme, filters))
    document = operational_plan(request.user, programme, filters)
    return _attachment(
        exports.operational_plan_xlsx(document),
        exports.XLSX_MEDIA_TYPE,
        exports.operational_plan_file_name(programme, filters, "xlsx"),
    )


@login_required
@require_safe
def progress_report(request, fmt: str):
    organisation, _own = get_partner_for_user_or_404(request.user, request.GET.get("partner", ""))
    period, _can_lock = get_period_for_user_or_404(request.user, request.GET.get("period", ""))
    if fmt not in FORMATS:
        raise Http404
    if fmt == "pdf":
        return _pdf_job(
            request, ReportKind.PROGRESS_REPORT, {"partner": organisation.acronym, "period": period.pk}
        )
    document = partner_progress(request.user, organisation, period)
    return _attachment(
        exports.progress_xlsx(document),
        exports.XLSX_MEDIA_TYPE,
        exports.progress_file_name(organisation, period, "xlsx"),
    )
