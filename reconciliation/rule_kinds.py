"""The reconciliation's own models that change what it finds: a rule added, edited or deleted."""

from reconciliation.models import ReconciliationRule
from reconciliation.services import watch

watch(ReconciliationRule, lambda rule: rule.programme_id, "reconciliation rule %(object)s")
