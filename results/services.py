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

from agreements import access
from core import formatting
from core.models import Organisation, User
from core.workflow import HISTORY_REASON_MAX_LENGTH, transition
from reconciliation.services import figures_changed
from results.models import (
    Activity,
    Indicator,
    PlanStatus,
    ProgressReport,
    ProgressStatus,
    ReportingPeriod,
    WorkPlan,
)
from results.targets import parse_target


def _require(user: User, perm: str, obj) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("You may not do this on this work plan."))


def _require_writer(user: User, plan: WorkPlan, on_behalf: bool) -> Organisation | None:
    """The partner an administrator acts for (to be recorded), ``None`` for the partner's own editor;
    refuses anyone else, and an administrator who did not say ``on_behalf``."""
    may, acting_for = access.progress_writer(user, plan)
    if not may or (acting_for is not None and not on_behalf):
        raise PermissionDenied(_("You may not do this on this work plan."))
    return acting_for


def _on_behalf_reason(organisation: Organisation | None, reason: str = "") -> str:
    if organisation is None:
        return reason
    said = _("On behalf of %(partner)s.") % {"partner": organisation.acronym}
    return f"{said} {reason}".strip()


def _require_open(period: ReportingPeriod) -> None:
    if (error := period.lock_error()) is not None:
        raise error


def _require_editable(report: ProgressReport) -> None:
    if (error := report.edit_error()) is not None:
        raise error


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
    on_behalf: bool = False,
) -> ProgressReport:
    """Start a draft report for ``target`` in ``period`` (one per target and period).

    ``on_behalf``: an administrator of the programme enters it for the partner, which is recorded.
    """
    acting_for = _require_writer(user, target.plan, on_behalf)
    _require_open(period)
    report = ProgressReport(
        period=period,
        reported_on=reported_on,
        achieved_value=achieved_value,
        achieved_text=achieved_text,
        narrative=narrative,
        created_by=user,
        on_behalf_of=acting_for,
        status=ProgressStatus.DRAFT,
        **({"activity": target} if isinstance(target, Activity) else {"indicator": target}),
    )
    if evidence:
        report.evidence = evidence
    report._history_user = user
    report._change_reason = _on_behalf_reason(acting_for) or None
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
    version: int | None = None,
    reason: str = "",
    on_behalf: bool = False,
) -> ProgressReport:
    """Change a report that is still with the partner (draft, returned or reopened) in an open period.

    ``evidence=False`` removes the file; ``None`` keeps it. ``version`` is the report's version the
    edit started from: if the report changed since (another edit, a status change), the edit is
    refused with both values rather than overwriting. ``reason`` goes to the history record.
    Returns the report as saved.
    """
    # Locked first, checked after: an edit racing a submit either lands before the submit (and is
    # what was submitted) or finds the report submitted and is refused.
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    acting_for = _require_writer(user, report.plan, on_behalf)
    _require_editable(report)
    if version is not None and version != report.version:
        raise stale_edit_error(report, achieved_value=achieved_value, achieved_text=achieved_text)
    report.reported_on, report.achieved_value = reported_on, achieved_value
    report.achieved_text, report.narrative = achieved_text, narrative
    fields = ["reported_on", "achieved_value", "achieved_text", "narrative", "version"]
    if evidence is False:
        report.evidence = None
        fields.append("evidence")
    elif evidence:
        report.evidence = evidence
        fields.append("evidence")
    # The row is locked: the increment cannot race another edit.
    report.version += 1
    report._history_user = user
    report._change_reason = _on_behalf_reason(acting_for, reason.strip())[:HISTORY_REASON_MAX_LENGTH] or None
    report.full_clean()
    report.save(update_fields=fields)
    return report


def _shown_achievement(value: Decimal | None, text: str) -> str:
    if value is not None:
        return formatting.amount(value, places=None)
    return text or "—"


