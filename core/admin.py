from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from core.models import Document, ExchangeRate, GlossaryTerm, ImportRecord, Membership, Organisation, User
from core.resources import ExchangeRateResource


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_superuser"]
    list_filter = ["is_active", "is_superuser", "memberships__role", "memberships__organisation"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Preferences"), {"fields": ["number_format"]}),)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "kind", "country", "number_format"]
    list_filter = ["kind", "country", "number_format"]
    search_fields = ["acronym", "name"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "organisation__acronym"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


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
class ExchangeRateAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ExchangeRateResource]
    list_display = ["code", "base_currency", "quote_currency", "rate", "valid_from", "valid_to", "line"]
    list_filter = ["base_currency", "quote_currency"]
    search_fields = ["code", "description", "used_by"]
    autocomplete_fields = ["document"]


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "file_name", "status", "created_count", "changed_count",
                    "unchanged_count", "error_count"]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "sha256", "user__username"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
