"""Work-plan permissions; the predicates are :mod:`agreements.access`'s (the one access module)."""

from __future__ import annotations

import rules

from agreements.access import is_plan_editor
from agreements.access import is_staff_of as is_plan_reviewer

__all__ = ["is_plan_editor", "is_plan_reviewer", "rules"]

rules.add_perm("results.submit_plan", is_plan_editor)
rules.add_perm("results.review_plan", is_plan_reviewer)
