"""Object permissions of the results app (django-rules), checked on a work plan.

``results.report_progress``: partner editors of the plan's organisations write progress.
``results.review_progress``: programme staff of the plan's programme (or administrators) approve,
return and reopen, and lock reporting periods. ``results.change_target``: the same reviewers.
"""

from __future__ import annotations

import rules

from core.models import Role


@rules.predicate
def is_plan_editor(user, plan) -> bool:
    if plan is None or not user.is_authenticated:
        return False
    editor_of = set(
        user.memberships.filter(role=Role.PARTNER_EDITOR).values_list("organisation_id", flat=True)
    )
    if not editor_of:
        return False
    return plan.organisation_id in editor_of or plan.partners.filter(pk__in=editor_of).exists()


@rules.predicate
def is_plan_reviewer(user, plan) -> bool:
    if plan is None or not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return (
        bool(user.staff_organisation_ids)
        and plan.programme.participants.filter(organisation_id__in=user.staff_organisation_ids).exists()
    )


@rules.predicate
def is_period_manager(user, period) -> bool:
    if period is None or not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    return period.programme.participants.filter(organisation_id__in=user.staff_organisation_ids).exists()


rules.add_perm("results.report_progress", is_plan_editor)
rules.add_perm("results.review_progress", is_plan_reviewer)
rules.add_perm("results.change_target", is_plan_reviewer)
rules.add_perm("results.lock_period", is_period_manager)
