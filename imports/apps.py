from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Spreadsheet imports and exports of every app's data: one pipeline for the pages, the admin and the command line."""

    name = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from core.jobs import register_recovery
        from imports.services import imports_recover_stalled

        register_recovery("imports", imports_recover_stalled)
