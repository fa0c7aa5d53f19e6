"""Workflows on findings: the one place where a finding's status changes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.models import Finding, FindingStatus


@transaction.atomic
def finding_change_status(*, finding: Finding, status: str, user, comment: str) -> Finding:
    """Move ``finding`` to ``status`` if :attr:`Finding.TRANSITIONS` allows it; history records who and when.

    Explaining needs a comment and a user; reopening keeps the previous explanation in the history and
    writes ``comment`` (why it reopened) in its place.
    """
    if not finding.can_change_to(status):
        raise ValidationError(
            _("A finding cannot go from %(old)s to %(new)s.")
            % {"old": finding.get_status_display(), "new": FindingStatus(status).label}
        )
    if status == FindingStatus.EXPLAINED:
        if user is None or not comment.strip():
            raise ValidationError(_("An explanation needs a comment."))
        finding.explanation = comment.strip()
        finding.explained_by = user
        finding.explained_at = timezone.now()
    elif status == FindingStatus.OPEN:
        finding.explanation = ""
        finding.explained_by = None
        finding.explained_at = None
        finding._change_reason = comment
    finding.status = status
    finding._history_user = user
    finding.full_clean(validate_unique=False)
    finding.save()
    return finding


def finding_explain(*, finding: Finding, user, comment: str) -> Finding:
    """Staff record why a finding is acceptable; it stays explained until its figures change."""
    if not user.is_programme_staff:
        raise PermissionDenied
    return finding_change_status(finding=finding, status=FindingStatus.EXPLAINED, user=user, comment=comment)
