"""The remittance upload: one X12 835 file, read as text."""

from django import forms

# A payer's 835 for one payment runs to a few hundred kilobytes; past this
# it is not a remittance of ours (or not one file).
MAX_BYTES = 2 * 1024 * 1024


class RemittanceUploadForm(forms.Form):
    file = forms.FileField(
        label="Remittance file (X12 835)",
        help_text="The 835 your payer or clearinghouse sent for one payment: a text file, "
        "at most 2 MB.",
        error_messages={
            "required": "Choose the 835 file to upload.",
            "empty": "The file is empty.",
        },
    )

    def clean_file(self) -> str:
        """The file's text; a file too large or not text is refused here."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size // 1024} KB; a remittance is at most 2 MB. "
                "Upload one payment at a time."
            )
        raw = upload.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or "\x00" in text:
            raise forms.ValidationError(
                "This file is not text (UTF-8 or ASCII): an 835 is a text file that starts "
                "with ISA*. Check you chose the remittance, not a PDF or a spreadsheet."
            )
        return text
