"""Rules (staff add their own; the loaders own theirs) and findings (read-only but for reopening)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.admin import SimpleHistoryAdmin

from core.admin import FiguresAdminMixin
from reconciliation.models import Computation, Finding, FindingStatus, ReconciliationRule, RuleOrigin
from reconciliation.registry import Message, rule_kinds, subject_models
from reconciliation.services import finding_reopen


class ReconciliationRuleForm(forms.ModelForm):
    """The kind is one of the registered evaluators (budgets' and other apps')."""

    class Meta:
        model = ReconciliationRule
        fields = [
            "programme",
            "code",
            "kind",
            "description",
            "description_en",
            "params",
            "subject_type",
            "subject_id",
            "absolute_tolerance",
            "relative_tolerance",
            "origin",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = rule_kinds()
        choices = sorted((kind, f"{kind} — {spec.label}") for kind, spec in kinds.items())
        current = self.instance.kind if self.instance.pk else ""
        if current and current not in kinds:
            choices.append((current, current))
        self.fields["kind"] = forms.ChoiceField(label=_("kind"), choices=choices)
        types = ContentType.objects.get_for_models(*subject_models()).values()
        self.fields["subject_type"].queryset = ContentType.objects.filter(pk__in=[t.pk for t in types])

    def clean(self):
        data = super().clean()
        kind, pk = data.get("subject_type"), data.get("subject_id")
        if (kind is None) != (pk is None):
            raise ValidationError(_("Give both what the rule is about and its id, or neither."))
        if kind is not None and not kind.model_class()._default_manager.filter(pk=pk).exists():
            self.add_error("subject_id", _("No %(kind)s with id %(id)s.") % {"kind": kind.name, "id": pk})
        return data


@admin.register(ReconciliationRule)
class ReconciliationRuleAdmin(FiguresAdminMixin, SimpleHistoryAdmin):
    form = ReconciliationRuleForm
    list_display = ["code", "kind", "programme", "subject_title", "origin", "active"]
    list_filter = ["programme", "kind", "origin", "active", "subject_type"]
    search_fields = ["code", "description", "description_en", "kind"]
    list_select_related = ["programme"]
    autocomplete_fields = ["programme"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("subject")

    @admin.display(description=_("about"))
    def subject_title(self, obj):
        return obj.subject_title

    def save_model(self, request, obj, form, change):
        if not change:
            obj.origin = RuleOrigin.STAFF
        super().save_model(request, obj, form, change)


@admin.register(Finding)
class FindingAdmin(FiguresAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "rule",
        "key",
        "severity",
        "status",
        "stated",
        "recomputed",
        "difference",
        "currency",
        "table",
    ]
    list_filter = ["rule__programme", "severity", "status", "rule__kind", "partner"]
    search_fields = ["rule__code", "key", "message", "table", "explanation"]
    list_select_related = ["rule", "partner"]
    autocomplete_fields = ["rule", "partner", "explained_by"]
    readonly_fields = [
        "rule",
        "key",
        "severity",
        "stated",
        "recomputed",
        "difference",
        "currency",
        "table",
        "partner",
        "lines",
        "message_text",
        "status",
        "explanation",
        "explained_by",
        "explained_at",
        "first_seen",
    ]
    # The stored text is in the site's language and default number style (for search); the page shows the
    # message in the reader's.
    exclude = ["message"]
    actions = ["reopen"]

    def has_add_permission(self, request):
        return False  # findings come from reconciliation only

    @admin.display(description=_("message"))
    def message_text(self, obj):
        return obj.text

    @admin.action(description=_("Reopen the selected findings"))
    def reopen(self, request, queryset):
        for finding in queryset.filter(status=FindingStatus.EXPLAINED):
            try:
                finding_reopen(
                    finding=finding, user=request.user, reason=Message(gettext_noop("Reopened in the admin."))
                )
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)


@admin.register(Computation)
class ComputationAdmin(admin.ModelAdmin):
    list_display = [
        "programme",
        "computed_at",
        "cause",
        "rules",
        "holding",
        "rounding",
        "material",
        "unchecked",
    ]
    list_filter = ["programme"]
    date_hierarchy = "computed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
