"""The finance app's part of the reconciliation: its figures changed → the programme is reconciled again."""

from django.utils.translation import gettext_lazy

from finance.models import Disbursement, FinancialReportLine
from reconciliation.services import watch

watch(Disbursement, "programme_id", gettext_lazy("disbursement %(object)s"))
watch(
    FinancialReportLine,
    lambda line: line.report.programme_id,
    gettext_lazy("financial report line %(object)s"),
)
