"""Workflows on findings: explained by staff, reopened when found again (or by staff), resolved when
no longer found. Each is a :func:`core.workflow.transition` along ``Finding.workflow``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.models import Finding, FindingStatus
from core.models import User
from core.workflow import transition


def finding_reopen(
    *, finding: Finding, user: User | None, reason: str, changes: dict[str, Any] | None = None
) -> Finding:
    """Open an explained or resolved finding again, saying why; ``user`` is ``None`` for the reconciliation.

    The explanation it had stays in its history and status changes. ``changes`` are the figures the
    reconciliation found now, written in the same UPDATE as the status.
    """
    return transition(
        finding,
        FindingStatus.OPEN,
        user=user,
        reason=reason,
        explanation="",
        explained_by=None,
        explained_at=None,
        **(changes or {}),
    )


def finding_resolve(*, finding: Finding) -> Finding:
    """The reconciliation no longer finds it: the finding is kept, resolved, until found again."""
    return transition(finding, FindingStatus.RESOLVED)


def finding_explain(*, finding: Finding, user, comment: str) -> Finding:
    """Staff record why a finding is acceptable; it stays explained until its figures change."""
    if not user.has_perm("budgets.explain_finding", finding.rule.programme):
        raise PermissionDenied
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("An explanation needs a comment."))
    return transition(
        finding,
        FindingStatus.EXPLAINED,
        user=user,
        reason=comment,
        explanation=comment,
        explained_by=user,
        explained_at=timezone.now(),
    )
