"""Staff record a disclosure made outside the app (by phone, on paper, by
fax or email, in person): when, to whom, what, what for, how, and under
which consent or exception (coaching.services.outside_disclosures)."""

from django import forms

from coaching.models import Basis, Information, Recipient, SentBy
from coaching.models.consents import Consent

DATE = {"type": "date"}


class OutsideDisclosureForm(forms.Form):
    sent_at = forms.DateTimeField(
        label="Sent on (date and time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={
            "required": "Give the date and time it was sent.",
            "invalid": "Enter a date and time.",
        },
    )
    basis = forms.ChoiceField(
        label="Made under",
        choices=[("", "Choose…"), *Basis.choices],
        error_messages={
            "required": "Choose the consent, or one of the exceptions, it was made under.",
            "invalid_choice": "Choose the consent, or one of the exceptions, it was made under.",
        },
    )
    consent = forms.ModelChoiceField(
        label="The consent relied on (under a consent)",
        required=False,
        queryset=Consent.objects.none(),
        empty_label="(none: under an exception)",
        error_messages={"invalid_choice": "Choose one of this client's consents."},
    )
    notice_confirmed = forms.BooleanField(
        label="The notice (42 CFR 2.32(a), Statement 1) went with it (under a consent)",
        required=False,
    )
    recipient = forms.ModelChoiceField(
        label="To a recipient on the list",
        required=False,
        queryset=Recipient.objects.none(),
        empty_label="(none: named below)",
        error_messages={"invalid_choice": "Choose a recipient from the list."},
    )
    recipient_name = forms.CharField(
        label="Or to (name, and their facility or court)",
        required=False,
        max_length=150,
        help_text="For someone not on the list: a court, an emergency room's doctor.",
    )
    recipient_address = forms.CharField(
        label="Their address",
        required=False,
        max_length=300,
        help_text="Left empty for a recipient on the list: the list's address.",
    )
    information = forms.MultipleChoiceField(
        label="What was disclosed",
        choices=Information.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one kind of information.",
            "invalid_choice": "Choose the information from the list.",
        },
    )
    service_from = forms.DateField(
        label="Dates of service from",
        widget=forms.DateInput(attrs=DATE),
        error_messages={
            "required": "Give the first date of service disclosed.",
            "invalid": "Enter a date.",
        },
    )
    service_to = forms.DateField(
        label="Dates of service to",
        widget=forms.DateInput(attrs=DATE),
        error_messages={
            "required": "Give the last date of service disclosed.",
            "invalid": "Enter a date.",
        },
    )
    purpose = forms.CharField(
        label="What for",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Under an exception, what the rule asks you to keep (above).",
        error_messages={"required": "Say what it was for."},
    )
    sent_by = forms.ChoiceField(
        label="How it was sent",
        choices=[
            ("", "Choose…"),
            *((v, label) for v, label in SentBy.choices if v != SentBy.APP_FILE),
        ],
        error_messages={
            "required": "Choose how it was sent.",
            "invalid_choice": "Choose how it was sent.",
        },
    )

    def __init__(self, *args, recipients, consents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients
        self.fields["consent"].queryset = consents
        self.fields["consent"].label_from_instance = _consent_label


def _consent_label(consent: Consent) -> str:
    signed = consent.signed_at.strftime("%-d %b %Y") if consent.signed_at else "not signed"
    return f"To {consent.recipient_label}, signed {signed}"
