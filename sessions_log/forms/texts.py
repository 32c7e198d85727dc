"""The client's text-message page: a number with the consent ticked, the
code texted to it, and whether reminders go by email too. What makes a
number (E.164) and a right code is the services' to say
(sessions_log/services/texts.py); these only collect what was typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions_log.services.texts import CODE_DIGITS

_NUMBER_EXAMPLE = _("Enter a mobile number like +1 555 123 4567.")


class TextNumberForm(forms.Form):
    number = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        help_text=_("A US number needs no +1. Other countries: start with + and the country code."),
        # A phone's keypad, and its own number offered to fill in.
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages={"required": _NUMBER_EXAMPLE, "max_length": _NUMBER_EXAMPLE},
    )
    consent = forms.BooleanField(
        label=_("I agree to get these texts."),
        error_messages={"required": _("Tick the box to agree to get texts.")},
    )


class TextCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        # Digits on a phone's keypad; the phone offers the code from the text.
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": CODE_DIGITS}
        ),
        error_messages={
            "required": _("Enter the 6-digit code from the text."),
            "max_length": _("Enter the 6-digit code from the text."),
        },
    )


class TextByEmailForm(forms.Form):
    by_email = forms.BooleanField(label=_("Also send these by email"), required=False)
