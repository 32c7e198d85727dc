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


def _duration_field():
    return forms.IntegerField(
        label="Length in minutes",
        min_value=5,
        max_value=480,
        initial=60,
        error_messages={
            "min_value": "A session lasts at least 5 minutes.",
            "max_value": "A session lasts at most 8 hours (480 minutes).",
        },
    )


class _StartAndLength:
    """Turns the date and time fields, read in the person's own time zone,
    into `starts_at` (UTC), and the minutes into `length`."""

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


class _SessionWhen(_StartAndLength, forms.Form):
    """Which client and when: shared by scheduling and logging a contact."""

    client = forms.ModelChoiceField(label="Client", queryset=None, empty_label="Choose a client")
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time"}))
    duration = _duration_field()

    def __init__(self, *args, clients, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.time_zone = time_zone


class SessionForm(_SessionWhen):
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


class RescheduleForm(_StartAndLength, forms.Form):
    date = forms.DateField(label="New date", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="New start time", widget=forms.TimeInput(attrs={"type": "time"}))
    duration = _duration_field()

    def __init__(self, *args, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone


class CancelForm(forms.Form):
    reason = forms.CharField(label="Why is it cancelled?", max_length=300)


class NoteForm(forms.Form):
    services = forms.MultipleChoiceField(
        label="Services provided", required=False, widget=forms.CheckboxSelectMultiple
    )
    goals = forms.CharField(
        label="Goals worked on (in the client's words)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    narrative = forms.CharField(
        label="What happened",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    client_words = forms.CharField(
        label="The client's own words or takeaway",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_steps = forms.CharField(
        label="Next steps",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The client sees these, so they know what was agreed.",
    )

    def __init__(self, *args, service_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = [(name, name) for name in service_names]


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Signed when you add it; it cannot be changed afterwards.",
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("cosigned", "Co-sign"), ("returned", "Return to the coach")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comment for the coach",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you return a note.",
    )


class ContactLogForm(_SessionWhen):
    modality = forms.ChoiceField(label="How you met", choices=Session.Modality.choices)


class ReminderPreferenceForm(forms.Form):
    """Which emails someone wants, and their quiet hours. Built per person:
    coaches are not asked about check-in requests, which go to clients."""

    quiet_hours = forms.BooleanField(
        label="Hold emails during quiet hours", required=False, initial=True
    )
    quiet_start = forms.TimeField(
        label="Quiet hours start", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label="Quiet hours end", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        # The kinds come first on the page, in the order given.
        kind_fields = {
            kind: forms.BooleanField(label=label, required=False) for kind, label in kinds
        }
        self.fields = {**kind_fields, **self.fields}

    def clean(self):
        data = super().clean()
        if data.get("quiet_hours"):
            for name in ("quiet_start", "quiet_end"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Give a time, or untick quiet hours.")
            start, end = data.get("quiet_start"), data.get("quiet_end")
            if start and end and start == end:
                self.add_error("quiet_end", "Quiet hours must end at a different time.")
        else:
            data["quiet_start"] = data["quiet_end"] = None
        return data

    def preferences(self) -> dict:
        data = self.cleaned_data
        values = {kind: data[kind] for kind, _ in self.kinds}
        return {**values, "quiet_start": data["quiet_start"], "quiet_end": data["quiet_end"]}
