from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DecimalTextField, IsoDateInput
from core.numbers import number_style
from core.workflow import HISTORY_REASON_MAX_LENGTH
from results.models import EVIDENCE_EXTENSIONS, Indicator, ProgressReport, ReportingPeriod
from results.services import stale_edit_error
from results.staging import EvidenceStaging, StagedEvidence


def target_field(target) -> str:
    return "indicator" if isinstance(target, Indicator) else "activity"


class ProgressForm(forms.ModelForm):
    """Progress on one activity or indicator: a number where the target has one, else a text.

    Editing a report carries the version it started from (refused if the report changed meanwhile)
    and an optional reason, kept in its history. A valid file uploaded with a refused save is staged
    (:mod:`results.staging`) and offered again, kept unless the user removes it or uploads another.
    ``read_only``: the report can no longer be edited, the form only shows it.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=HISTORY_REASON_MAX_LENGTH,
        help_text=_("Optional; kept in the report's history."),
    )

    class Meta:
        model = ProgressReport
        fields = ["period", "reported_on", "achieved_value", "achieved_text", "narrative", "evidence"]
        widgets = {
            "reported_on": IsoDateInput(),
            "achieved_text": forms.Textarea(attrs={"rows": 3}),
            "narrative": forms.Textarea(attrs={"rows": 5}),
            "evidence": forms.ClearableFileInput(
                attrs={"accept": ",".join(f".{e}" for e in EVIDENCE_EXTENSIONS)}
            ),
        }
        help_texts = {"evidence": _("PDF, PNG, JPG, XLSX, DOCX or CSV; 5 MB at most.")}
        field_classes = {"achieved_value": DecimalTextField}

    def __init__(
        self,
        *args,
        target,
        on_behalf_of=None,
        staging: EvidenceStaging | None = None,
        read_only: bool = False,
        number_format: str = "pe",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.target = target
        for name in ("achieved_text", "narrative"):
            _limit_length(self.fields[name])
        self.staging = staging
        self.staged: StagedEvidence | None = None
        if on_behalf_of is not None and not read_only:
            # An administrator, not the partner: it says so, and the report records it.
            self.fields["on_behalf"] = forms.BooleanField(
                label=_("I enter this on behalf of %(partner)s (recorded in the report)")
                % {"partner": on_behalf_of.acronym},
                required=True,
            )
        if target.expects_text:
            del self.fields["achieved_value"]
        else:
            del self.fields["achieved_text"]
            achieved = self.fields["achieved_value"]
            # Read as the user writes numbers, the same reading as an import's (core.numbers).
            achieved.number_format = number_format
            achieved.help_text = _("Target: %(target)s · numbers written as %(example)s") % {
                "target": target.target_text,
                "example": number_style(number_format).example,
            }
        if self.instance.pk:
            del self.fields["period"]
            self.initial.setdefault("version", self.instance.version)
        else:
            del self.fields["version"], self.fields["change_reason"]
            self.fields["period"].queryset = ReportingPeriod.objects.filter(
                programme=target.plan.programme, is_locked=False
            ).exclude(**{f"progress_reports__{target_field(target)}": target})
            self.initial.setdefault("reported_on", timezone.localdate())
        if read_only:
            for field in self.fields.values():
                field.disabled = True
        token = self.data.get(self.add_prefix("staged_evidence")) if self.is_bound else None
        if token and staging is not None and (staged := staging.get(token)) is not None:
            self._offer_staged(staged)

    def _offer_staged(self, staged: StagedEvidence) -> None:
        self.staged = staged
        self.fields["staged_evidence"] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.fields["keep_evidence"] = forms.ChoiceField(
            label=_("Attached: %(name)s") % {"name": staged.name},
            choices=[("keep", _("Keep")), ("remove", _("Remove"))],
            widget=forms.RadioSelect,
            required=False,
            help_text=_("Kept from the save that was refused; a new file above replaces it."),
        )
        names = list(self.fields)
        names.remove("keep_evidence")
        names.insert(names.index("evidence") + 1, "keep_evidence")
        self.order_fields(names)

    def hold_upload(self) -> None:
        """After a refused save: stage a valid uploaded file so that the form shown again offers it."""
        upload = self.files.get(self.add_prefix("evidence"))
        if self.staging is None or not upload or self.has_error("evidence"):
            return
        if self.staged is not None:
            self.staging.discard(self.staged.token)
        staged = self.staging.stage(upload)
        self.data = self.data.copy()
        self.data[self.add_prefix("staged_evidence")] = staged.token
        self.data[self.add_prefix("keep_evidence")] = "keep"
        self._offer_staged(staged)

    def release_staged(self) -> None:
        """After a successful save: the staged copy is on the report now, or was not wanted."""
        if self.staging is not None and self.staged is not None:
            self.staging.discard(self.staged.token)

    def clean_achieved_value(self):
        value = self.cleaned_data.get("achieved_value")
        if (error := self.target.achieved_value_error(value)) is not None:
            raise error
        return value

    def clean(self):
        data = super().clean()
        version = data.get("version")
        if self.instance.pk and version is not None and version != self.instance.version:
            self.add_error(
                None,
                stale_edit_error(
                    self.instance,
                    achieved_value=data.get("achieved_value"),
                    achieved_text=data.get("achieved_text", ""),
                ),
            )
            # Shown again with the version now stored: saving once more is a deliberate overwrite.
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = str(self.instance.version)
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "reported_on": data["reported_on"],
            "achieved_value": data.get("achieved_value"),
            "achieved_text": data.get("achieved_text", ""),
            "narrative": data["narrative"],
        }
        # Only a new upload replaces the file; ``False`` is the "clear" checkbox; otherwise keep it.
        evidence = data.get("evidence")
        if evidence is False:
            kwargs["evidence"] = False
        elif "evidence" in self.changed_data:
            kwargs["evidence"] = evidence
        elif self.staged is not None and data.get("keep_evidence") != "remove":
            kwargs["evidence"] = self.staged.content()
        else:
            kwargs["evidence"] = None
        if self.instance.pk:
            kwargs["version"] = data.get("version")
            kwargs["reason"] = data.get("change_reason", "")
        kwargs["on_behalf"] = bool(data.get("on_behalf"))
        return kwargs


def _limit_length(field: forms.CharField) -> None:
    """A free text field at most ``PCC_TEXT_MAX_CHARS`` long (the browser stops typing there too)."""
    field.max_length = settings.PCC_TEXT_MAX_CHARS
    field.validators.append(MaxLengthValidator(field.max_length))
    field.widget.attrs["maxlength"] = str(field.max_length)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Why is it returned?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=settings.PCC_TEXT_MAX_CHARS,
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it reopened?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=settings.PCC_TEXT_MAX_CHARS,
    )


class TargetChangeForm(forms.Form):
    printed = forms.CharField(label=_("New target (Meta) as it should read"), max_length=255)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=settings.PCC_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required once the plan is approved."),
    )
