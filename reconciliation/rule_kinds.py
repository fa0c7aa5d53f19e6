"""The reconciliation's own models that change what it finds: a rule added, edited or deleted."""

from django.utils.translation import gettext_lazy

from reconciliation.models import ReconciliationRule
from reconciliation.services import watch

watch(ReconciliationRule, "programme_id", gettext_lazy("reconciliation rule %(object)s"))
