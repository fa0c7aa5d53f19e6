"""The filters of the dashboards (programme, phase, partner, period), kept in the URL (GET)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IsoDateInput


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; empty values mean "everything"."""

    programme: str = ""
    phase: str = ""
    partner: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def selects_rows(self) -> bool:
        """Whether a partner or a period narrows the figures: then the totals as printed do not apply and
        the dashboards add up the rows selected."""
        return bool(self.partner or self.date_from or self.date_to)


# Beyond this many options a select is slow to render and to use: the field becomes a text box.
MAX_CHOICES = 50


class DashboardFilterForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"), required=False)
    phase = forms.ChoiceField(label=_("Phase"), required=False)
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=IsoDateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=IsoDateInput())

    def __init__(self, *args, programmes=(), phases=(), partners=(), show_programme=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.phases = {phase.code: phase for phase in phases}
        self._choices("programme", [(p.code, p.code.upper()) for p in programmes], _("Programme code"))
        self.fields["phase"].choices = [("", _("All"))] + [(p.code, p.name) for p in phases]
        self._choices("partner", [(a, a) for a in partners], _("Acronym"))
        if not show_programme:
            del self.fields["programme"]

    def _choices(self, name: str, choices: list[tuple[str, str]], placeholder) -> None:
        if len(choices) <= MAX_CHOICES:
            self.fields[name].choices = [("", _("All"))] + choices
            return
        label = self.fields[name].label
        self.fields[name] = forms.CharField(
            label=label,
            required=False,
            max_length=80,
            widget=forms.TextInput(attrs={"placeholder": placeholder, "size": 12}),
        )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The period starts after it ends."))
        return data

    def filters(self) -> Filters:
        """The valid filters; a phase narrows the period to its dates."""
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        date_from, date_to = data.get("date_from"), data.get("date_to")
        phase = self.phases.get(data.get("phase") or "")
        if phase is not None:
            date_from = max(filter(None, [date_from, phase.start_date]))
            date_to = min(filter(None, [date_to, phase.end_date]))
        return Filters(
            programme=data.get("programme", ""),
            phase=data.get("phase") or "",
            partner=data.get("partner") or "",
            date_from=date_from,
            date_to=date_to,
        )
