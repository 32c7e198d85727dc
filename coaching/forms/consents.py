"""Consents: preparing one, signing it, recording a revocation in writing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coaching.models import Information, PurposeKind, Recipient
from coaching.models.consents import RevocationMedium


class ConsentPrepareForm(forms.Form):
    """Staff prepare a consent for the client to sign: in the client's legal
    name; to whom (an organisation from the list, a person the client names,
    or, for the single consent for treatment, payment and operations, that
    class of recipients); what for; which information from which dates;
    until when."""

    legal_name = forms.CharField(
        label="The client's legal name",
        max_length=150,
        help_text="As on their ID: the consent states it (42 CFR 2.31(a)(1)). It is kept "
        "apart from the name they go by.",
        error_messages={"required": "Give the client's legal name, as on their ID."},
    )
    purpose_kind = forms.ChoiceField(
        label="What it is for",
        choices=PurposeKind.choices,
        initial=PurposeKind.OTHER,
        help_text="Treatment, payment or operations add the statements 42 CFR 2.31(a)(10) "
        "requires. The single consent for all three names no one recipient.",
    )
    recipient = forms.ModelChoiceField(
        label="To an organisation",
        required=False,
        queryset=Recipient.objects.none(),
        empty_label="(none: a person, named below)",
        error_messages={"invalid_choice": "Choose a recipient from the list."},
    )
    person_name = forms.CharField(
        label="Or to a person (their full name)",
        required=False,
        max_length=120,
        help_text="Someone the client names, such as a family member.",
    )
    purpose = forms.CharField(
        label="In words: what for",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what the information is for."},
    )
    information = forms.MultipleChoiceField(
        label="Which information",
        choices=Information.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one kind of information.",
            "invalid_choice": "Choose the information from the list.",
        },
    )
    information_from = forms.DateField(
        label="Information from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The first date the information may be from.",
        error_messages={
            "required": "Give the first date the information may be from.",
            "invalid": "Enter a date.",
        },
    )
    information_to = forms.DateField(
        label="Information up to (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for every date until the consent ends.",
        error_messages={"invalid": "Enter a date."},
    )
    ends_on = forms.DateField(
        label="Ends on a date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date."},
    )
    ends_on_event = forms.CharField(
        label="Or ends on an event",
        required=False,
        max_length=200,
        help_text='For example "the end of my Medicaid enrolment". It stays active until '
        "the client revokes it or staff end it.",
    )

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients
        self.order_fields(
            ["legal_name", "purpose_kind", "recipient", "person_name", "purpose", "information"]
        )


class ConsentSignForm(forms.Form):
    typed_name = forms.CharField(
        label=_("Type your full name to sign"),
        max_length=200,
        error_messages={"required": _("Type your name to sign.")},
    )
    confirmed = forms.BooleanField(
        label=_("I have read this consent and I agree to it."),
        error_messages={"required": _("Tick the box to say you agree.")},
    )


class WrittenRevocationForm(forms.Form):
    """Staff record a revocation the client made in writing."""

    medium = forms.ChoiceField(
        label="It came as",
        choices=[("", "Choose…"), *RevocationMedium.choices],
        error_messages={
            "required": "Choose what the revocation came as.",
            "invalid_choice": "Choose what the revocation came as.",
        },
    )
    received_on = forms.DateField(
        label="Received on",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Give the date the revocation was received.",
            "invalid": "Enter a date.",
        },
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Where the writing is kept, or anything the client added.",
    )
    scan = forms.FileField(
        label="Scan of the writing (optional)",
        required=False,
        help_text="A PDF, JPEG or PNG, at most 10 MB. It is kept encrypted.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        error_messages={"empty": "The scan is empty: choose the file again."},
    )
