"""Caseload review: reassigning a client, the caseload report."""

from django import forms

from accounts.forms import PeriodForm


class ReassignForm(forms.Form):
    new_coach = forms.ModelChoiceField(
        label="New coach", queryset=None, empty_label="Choose a coach"
    )
    reason = forms.CharField(
        label="Reason", max_length=200, error_messages={"required": "Say why the client moves."}
    )
    future = forms.ChoiceField(
        label="Their upcoming sessions",
        choices=[
            ("move", "Move them to the new coach (same times)"),
            ("cancel", "Cancel them (the client is told)"),
        ],
        widget=forms.RadioSelect,
        initial="move",
    )

    def __init__(self, *args, coaches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_coach"].queryset = coaches


class ReportForm(PeriodForm):
    max_days = 731
    too_long = "A report covers at most 2 years."
