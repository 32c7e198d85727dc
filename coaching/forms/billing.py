"""The claim file and the funder report."""

from django import forms
from django.utils import timezone

from coaching.forms.caseloads import ReportForm
from sessions_log.models import FundingProgramme


class ClaimForm(ReportForm):
    """A claim file: a programme that is billed and a range of days."""

    programme = forms.ModelChoiceField(
        label="Funding programme",
        queryset=FundingProgramme.objects.none(),
        empty_label="Choose a programme",
        error_messages={"invalid_choice": "Choose a programme from the list."},
    )
    field_order = ["programme", "start", "end"]

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class FunderReportForm(forms.Form):
    """A funder report: one month, one programme (or every one)."""

    month = forms.DateField(
        label="Month",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "Give a month as YYYY-MM."},
    )
    programme = forms.ModelChoiceField(
        label="Funding programme",
        queryset=FundingProgramme.objects.none(),
        required=False,
        empty_label="All programmes",
        error_messages={"invalid_choice": "Choose a programme from the list."},
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean_month(self):
        month = self.cleaned_data["month"].replace(day=1)
        if month.year < 2000 or month > timezone.localdate():
            raise forms.ValidationError("Choose a month from 2000 up to this one.")
        return month
