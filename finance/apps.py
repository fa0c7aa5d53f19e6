from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Financial reports and disbursements")

    def ready(self):
        from budgets.reports import register_overview_section
        from finance.live import overview_section

        register_overview_section(overview_section)
