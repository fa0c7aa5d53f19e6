"""The object permissions of every app, each a predicate of :mod:`agreements.access`.

Found by rules' autodiscovery; checked as ``user.has_perm("budgets.explain_finding", programme)``.
"""

import rules

from agreements.access import (
    is_administrator_of,
    is_participant,
    is_partner_editor,
    is_plan_editor,
    is_staff_of,
)

rules.add_perm("agreements.view_programme", is_participant)
rules.add_perm("budgets.explain_finding", is_staff_of)
rules.add_perm("budgets.reconcile", is_staff_of)
rules.add_perm("results.report_progress", is_plan_editor)
rules.add_perm("results.report_on_behalf", is_administrator_of)
rules.add_perm("results.review_progress", is_staff_of)
rules.add_perm("results.change_target", is_staff_of)
rules.add_perm("results.lock_period", is_staff_of)
rules.add_perm("results.submit_plan", is_plan_editor)
rules.add_perm("results.review_plan", is_staff_of)
rules.add_perm("finance.report_expenditure", is_partner_editor)
rules.add_perm("finance.review_expenditure", is_staff_of)
rules.add_perm("finance.record_disbursement", is_staff_of)
