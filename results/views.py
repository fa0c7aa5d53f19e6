"""Pages of the results app. Every view starts by fetching through an access helper of
:mod:`agreements.access`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agreements import access
from agreements.access import (
    get_activity_for_user_or_404,
    get_indicator_for_user_or_404,
    get_period_for_user_or_404,
    get_plan_for_user_or_404,
    get_report_for_user_or_404,
)
from core import formatting
from core.navigation import next_url
from results import services
from results.forms import ProgressForm, ReopenForm, ReturnForm, TargetChangeForm
from results.history import REPORT_FIELDS, TARGET_FIELDS, history_rows
from results.models import (
    Activity,
    Footnote,
    Indicator,
    ProgressReport,
    ProgressStatus,
    ReportingPeriod,
    Result,
    WorkPlan,
)
from results.schedule import build_schedule
from results.staging import EvidenceStaging


def _require(request, perm: str, obj) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _error_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


REVIEW_QUEUE_PER_PAGE = 50
PERIODS_PER_PAGE = 50


@login_required
@require_safe
def plan_list(request):
    plans = WorkPlan.objects.for_user(request.user)
    programme_code = request.GET.get("programme", "").strip()
    if programme_code:
        plans = plans.filter(programme__code=programme_code)
    # Counted in scalar subqueries: evaluated for the page's rows only, not joined across all plans.
    plans = (
        plans.select_related("programme", "organisation", "component")
        .prefetch_related("partners")
        .annotate(
            result_count=_count_of(Result.objects.filter(plan=OuterRef("pk"))),
            activity_count=_count_of(Activity.objects.filter(plan=OuterRef("pk"))),
        )
        .order_by("programme__code", "order", "code")
    )
    page = Paginator(plans, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "results/plan_list.html",
        {
            "plans": page,
            "page": page,
            "programme_code": programme_code,
            "page_query": urlencode({"programme": programme_code}) if programme_code else "",
        },
    )


def _count_of_period(queryset) -> Subquery:
    return Subquery(
        queryset.order_by().values("period").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def _count_of(queryset) -> Subquery:
    return Subquery(
        queryset.order_by().values("plan").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


@login_required
@require_safe
def plan_detail(request, code: str):
    plan, can_report = get_plan_for_user_or_404(request.user, code)
    activities = Activity.objects.filter(plan=plan).with_progress().select_related("parent")
    indicators = Indicator.objects.filter(result__plan=plan).with_progress().select_related("phase_indicator")
    results = Result.objects.filter(plan=plan).prefetch_related(
        Prefetch("indicators", queryset=indicators.prefetch_related("footnotes")),
        Prefetch("activities", queryset=activities.prefetch_related("footnotes")),
        "footnotes",
    )
    footnotes = Footnote.objects.filter(plan=plan)
    return render(
        request,
        "results/plan_detail.html",
        {
            "plan": plan,
            "results": results,
            "footnotes": footnotes,
            "can_report": can_report,
        },
    )


@login_required
@require_safe
def schedule(request, code: str):
    plan, can_report = get_plan_for_user_or_404(request.user, code)
    activities = Activity.objects.filter(plan=plan).prefetch_related(
        "schedule_months",
        Prefetch("progress_reports", queryset=ProgressReport.objects.select_related("period")),
    )
    return render(
        request,
        "results/schedule.html",
        {
            "plan": plan,
            "months": plan.months(),
            "rows": build_schedule(plan, list(activities)),
        },
    )


def _target_page(request, target, plan, template: str):
    may_write, on_behalf_of = access.progress_writer(request.user, plan)
    reports = target.progress_reports.select_related("period", "submitted_by", "reviewed_by")
    target_history = history_rows(target.history.all(), TARGET_FIELDS)
    return render(
        request,
        template,
        {
            "target": target,
            "plan": plan,
            "reports": reports,
            "target_history": target_history,
            "target_type": "indicator" if isinstance(target, Indicator) else "activity",
            "can_report": may_write and on_behalf_of is None,
            "on_behalf_of": on_behalf_of,
            "can_change_target": request.user.has_perm("results.change_target", plan),
        },
    )


@login_required
@require_safe
def activity_detail(request, pk: int):
    activity, _can_report = get_activity_for_user_or_404(request.user, pk)
    return _target_page(request, activity, activity.plan, "results/activity_detail.html")


@login_required
@require_safe
def indicator_detail(request, pk: int):
    indicator, _can_report = get_indicator_for_user_or_404(request.user, pk)
    return _target_page(request, indicator, indicator.result.plan, "results/indicator_detail.html")


def _writer_or_403(request, plan):
    """The partner an administrator writes for (the form asks it to say so), ``None`` for the
    partner's own editor; 403 for anyone else."""
    may_write, on_behalf_of = access.progress_writer(request.user, plan)
    if not may_write:
        raise PermissionDenied
    return on_behalf_of


