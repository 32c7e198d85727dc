"""A consent signed on paper: who signed, when, and the scan."""

from django import forms

from coaching.models.consents import Authority

SCAN_HELP = "A PDF, JPEG or PNG of the signed paper, at most 10 MB. It is kept encrypted."


class PaperSignatureForm(forms.Form):
    signed_by_name = forms.CharField(
        label="Name signed on the paper",
        max_length=150,
        help_text="The client's name as the consent gives it, or the representative's name.",
        error_messages={"required": "Give the name signed on the paper."},
    )
    authority = forms.ChoiceField(
        label="Signed by",
        required=False,
        choices=[("", "The client"), *Authority.choices],
        help_text="A representative signs for a minor (a parent, 42 CFR 2.14) or for a client "
        "who lacks capacity (a guardian or health care proxy, 2.15).",
        error_messages={"invalid_choice": "Choose who signed from the list."},
    )
    signed_on = forms.DateField(
        label="Signed on",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the date it was signed.", "invalid": "Enter a date."},
    )
    scan = forms.FileField(
        label="Scan of the signed paper",
        help_text=SCAN_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        error_messages={
            "required": "Attach the scan of the signed paper.",
            "empty": "The scan is empty: choose the file again.",
        },
    )
