from django import forms
from django.utils.translation import gettext_lazy as _

from reconciliation.models import Severity


class ExplainForm(forms.Form):
    comment = forms.CharField(
        label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class FindingFilterForm(forms.Form):
    """Filters of the findings list, kept in the URL (GET)."""

    table = forms.ChoiceField(label=_("Table"), required=False)
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    kind = forms.ChoiceField(label=_("Kind of rule"), required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("All"))] + list(Severity.choices)
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open or explained")), ("open", _("Open")), ("explained", _("Explained"))],
    )

    def __init__(self, *args, tables, partners, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["table"].choices = [("", _("All"))] + [(t.code, t.title_i18n) for t in tables]
        self.fields["partner"].choices = [("", _("All"))] + [(p.acronym, p.acronym) for p in partners]
        self.fields["kind"].choices = [("", _("All"))] + [(k, label) for k, label in kinds]
