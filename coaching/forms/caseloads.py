"""Caseload review: reassigning a client, the caseload report."""

from django import forms


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


MAX_REPORT_DAYS = 731


class ReportForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end date must not be before the start date.")
            elif (end - start).days > MAX_REPORT_DAYS:
                self.add_error("end", "A report covers at most 2 years.")
        return data
