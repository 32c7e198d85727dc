"""The trust check-in and resolving a flag."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coaching.checkin_wording import ITEM_NAMES, scale_help, statements

SCALE = [(str(value), str(value)) for value in range(11)]
_CHOOSE = _("Choose a number from 0 to 10.")


class CheckInForm(forms.Form):
    """Five statements, each 0-10, and two optional extras. Every statement
    must be answered; a missing or out-of-range answer is named. The
    statements and the scale's ends are in the reader's language, from the
    one place that keeps every language's wording together
    (coaching/checkin_wording.py)."""

    comment = forms.CharField(
        label=_("Anything you want to add? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your coach and their supervisor can read this."),
    )
    talk_to_supervisor = forms.BooleanField(
        label=_("I'd like to talk with a supervisor about my coaching"),
        required=False,
        help_text=_("Only the supervisor sees this request and its message, never your coach."),
    )
    message = forms.CharField(
        label=_("Message for the supervisor (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, so each reader gets the wording of their language.
        help_text = scale_help()
        items = {
            name: forms.TypedChoiceField(
                label=label,
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                help_text=help_text,
                error_messages={"required": _CHOOSE, "invalid_choice": _CHOOSE},
            )
            for name, label in statements()
        }
        self.fields = {**items, **self.fields}

    def clean(self):
        data = super().clean()
        if data.get("message", "").strip() and not data.get("talk_to_supervisor"):
            self.add_error(
                "talk_to_supervisor", _("Tick this box to send your message to a supervisor.")
            )
        return data

    def answers(self) -> dict:
        return {name: self.cleaned_data[name] for name in ITEM_NAMES}


class FlagResolveForm(forms.Form):
    note = forms.CharField(
        label="What was done about it",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what was done about it."},
    )
