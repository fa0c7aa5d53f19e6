from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconciliationConfig(AppConfig):
    """Rules, findings and the engine; the apps above fill the registry from their ``rule_kinds.py``."""

    name = "reconciliation"
    verbose_name = _("Reconciliation")

    def ready(self) -> None:
        from reconciliation.registry import discover

        discover()
