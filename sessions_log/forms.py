import zoneinfo
from datetime import UTC, datetime, timedelta

from django import forms

from sessions_log.models import Session


def local_to_utc(day, time, zone_name: str) -> datetime:
    """A wall-clock time in a person's zone, as a UTC instant.

    Refuses times that do not exist (skipped when clocks go forward)."""
    zone = zoneinfo.ZoneInfo(zone_name)
    local = datetime.combine(day, time).replace(tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise forms.ValidationError(
            "That time does not exist on that day because the clocks change. Choose another time."
        )
    return instant


class SessionForm(forms.Form):
    client = forms.ModelChoiceField(label="Client", queryset=None, empty_label="Choose a client")
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time"}))
    duration = forms.IntegerField(
        label="Length in minutes",
        min_value=5,
        max_value=480,
        initial=60,
        error_messages={
            "min_value": "A session lasts at least 5 minutes.",
            "max_value": "A session lasts at most 8 hours (480 minutes).",
        },
    )
    modality = forms.ChoiceField(label="How you meet", choices=Session.Modality.choices)
    location = forms.CharField(label="Place", max_length=200, required=False)
    video_url = forms.URLField(
        label="Video link",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="Must start with https://",
    )
    agenda = forms.CharField(
        label="Private agenda",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only you and your supervisor see this.",
    )

    def __init__(self, *args, clients, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.time_zone = time_zone

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            try:
                data["starts_at"] = local_to_utc(data["date"], data["time"], self.time_zone)
            except forms.ValidationError as error:
                self.add_error("time", error)
        if data.get("duration"):
            data["length"] = timedelta(minutes=data["duration"])
        return data
