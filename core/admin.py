import functools

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField
from simple_history.admin import SimpleHistoryAdmin

from core import formatting
from core.forms import DecimalTextField
from core.models import Document, ExchangeRate, GlossaryTerm, ImportRecord, Organisation, User


class ChangeReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=100,
        help_text=_("Optional; kept in the history beside who changed what."),
    )


class FiguresAdminMixin:
    """Money and decimal columns and read-only fields of the admin written by :mod:`core.formatting`.

    Django would write them in the active language's locale (``2,0000``, ``-1,000000``); here they are in
    the reader's number style like every page (``CHF 4'087'460.00``, ``-1``). Fields named in
    ``size_fields`` (bytes) are written as file sizes. Editable inputs keep Django's widgets.
    """

    size_fields: tuple[str, ...] = ()

    def _figure(self, name):
        if not isinstance(name, str):
            return name
        columns = self.__dict__.setdefault("_figure_columns", {})
        if name not in columns:
            columns[name] = self._figure_column(name)
        return columns[name]

    def _figure_column(self, name):
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        if name in self.size_fields:
            write = formatting.size
        elif isinstance(field, MoneyField):
            write = formatting.money
        elif isinstance(field, models.DecimalField):
            write = functools.partial(formatting.amount, places=None)
        else:
            return name

        @admin.display(description=field.verbose_name, ordering=name)
        def column(obj):
            return write(getattr(obj, name))

        column.__name__ = name
        return column

    def get_list_display(self, request):
        return [self._figure(name) for name in super().get_list_display(request)]

    def get_readonly_fields(self, request, obj=None):
        return [self._figure(name) for name in super().get_readonly_fields(request, obj)]

    def get_exclude(self, request, obj=None):
        # A read-only figure shown by its column stays out of the form (Django excludes it by name only).
        exclude = list(super().get_exclude(request, obj) or [])
        names = super().get_readonly_fields(request, obj)
        return exclude + [name for name in names if isinstance(name, str) and self._figure(name) is not name]


class ChangeReasonAdmin(FiguresAdminMixin, SimpleHistoryAdmin):
    """Money, targets and progress edited in the admin carry an optional reason into their history."""

    form = ChangeReasonForm

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Targets and achievements typed in the admin are read as in the forms and imports (core.numbers),
        # in the admin's number format. Not djmoney's MoneyField: its amount is part of a two-field widget.
        if type(db_field) is models.DecimalField:
            kwargs.update(form_class=DecimalTextField, number_format=formatting.style_of(request.user))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data.get("change_reason", "").strip() or None
        super().save_model(request, obj, form, change)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # The programme memberships inline is added by agreements.admin (roles are held per programme).
    inlines: list = []
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_superuser"]
    list_filter = ["is_active", "is_superuser", "memberships__programme", "memberships__role"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Preferences"), {"fields": ["number_format"]}),)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "kind", "country", "number_format"]
    list_filter = ["kind", "country", "number_format"]
    search_fields = ["acronym", "name"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "file_name", "sha256"]
    search_fields = ["code", "title"]
    readonly_fields = ["sha256"]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["acronym", "meaning", "line"]
    search_fields = ["acronym", "meaning"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ChangeReasonAdmin):
    list_display = ["code", "base_currency", "quote_currency", "rate", "valid_from", "valid_to", "line"]
    list_filter = ["base_currency", "quote_currency"]
    search_fields = ["code", "description", "used_by"]
    autocomplete_fields = ["document"]


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "user",
        "kind",
        "file_name",
        "status",
        "created_count",
        "changed_count",
        "unchanged_count",
        "error_count",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "sha256", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["status", "confirmed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
