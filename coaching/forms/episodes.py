"""Episodes of care: intake and discharge."""

from django import forms

from coaching.models import (
    Episode,
    ReferralSource,
)


class EpisodeOpenForm(forms.Form):
    intake_date = forms.DateField(
        label="Intake date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the date of the intake.", "invalid": "Enter a date."},
    )
    referral_source = forms.ModelChoiceField(
        label="Where they came from",
        queryset=ReferralSource.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose where they came from.",
            "invalid_choice": "Choose where they came from from the list.",
        },
    )

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral_source"].queryset = sources


class EpisodeDischargeForm(forms.Form):
    discharge_date = forms.DateField(
        label="Discharge date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the date of the discharge.",
            "invalid": "Enter a date.",
        },
    )
    reason = forms.ChoiceField(
        label="Reason",
        choices=Episode.DischargeReason.choices,
        error_messages={
            "required": "Choose a reason.",
            "invalid_choice": "Choose a reason from the list.",
        },
    )
    summary = forms.CharField(
        label="Short summary (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was achieved and what comes next. The client can read this.",
    )


class EpisodeBillingForm(forms.Form):
    diagnosis_code = forms.CharField(
        label="Diagnosis (ICD-10-CM)",
        max_length=8,
        required=False,
        help_text="e.g. F11.20. Claims for the episode's sessions carry it.",
    )
    prior_authorization = forms.CharField(
        label="Prior authorisation number",
        max_length=50,
        required=False,
        help_text="Where the programme's payer authorises the service first.",
    )
