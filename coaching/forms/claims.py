"""The Billing page's forms: the days and programme whose ready lines it
shows (and a batch is made of)."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from coaching.forms.caseloads import ReportForm
from sessions_log.models import FundingProgramme


def default_range(today: date | None = None) -> tuple[date, date]:
    """The first day of the previous calendar month through today: at
    month-end billing, last month's lines and this month's so far."""
    today = today or timezone.localdate()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return last_month_end.replace(day=1), today


class ReadyForm(ReportForm):
    """A range of days and a billed programme (blank: every billed one)."""

    programme = forms.ModelChoiceField(
        label="Funding programme",
        queryset=FundingProgramme.objects.none(),
        required=False,
        empty_label="All billed programmes",
        error_messages={"invalid_choice": "Choose a programme from the list."},
    )
    field_order = ["start", "end", "programme"]

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean(self):
        data = super().clean()
        end = data.get("end")
        if end and end > timezone.localdate():
            self.add_error("end", "Choose days up to today: a claim bills services given.")
        return data

    def programmes(self) -> list[FundingProgramme]:
        """The programmes shown: the one picked, or every billed one (a
        programme nobody pays yet shows its lines left out, saying so)."""
        chosen = self.cleaned_data.get("programme")
        return [chosen] if chosen else list(self.fields["programme"].queryset)

    def batch_programmes(self) -> list[FundingProgramme]:
        """The programmes a batch is made for: the one picked, or every
        billed one whose payer has a payer id (like `claim_batch --all`)."""
        chosen = self.cleaned_data.get("programme")
        if chosen:
            return [chosen]
        return list(self.fields["programme"].queryset.filter(payer__payer_id__gt=""))
