from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = _("Results and progress")

    def ready(self) -> None:
        # Registers the work-plan rule kinds with the budgets reconciliation engine.
        from results import reconciliation  # noqa: F401
