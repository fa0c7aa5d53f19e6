"""Workflows of the results app: progress reports, their review, period locks and target changes.

Every function checks the user's permission on the work plan, validates with ``full_clean()``
and records who and when (simple_history keeps before/after; reasons go to the history record).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Role, User
from results.models import (
    Activity,
    Indicator,
    ProgressReport,
    ProgressStatus,
    ReportingPeriod,
    WorkPlan,
)
from results.targets import parse_target


class TransitionNotAllowed(ValidationError):
    """A status change the transitions map does not allow."""


def _require(user: User, perm: str, obj) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("You may not do this on this work plan."))


def _require_open(period: ReportingPeriod) -> None:
    if period.is_locked:
        raise ValidationError(
            _("The reporting period %(period)s is locked.") % {"period": period.label}, code="period_locked"
        )


def _require_editable(report: ProgressReport) -> None:
    _require_open(report.period)
    if not report.is_editable:
        raise ValidationError(
            _("A report in status “%(status)s” cannot be edited.") % {"status": report.get_status_display()},
            code="not_editable",
        )


@transaction.atomic
def progress_create(
    *,
    target: Activity | Indicator,
    period: ReportingPeriod,
    user: User,
    reported_on: datetime.date,
    achieved_value: Decimal | None = None,
    achieved_text: str = "",
    narrative: str = "",
    evidence: UploadedFile | None = None,
) -> ProgressReport:
    """Start a draft report for ``target`` in ``period`` (one per target and period)."""
    _require(user, "results.report_progress", target.plan)
    _require_open(period)
    report = ProgressReport(
        period=period,
        reported_on=reported_on,
        achieved_value=achieved_value,
        achieved_text=achieved_text,
        narrative=narrative,
        created_by=user,
        status=ProgressStatus.DRAFT,
        **({"activity": target} if isinstance(target, Activity) else {"indicator": target}),
    )
    if evidence:
        report.evidence = evidence
    report._history_user = user
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def progress_update(
    *,
    report: ProgressReport,
    user: User,
    reported_on: datetime.date,
    achieved_value: Decimal | None = None,
    achieved_text: str = "",
    narrative: str = "",
    evidence: UploadedFile | None | bool = None,
) -> ProgressReport:
    """Change a report that is still with the partner (draft, returned or reopened) in an open period.

    ``evidence=False`` removes the file; ``None`` keeps it.
    """
    _require(user, "results.report_progress", report.plan)
    _require_editable(report)
    report.reported_on, report.achieved_value = reported_on, achieved_value
    report.achieved_text, report.narrative = achieved_text, narrative
    fields = ["reported_on", "achieved_value", "achieved_text", "narrative"]
    if evidence is False:
        report.evidence = None
        fields.append("evidence")
    elif evidence:
        report.evidence = evidence
        fields.append("evidence")
    report._history_user = user
    report.full_clean()
    report.save(update_fields=fields)
    return report


def _change_status(report: ProgressReport, to: str, user: User, reason: str = "") -> None:
    if not report.can_become(to):
        raise TransitionNotAllowed(
            _("A report cannot go from “%(from)s” to “%(to)s”.")
            % {"from": report.get_status_display(), "to": ProgressStatus(to).label},
            code="transition",
        )
    report.status = to
    report._history_user = user
    report._change_reason = reason or None
    report.full_clean()


@transaction.atomic
def progress_submit(*, report: ProgressReport, user: User) -> ProgressReport:
    """Send a draft, returned or reopened report to programme staff for review, and tell them by e-mail."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _require(user, "results.report_progress", report.plan)
    _require_open(report.period)
    _change_status(report, ProgressStatus.SUBMITTED, user)
    report.submitted_by, report.submitted_at = user, timezone.now()
    report.save(update_fields=["status", "submitted_by", "submitted_at"])
    recipients = list(
        User.objects.filter(
            memberships__role=Role.PROGRAMME_STAFF,
            memberships__organisation__participations__programme=report.plan.programme,
            is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    _notify(report, recipients, _("Progress report submitted: %(report)s"), user)
    return report


def _check_reviewer(report: ProgressReport, user: User) -> None:
    _require(user, "results.review_progress", report.plan)
    if user.pk in (report.created_by_id, report.submitted_by_id):
        raise PermissionDenied(_("Nobody reviews their own report."))


@transaction.atomic
def progress_approve(*, report: ProgressReport, user: User) -> ProgressReport:
    """Approve a submitted report; it is then locked until staff reopen it."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _check_reviewer(report, user)
    _change_status(report, ProgressStatus.APPROVED, user)
    report.reviewed_by, report.reviewed_at, report.review_comment = user, timezone.now(), ""
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    return report


@transaction.atomic
def progress_return(*, report: ProgressReport, user: User, comment: str) -> ProgressReport:
    """Send a submitted report back to the partner with a comment, and tell its editors by e-mail."""
    if not comment.strip():
        raise ValidationError(_("Say why the report is returned."), code="comment_required")
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _check_reviewer(report, user)
    _change_status(report, ProgressStatus.RETURNED, user, reason=comment)
    report.reviewed_by, report.reviewed_at, report.review_comment = user, timezone.now(), comment.strip()
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    plan = report.plan
    organisations = [plan.organisation_id, *plan.partners.values_list("pk", flat=True)]
    recipients = list(
        User.objects.filter(
            memberships__role=Role.PARTNER_EDITOR,
            memberships__organisation_id__in=organisations,
            is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    _notify(report, recipients, _("Progress report returned: %(report)s"), user, comment)
    return report


@transaction.atomic
def progress_reopen(*, report: ProgressReport, user: User, reason: str) -> ProgressReport:
    """Unlock an approved report so the partner can correct it; staff only, with a reason."""
    if not reason.strip():
        raise ValidationError(_("Say why the report is reopened."), code="reason_required")
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _require(user, "results.review_progress", report.plan)
    _require_open(report.period)
    _change_status(report, ProgressStatus.REOPENED, user, reason=reason)
    report.reviewed_by, report.reviewed_at, report.review_comment = user, timezone.now(), reason.strip()
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    return report


def _notify(
    report: ProgressReport, recipients: list[str], subject: str, user: User, comment: str = ""
) -> None:
    if not recipients:
        return
    body = "\n\n".join(
        part
        for part in (
            f"{report.plan} · {report.target} · {report.period}",
            _("Status: %(status)s (by %(user)s)") % {"status": report.get_status_display(), "user": user},
            comment,
            reverse("results:progress_detail", args=[report.pk]),
        )
        if part
    )
    message = (subject % {"report": report}, body, settings.DEFAULT_FROM_EMAIL, recipients)
    transaction.on_commit(lambda: send_mail(*message, fail_silently=False))


@transaction.atomic
def period_set_locked(*, period: ReportingPeriod, user: User, locked: bool) -> ReportingPeriod:
    """Lock (or unlock) a reporting period: locked periods refuse every edit and submission."""
    _require(user, "results.lock_period", period)
    period.is_locked = locked
    period.locked_by, period.locked_at = (user, timezone.now()) if locked else (None, None)
    period._history_user = user
    period.full_clean()
    period.save(update_fields=["is_locked", "locked_by", "locked_at"])
    return period


@transaction.atomic
def target_change(
    *, target: Activity | Indicator, user: User, printed: str, reason: str = ""
) -> Activity | Indicator:
    """Change the target of an activity or indicator; once the plan is approved a reason is required."""
    plan: WorkPlan = target.plan
    _require(user, "results.change_target", plan)
    if plan.is_approved and not reason.strip():
        raise ValidationError(_("The plan is approved: say why its target changes."), code="reason_required")
    parsed = parse_target(printed)
    target.target_text, target.target_kind = printed.strip(), parsed.kind
    target.target_value, target.target_second_value = parsed.value, parsed.second_value
    target.target_unit, target.target_currency = parsed.unit, parsed.currency
    target._history_user = user
    target._change_reason = reason.strip() or None
    target.full_clean()
    target.save(
        update_fields=[
            "target_text",
            "target_kind",
            "target_value",
            "target_second_value",
            "target_unit",
            "target_currency",
        ]
    )
    return target