def stale_edit_error(
    report: ProgressReport, *, achieved_value: Decimal | None, achieved_text: str
) -> ValidationError:
    """The refusal of an edit started from an older version of ``report``, with both values."""
    return ValidationError(
        _(
            "This report was changed while you were editing it (it is now at version %(version)s). "
            "Stored now: %(stored)s. You tried to save: %(yours)s. Check the report and save again."
        ),
        code="stale",
        params={
            "version": report.version,
            "stored": _shown_achievement(report.achieved_value, report.achieved_text),
            "yours": _shown_achievement(achieved_value, achieved_text),
        },
    )


@transaction.atomic
def progress_submit(*, report: ProgressReport, user: User, on_behalf: bool = False) -> ProgressReport:
    """Send a draft, returned or reopened report to programme staff for review, and tell them by e-mail."""
    # Locked like an edit, so that what is submitted is what the last edit stored.
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    acting_for = _require_writer(user, report.plan, on_behalf)
    _require_open(report.period)
    report = transition(
        report,
        ProgressStatus.SUBMITTED,
        user=user,
        reason=_on_behalf_reason(acting_for),
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    recipients = list(
        access.users_with_role(report.plan.programme, access.STAFF_ROLES)
        .exclude(email="")
        .values_list("email", flat=True)
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
    report = transition(
        report,
        ProgressStatus.APPROVED,
        user=user,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment="",
    )
    # An approved report becomes a figure of the programme (achieved values, soon money spent).
    figures_changed(report.plan.programme_id, _("progress report #%(pk)s approved") % {"pk": report.pk})
    return report


@transaction.atomic
def progress_return(*, report: ProgressReport, user: User, comment: str) -> ProgressReport:
    """Send a submitted report back to the partner with a comment, and tell its editors by e-mail."""
    if not comment.strip():
        raise ValidationError(_("Say why the report is returned."), code="comment_required")
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _check_reviewer(report, user)
    comment = comment.strip()
    report = transition(
        report,
        ProgressStatus.RETURNED,
        user=user,
        reason=comment,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment=comment,
    )
    plan = report.plan
    organisations = [plan.organisation_id, *plan.partners.values_list("pk", flat=True)]
    recipients = list(
        access.users_with_role(plan.programme, access.EDITOR_ROLES, organisations)
        .exclude(email="")
        .values_list("email", flat=True)
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
    reason = reason.strip()
    return transition(
        report,
        ProgressStatus.REOPENED,
        user=user,
        reason=reason,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment=reason,
    )


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


# --------------------------------------------------------------------------------------------
# Work plans: draft → submitted → approved, or returned (with a reason) → submitted again;
# approved → reopened (staff, with a reason) → submitted again.


def _check_plan_reviewer(plan: WorkPlan, user: User) -> None:
    _require(user, "results.review_plan", plan)
    if user.pk == plan.submitted_by_id:
        raise PermissionDenied(_("Nobody reviews a plan they submitted."))


@transaction.atomic
def plan_submit(*, plan: WorkPlan, user: User) -> WorkPlan:
    """A partner editor sends the plan (draft, returned or reopened) to programme staff for approval."""
    _require(user, "results.submit_plan", plan)
    return transition(plan, PlanStatus.SUBMITTED, user=user, submitted_by=user)


@transaction.atomic
def plan_approve(*, plan: WorkPlan, user: User) -> WorkPlan:
    """Programme staff approve a submitted plan; from then on its targets change only with a reason."""
    _check_plan_reviewer(plan, user)
    return transition(plan, PlanStatus.APPROVED, user=user)


@transaction.atomic
def plan_return(*, plan: WorkPlan, user: User, reason: str) -> WorkPlan:
    """Programme staff send a submitted plan back to the partner, saying why."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the plan is returned."), code="reason_required")
    _check_plan_reviewer(plan, user)
    return transition(plan, PlanStatus.RETURNED, user=user, reason=reason)


@transaction.atomic
def plan_reopen(*, plan: WorkPlan, user: User, reason: str) -> WorkPlan:
    """Programme staff reopen an approved plan so the partner can change and submit it again."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the plan is reopened."), code="reason_required")
    _require(user, "results.review_plan", plan)
    return transition(plan, PlanStatus.REOPENED, user=user, reason=reason)
