from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.forms import DecimalTextField
from core.models import Document, ExchangeRate, GlossaryTerm, ImportRecord, Organisation, User
from core.templatetags.pcc import reader_format


class ChangeReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=100,
        help_text=_("Optional; kept in the history beside who changed what."),
    )


class ChangeReasonAdmin(SimpleHistoryAdmin):
    """Money, targets and progress edited in the admin carry an optional reason into their history."""

    form = ChangeReasonForm

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Targets and achievements typed in the admin are read as in the forms and imports (core.numbers),
        # in the admin's number format. Not djmoney's MoneyField: its amount is part of a two-field widget.
        if type(db_field) is models.DecimalField:
            kwargs.update(form_class=DecimalTextField, number_format=reader_format({"request": request}))
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
