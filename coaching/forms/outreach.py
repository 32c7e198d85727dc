"""Outreach: an attempt, the client's contact preferences."""

from django import forms

from coaching.models import (
    Channel,
    OutreachAttempt,
)


class OutreachAttemptForm(forms.Form):
    channel = forms.ChoiceField(
        label="How",
        choices=Channel.choices,
        widget=forms.RadioSelect(attrs={"class": "choice-tiles"}),
        error_messages={
            "required": "Choose how you tried to reach them.",
            "invalid_choice": "Choose how you tried to reach them.",
        },
    )
    outcome = forms.ChoiceField(
        label="What happened",
        choices=OutreachAttempt.Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "choice-tiles"}),
        error_messages={
            "required": "Choose what happened.",
            "invalid_choice": "Choose what happened.",
        },
    )


class ContactPreferencesForm(forms.Form):
    preferred_channels = forms.MultipleChoiceField(
        label="Preferred ways to reach them",
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose channels from the list."},
    )
    ok_to_text = forms.BooleanField(label="OK to text", required=False)
    ok_to_voicemail = forms.BooleanField(label="OK to leave a voicemail", required=False)
    ok_to_email = forms.BooleanField(label="OK to email", required=False)
