"""Forms of the finance app. Amounts are typed as text and read by :mod:`core.numbers`
(:class:`core.forms.DecimalTextField`), as the user writes numbers and as an import reads a cell."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from core.forms import DecimalTextField, IsoDateInput
from core.models import ExchangeRate, Organisation
from core.numbers import number_style
from finance.models import Disbursement, FinancialReport
from results.models import EVIDENCE_EXTENSIONS, ReportingPeriod, validate_evidence

ACCEPTED_EVIDENCE = ",".join(f".{e}" for e in EVIDENCE_EXTENSIONS)


def programme_rates(programme):
    """The dated rates that convert another currency to the programme's binding currency."""
    binding = programme.binding_currency
    return ExchangeRate.objects.filter(Q(base_currency=binding) | Q(quote_currency=binding)).order_by(
        "-valid_from", "code"
    )


def programme_currencies(programme) -> list[tuple[str, str]]:
    """The binding currency first, then every other currency a rate of the programme converts."""
    codes = [programme.binding_currency]
    for base, quote in programme_rates(programme).values_list("base_currency", "quote_currency"):
        for code in (base, quote):
            if code not in codes:
                codes.append(code)
    return [(code, code) for code in codes]


class ReportCreateForm(forms.Form):
    """Open a report: whose (when the user acts for several partners), which period, which currency."""

    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Organisation.objects.none())
    period = forms.ModelChoiceField(label=_("Reporting period"), queryset=ReportingPeriod.objects.none())
    currency = forms.ChoiceField(label=_("Reporting currency"))
    rate = forms.ModelChoiceField(
        label=_("Exchange rate of the period"),
        queryset=ExchangeRate.objects.none(),
        required=False,
        help_text=_("Needed when the report is not in the programme's binding currency."),
    )

    def __init__(self, *args, programme, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        if len(partners) == 1:
            self.fields["partner"].initial = partners[0].pk
        self.fields["period"].queryset = ReportingPeriod.objects.filter(
            programme=programme, is_locked=False
        ).order_by("start_date")
        self.fields["currency"].choices = programme_currencies(programme)
        self.fields["currency"].initial = programme.binding_currency
        self.fields["rate"].queryset = programme_rates(programme)


class ReportLinesForm(forms.Form):
    """What was spent on each budget line of the report, with the explanations of variances."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    stated_total = DecimalTextField(
        label=_("Total as stated"),
        required=False,
        max_digits=19,
        decimal_places=2,
        help_text=_("The total of the report as the partner signs it; checked against the lines."),
    )
    narrative = forms.CharField(label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    document = forms.FileField(
        label=_("Supporting document"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_EVIDENCE}),
        validators=[validate_evidence],
        help_text=_("PDF, PNG, JPG, XLSX, DOCX or CSV; 5 MB at most. A new file replaces the one attached."),
    )

    def __init__(self, *args, report: FinancialReport, statuses, number_format: str = "pe", **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.statuses = statuses
        self.initial.setdefault("version", report.version)
        self.initial.setdefault("narrative", report.narrative)
        if report.stated_total is not None:
            self.initial.setdefault("stated_total", report.stated_total.amount)
        example = number_style(number_format).example
        self.fields["stated_total"].number_format = number_format
        max_length = FinancialReport._meta.get_field("narrative").max_length
        if max_length:
            self.fields["narrative"].max_length = max_length
        for status in statuses:
            row = status.line.budget_row
            spent = DecimalTextField(
                label=_("Spent on line %(line)s") % {"line": row.line},
                number_format=number_format,
                max_digits=19,
                decimal_places=2,
                min_value=0,
                help_text=_("numbers written as %(example)s") % {"example": example},
            )
            self.fields[f"spent_{row.pk}"] = spent
            self.initial.setdefault(f"spent_{row.pk}", status.line.spent.amount)
            self.fields[f"explanation_{row.pk}"] = forms.CharField(
                label=_("Variance explanation of line %(line)s") % {"line": row.line},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.initial.setdefault(f"explanation_{row.pk}", status.line.variance_explanation)

    def rows(self):
        """Each line's status with its two bound fields, for the template's table."""
        for status in self.statuses:
            pk = status.line.budget_row_id
            yield status, self[f"spent_{pk}"], self[f"explanation_{pk}"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "spent": {s.line.budget_row_id: data[f"spent_{s.line.budget_row_id}"] for s in self.statuses},
            "explanations": {
                s.line.budget_row_id: data[f"explanation_{s.line.budget_row_id}"] for s in self.statuses
            },
            "stated_total": data["stated_total"],
            "narrative": data["narrative"],
            "version": data["version"],
            "document": data["document"] or None,
        }


class DisbursementForm(forms.ModelForm):
    """A transfer to a partner, entered by programme staff."""

    amount_value = DecimalTextField(label=_("Amount"), max_digits=19, decimal_places=2, min_value=0)
    currency = forms.ChoiceField(label=_("Currency"))

    class Meta:
        model = Disbursement
        fields = ["partner", "date", "rate", "reference", "document"]
        widgets = {
            "date": IsoDateInput(),
            "document": forms.ClearableFileInput(attrs={"accept": ACCEPTED_EVIDENCE}),
        }

    def __init__(self, *args, programme, number_format: str = "pe", **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.instance.programme = programme
        self.fields["partner"].queryset = Organisation.objects.filter(
            participations__programme=programme
        ).distinct()
        self.fields["rate"].queryset = programme_rates(programme)
        self.fields["currency"].choices = programme_currencies(programme)
        self.fields["currency"].initial = programme.binding_currency
        self.fields["amount_value"].number_format = number_format
        self.fields["amount_value"].help_text = _("numbers written as %(example)s") % {
            "example": number_style(number_format).example
        }
        self.order_fields(["partner", "date", "amount_value", "currency", "rate", "reference", "document"])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "programme": self.programme,
            "partner": data["partner"],
            "date": data["date"],
            "amount": Money(data["amount_value"], data["currency"]),
            "rate": data["rate"],
            "reference": data["reference"],
            "document": data["document"],
        }