def _progress_create(request, target, plan):
    on_behalf_of = _writer_or_403(request, plan)
    form = ProgressForm(
        request.POST or None,
        request.FILES or None,
        target=target,
        on_behalf_of=on_behalf_of,
        staging=EvidenceStaging(request.session),
        number_format=formatting.style_of(request.user),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                fields = form.service_kwargs()
                fields["evidence"] = fields["evidence"] or None
                report = services.progress_create(
                    target=target, period=form.cleaned_data["period"], user=request.user, **fields
                )
            except ValidationError as error:
                _error_messages(request, error)
            else:
                form.release_staged()
                messages.success(request, _("Progress saved as a draft."))
                return redirect(report)
        form.hold_upload()
    return render(request, "results/progress_form.html", {"form": form, "target": target, "plan": plan})


@login_required
def activity_progress_create(request, pk: int):
    activity, _can_report = get_activity_for_user_or_404(request.user, pk)
    return _progress_create(request, activity, activity.plan)


@login_required
def indicator_progress_create(request, pk: int):
    indicator, _can_report = get_indicator_for_user_or_404(request.user, pk)
    return _progress_create(request, indicator, indicator.result.plan)


@login_required
@require_safe
def progress_detail(request, pk: int):
    report, _can_report = get_report_for_user_or_404(request.user, pk)
    plan = report.plan
    can_review = request.user.has_perm("results.review_progress", plan)
    may_write, on_behalf_of = access.progress_writer(request.user, plan)
    return render(
        request,
        "results/progress_detail.html",
        {
            "report": report,
            "plan": plan,
            "target": report.target,
            "history": history_rows(report.history.all(), REPORT_FIELDS),
            "can_report": may_write and on_behalf_of is None,
            "on_behalf_of": on_behalf_of,
            "can_review": can_review
            and request.user.pk not in (report.created_by_id, report.submitted_by_id),
            "can_reopen": can_review,
            "return_form": ReturnForm(),
            "reopen_form": ReopenForm(),
            # The list the page was opened from: its actions return there.
            "next": next_url(request, ""),
        },
    )


@login_required
@require_safe
def progress_evidence(request, pk: int):
    """The evidence file, served only to those who may see the report (not from a public media URL)."""
    report, _can_report = get_report_for_user_or_404(request.user, pk)
    if not report.evidence:
        raise Http404
    return FileResponse(
        report.evidence.open("rb"), as_attachment=True, filename=report.evidence.name.rsplit("/", 1)[-1]
    )


@login_required
def progress_edit(request, pk: int):
    report, _can_report = get_report_for_user_or_404(request.user, pk)
    on_behalf_of = _writer_or_403(request, report.plan)
    context = {"target": report.target, "plan": report.plan, "report": report}
    if (refusal := report.edit_error()) is not None:
        # Shown, not saved: nothing posted is read (the service would refuse it all the same).
        form = ProgressForm(instance=report, target=report.target, read_only=True)
        reason = " ".join(refusal.messages)
        return render(
            request, "results/progress_form.html", {**context, "form": form, "read_only_reason": reason}
        )
    form = ProgressForm(
        request.POST or None,
        request.FILES or None,
        instance=report,
        target=report.target,
        on_behalf_of=on_behalf_of,
        staging=EvidenceStaging(request.session),
        number_format=formatting.style_of(request.user),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.progress_update(report=report, user=request.user, **form.service_kwargs())
            except ValidationError as error:
                _error_messages(request, error)
            else:
                form.release_staged()
                messages.success(request, _("Progress saved."))
                return redirect(report)
        form.hold_upload()
    return render(request, "results/progress_form.html", {**context, "form": form})


def _transition(request, pk: int, action, **kwargs):
    report, _can_report = get_report_for_user_or_404(request.user, pk)
    try:
        action(report=report, user=request.user, **kwargs)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(
            request,
            _("The report is now “%(status)s”.")
            % {"status": ProgressReport.objects.get(pk=pk).get_status_display()},
        )
    return redirect(next_url(request, reverse("results:progress_detail", args=[pk])))


@login_required
@require_POST
def progress_submit(request, pk: int):
    return _transition(request, pk, services.progress_submit, on_behalf=request.POST.get("on_behalf") == "1")


@login_required
@require_POST
def progress_approve(request, pk: int):
    return _transition(request, pk, services.progress_approve)


@login_required
@require_POST
def progress_return(request, pk: int):
    return _transition(request, pk, services.progress_return, comment=request.POST.get("comment", ""))


@login_required
@require_POST
def progress_reopen(request, pk: int):
    return _transition(request, pk, services.progress_reopen, reason=request.POST.get("reason", ""))


@login_required
@require_safe
def review_queue(request):
    """The submitted reports of the programmes the user reviews, oldest first, a page at a time."""
    if not access.is_staff_anywhere(request.user):
        raise PermissionDenied
    reviewed = access.programmes(request.user, access.STAFF_ROLES)
    reports = ProgressReport.objects.for_user(request.user).filter(period__programme__in=reviewed)
    submitted = Paginator(
        reports.filter(status=ProgressStatus.SUBMITTED).order_by("submitted_at", "pk"), REVIEW_QUEUE_PER_PAGE
    ).get_page(request.GET.get("page"))
    submitted.object_list = submitted.object_list.listed_with_targets()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "results/review_queue.html",
        {
            "submitted": submitted,
            "query": query.urlencode(),
            "approved": reports.filter(status=ProgressStatus.APPROVED)
            .order_by("-reviewed_at")[:50]
            .listed_with_targets(),
            "return_form": ReturnForm(),
            "reopen_form": ReopenForm(),
        },
    )


@login_required
@require_safe
def period_list(request):
    if not access.is_staff_anywhere(request.user):
        raise PermissionDenied
    managed = access.programmes(request.user, access.STAFF_ROLES)
    periods = (
        ReportingPeriod.objects.filter(programme__in=managed)
        .select_related("programme", "locked_by")
        .annotate(report_count=_count_of_period(ProgressReport.objects.filter(period=OuterRef("pk"))))
        .order_by("programme", "start_date", "kind", "pk")
    )
    page = Paginator(periods, PERIODS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "results/period_list.html", {"periods": page, "page": page})


@login_required
@require_POST
def period_lock(request, pk: int):
    period, can_lock = get_period_for_user_or_404(request.user, pk)
    if not can_lock:
        raise PermissionDenied
    period = services.period_set_locked(
        period=period, user=request.user, locked=request.POST.get("locked") == "1"
    )
    if period.is_locked:
        messages.success(request, _("The reporting period %(period)s is locked.") % {"period": period.label})
    else:
        messages.success(
            request, _("The reporting period %(period)s is open again.") % {"period": period.label}
        )
    return redirect(next_url(request, reverse("results:period_list")))


def _target_change(request, target, plan):
    _require(request, "results.change_target", plan)
    form = TargetChangeForm(request.POST or None, initial={"printed": target.target_text})
    if request.method == "POST" and form.is_valid():
        try:
            services.target_change(target=target, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("Target changed."))
            return redirect(target)
    return render(request, "results/target_form.html", {"form": form, "target": target, "plan": plan})


@login_required
def activity_target_change(request, pk: int):
    activity, _can_report = get_activity_for_user_or_404(request.user, pk)
    return _target_change(request, activity, activity.plan)


@login_required
def indicator_target_change(request, pk: int):
    indicator, _can_report = get_indicator_for_user_or_404(request.user, pk)
    return _target_change(request, indicator, indicator.result.plan)


def _plan_action(request, plan: WorkPlan, action, **kwargs):
    try:
        plan = action(plan=plan, user=request.user, **kwargs)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The plan is now “%(status)s”.") % {"status": plan.get_status_display()})
    return redirect(plan)


@login_required
@require_POST
def plan_submit(request, code: str):
    plan, _can_write = get_plan_for_user_or_404(request.user, code)
    return _plan_action(request, plan, services.plan_submit)


@login_required
@require_POST
def plan_approve(request, code: str):
    plan, _can_write = get_plan_for_user_or_404(request.user, code)
    return _plan_action(request, plan, services.plan_approve)


@login_required
@require_POST
def plan_return(request, code: str):
    plan, _can_write = get_plan_for_user_or_404(request.user, code)
    return _plan_action(request, plan, services.plan_return, reason=request.POST.get("reason", ""))


@login_required
@require_POST
def plan_reopen(request, code: str):
    plan, _can_write = get_plan_for_user_or_404(request.user, code)
    return _plan_action(request, plan, services.plan_reopen, reason=request.POST.get("reason", ""))
