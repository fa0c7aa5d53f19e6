from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from agreements import access
from agreements.models import (
    Agreement,
    AgreementCeiling,
    AgreementParty,
    AmendedArticle,
    Amendment,
    AmendmentSignatory,
    CeilingChange,
    Component,
    Membership,
    Phase,
    Programme,
    ProgrammeParticipant,
)
from core.admin import ChangeReasonAdmin, UserAdmin


def _site_administrators_only(request) -> bool:
    """The Django admin edits every programme and the shared reference data: site administrators only.

    Programme staff and programme administrators work through the app's pages and imports, which
    are scoped per programme.
    """
    return access.is_site_administrator(request.user)


admin.site.has_permission = _site_administrators_only


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["programme", "organisation"]


UserAdmin.inlines = [*UserAdmin.inlines, MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "programme", "organisation", "role"]
    list_filter = ["programme", "role", "organisation"]
    search_fields = ["user__username", "organisation__acronym", "programme__code"]
    autocomplete_fields = ["user", "programme", "organisation"]
    list_select_related = ["user", "programme", "organisation"]


class ParticipantInline(admin.TabularInline):
    model = ProgrammeParticipant
    extra = 0
    autocomplete_fields = ["organisation"]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    autocomplete_fields = ["document"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "binding_currency", "partner_document_access"]
    search_fields = ["code", "name", "name_en"]
    list_filter = ["country"]
    inlines = [PhaseInline, ParticipantInline]


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "programme", "parent"]
    list_filter = ["programme", "kind"]
    search_fields = ["code", "name", "programme__code"]
    autocomplete_fields = ["programme", "parent", "document"]
    list_select_related = ["programme", "parent"]


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["programme", "code", "name", "start_date", "end_date"]
    list_filter = ["programme"]
    search_fields = ["code", "name", "programme__code"]
    autocomplete_fields = ["programme", "document"]


class PartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["organisation"]


class CeilingInline(admin.TabularInline):
    model = AgreementCeiling
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(ChangeReasonAdmin):
    list_display = ["code", "programme", "signed_on", "start_date", "end_date"]
    list_filter = ["programme"]
    search_fields = ["code", "title"]
    autocomplete_fields = ["programme", "phase", "national_counterpart", "exchange_rate", "document"]
    inlines = [PartyInline, CeilingInline]


class SignatoryInline(admin.TabularInline):
    model = AmendmentSignatory
    extra = 0
    autocomplete_fields = ["organisation"]


class ArticleInline(admin.StackedInline):
    model = AmendedArticle
    extra = 0


class CeilingChangeInline(admin.TabularInline):
    model = CeilingChange
    extra = 0


@admin.register(Amendment)
class AmendmentAdmin(ChangeReasonAdmin):
    list_display = [
        "title",
        "agreement",
        "sequence",
        "signed_on",
        "retroactive_from",
        "entered_into_force_on",
    ]
    list_filter = ["agreement__programme"]
    search_fields = ["title", "agreement__code"]
    autocomplete_fields = ["agreement", "document"]
    inlines = [SignatoryInline, ArticleInline, CeilingChangeInline]
