from django import forms

from coaching.models import ITEMS

SCALE = [(str(value), str(value)) for value in range(11)]


class CheckInForm(forms.Form):
    """Five statements, each 0-10, and two optional extras. Every statement
    must be answered; a missing or out-of-range answer is named."""

    comment = forms.CharField(
        label="Anything you want to add? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your coach and their supervisor can read this.",
    )
    talk_to_supervisor = forms.BooleanField(
        label="I'd like to talk with a supervisor about my coaching",
        required=False,
        help_text="Only the supervisor sees this request and its message, never your coach.",
    )
    message = forms.CharField(
        label="Message for the supervisor (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        items = {
            name: forms.TypedChoiceField(
                label=label,
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                help_text="0 = not at all, 10 = completely",
                error_messages={
                    "required": "Choose a number from 0 to 10.",
                    "invalid_choice": "Choose a number from 0 to 10.",
                },
            )
            for name, label in ITEMS
        }
        self.fields = {**items, **self.fields}

    def clean(self):
        data = super().clean()
        if data.get("message", "").strip() and not data.get("talk_to_supervisor"):
            self.add_error(
                "talk_to_supervisor", "Tick this box to send your message to a supervisor."
            )
        return data

    def answers(self) -> dict:
        return {name: self.cleaned_data[name] for name, _ in ITEMS}


class FlagResolveForm(forms.Form):
    note = forms.CharField(
        label="What was done about it",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what was done about it."},
    )


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
