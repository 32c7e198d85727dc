"""The trust check-in and resolving a flag."""

from django import forms

from coaching.models import (
    ITEMS,
)

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
