"""The forms of a disclosure's file: the days of information a
named-recipient file holds, and marking a file (or a claim batch) sent."""

from django import forms

from coaching.models import SentBy


class DisclosureRangeForm(forms.Form):
    """The first and last day of the information to send; the service
    checks them against the consent's dates of information."""

    start = forms.DateField(
        label="Information from",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the first day.", "invalid": "Give a date."},
    )
    end = forms.DateField(
        label="to",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the last day.", "invalid": "Give a date."},
    )


class MarkSentForm(forms.Form):
    """When and how a file went."""

    sent_on = forms.DateField(
        label="Sent on",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the day it was sent.", "invalid": "Give a date."},
    )
    sent_by = forms.ChoiceField(
        label="How",
        choices=SentBy.choices,
        initial=SentBy.APP_FILE,
        error_messages={"invalid_choice": "Choose how it was sent from the list."},
    )
