from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Dashboards and reports")

    def ready(self) -> None:
        from core.jobs import register_recovery
        from reports.services import report_jobs_recover_stalled

        register_recovery("PDF reports", report_jobs_recover_stalled)
