"""The admin's Import and Export buttons, through the one import pipeline.

django-import-export draws the admin's Export button and export screen (format, columns); the rows it
writes are the kind's own export (:attr:`imports.registry.Importer.export`), scoped by the kind's
queryset, in the kind's columns, so a file exported from the admin imports back through the import
pages. The Import button opens the import page of the same kind: the same checks, dry run, located
errors, atomic commit, history rows and reconciliation as every other import. No second set of rules.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib import admin
from django.urls import reverse
from django.utils.http import urlencode
from import_export import fields, resources
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX

from core.admin import ExchangeRateAdmin
from core.models import ExchangeRate
from core.spreadsheets.writers import export_cells, header_row
from imports.registry import Importer, get_importer


class KindResource(resources.Resource):
    """An importable kind in django-import-export's vocabulary (one field per column of the file)."""

    importer: Importer

    def __init__(self, user=None, **kwargs):
        self.user = user
        super().__init__(**kwargs)

    @classmethod
    @cache
    def for_kind(cls, kind: str) -> type[KindResource]:
        importer = get_importer(kind)
        headers = header_row(importer.columns)  # money is two cells: amount and currency
        declared: dict[str, Any] = {
            header: fields.Field(attribute=header, column_name=header) for header in headers
        }
        declared["Meta"] = type("Meta", (), {"export_order": headers})
        declared["importer"] = importer
        return type(f"{importer.model.__name__}KindResource", (cls,), declared)

    @classmethod
    def get_display_name(cls) -> str:
        return str(cls.importer.label)

    def filter_export(self, queryset, **kwargs):
        # What the admin's filters select, within what the kind lets this user see.
        return self.importer.all_objects(self.user).filter(pk__in=queryset.values("pk"))

    def export_resource(self, instance, selected_fields=None, **kwargs) -> list[Any]:
        columns = self.importer.columns
        cells = dict(
            zip(header_row(columns), export_cells(columns, self.importer.row_of(instance)), strict=True)
        )
        return [cells[field.column_name] for field in self.get_export_fields(selected_fields)]


class KindAdminMixin(ExportMixin):
    """Admin of a model that has an importable kind: ``import_kind = "budget-facts"``."""

    import_kind = ""
    # Formats the import pages read back (ODS would need odfpy).
    export_formats = [XLSX, CSV]
    import_export_change_list_template = "admin/imports/change_list.html"

    def get_export_resource_classes(self, request):
        return [KindResource.for_kind(self.import_kind)]

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def changelist_view(self, request, extra_context=None):
        importer = get_importer(self.import_kind)
        extra_context = extra_context or {}
        if importer.can_import(request.user):
            extra_context["kind_import_url"] = (
                f"{reverse('imports:import_start')}?{urlencode({'kind': importer.kind})}"
            )
            extra_context["kind_label"] = importer.label
        return super().changelist_view(request, extra_context)


# Exchange rates are core's model, their kind is this app's: the admin core registers gets the buttons here.
admin.site.unregister(ExchangeRate)


@admin.register(ExchangeRate)
class ExchangeRateKindAdmin(KindAdminMixin, ExchangeRateAdmin):
    import_kind = "exchange-rates"
