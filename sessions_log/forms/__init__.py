import zoneinfo
from datetime import UTC, datetime, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions_log.models import FundingProgramme, PlaceType, ServiceCode, Session


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


# Where a session takes place, unless the coach says otherwise: a phone or
# video call is billed as such, everything else as an office visit.
PLACE_FOR_MODALITY = {
    Session.Modality.PHONE: PlaceType.PHONE,
    Session.Modality.VIDEO: PlaceType.VIDEO,
}


def _place_type_field():
    return forms.ChoiceField(
        label="Setting (for the claim)",
        choices=[("", "As the session is held"), *PlaceType.choices],
        required=False,
        help_text="Where the service was given.",
    )


def _service_code_field():
    return forms.ModelChoiceField(
        label="Service code",
        queryset=ServiceCode.objects.filter(active=True),
        required=False,
        empty_label="Not billed",
        error_messages={"invalid_choice": "Choose a service code from the list."},
    )


def _programme_field():
    return forms.ModelChoiceField(
        label="Funding programme",
        queryset=FundingProgramme.objects.filter(active=True),
        required=False,
        empty_label="Not decided yet",
        error_messages={"invalid_choice": "Choose a funding programme from the list."},
    )


class _Billing:
    """The billing fields (place of service, code, programme): optional, so a
    session can be planned first and billed later; the place follows how
    people meet unless chosen. The code starts on the first in the list."""

    def _billing_initial(self):
        if not self.is_bound:
            self.fields["service_code"].initial = self.fields["service_code"].queryset.first()

    def clean(self):
        data = super().clean()
        if not data.get("place_type"):
            data["place_type"] = PLACE_FOR_MODALITY.get(data.get("modality"), PlaceType.OFFICE)
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


class SessionForm(_Billing, _SessionWhen):
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
    place_type = _place_type_field()
    service_code = _service_code_field()
    funding_programme = _programme_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._billing_initial()


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


def over_cap_reason_field(bill: dict) -> forms.CharField:
    """Offered at signing when the session's units go past the daily cap:
    those units are never billed; the coach may say why the time was needed."""
    return forms.CharField(
        label=f"Why the time past the daily cap of {bill['cap']} units? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"{bill['over']} of this session's {bill['units']} units go past the cap "
        f"({bill['before']} already signed that day) and will not be billed. Your note is "
        "kept with the signature.",
    )


def _minutes_spent_field(label="Minutes actually spent", required=True):
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=1,
        max_value=480,
        help_text="What the claim counts, never the booking.",
        widget=forms.NumberInput(attrs={"data-minutes-spent": ""}),
        error_messages={
            "min_value": "Minutes spent must be at least 1 (not zero or negative).",
            "max_value": "Minutes spent are at most 8 hours (480 minutes).",
            "required": "Enter the minutes actually spent.",
        },
    )


class CloseForm(forms.Form):
    """Closing a session as completed: when it really started and the
    minutes spent (the booking is the default; the coach confirms it)."""

    date = forms.DateField(label="Actual date", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label="Actual start time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    minutes_spent = _minutes_spent_field()

    def __init__(self, *args, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            try:
                data["actual_start"] = local_to_utc(data["date"], data["time"], self.time_zone)
            except forms.ValidationError as error:
                self.add_error("time", error)
        return data


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Signed when you add it; it cannot be changed afterwards. When you correct "
        "the time spent, say why here.",
    )
    corrected_date = forms.DateField(
        label="Corrected actual date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    corrected_time = forms.TimeField(
        label="Corrected actual start time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    corrected_minutes = _minutes_spent_field("Corrected minutes spent", required=False)

    def __init__(self, *args, time_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean(self):
        """A correction of the time spent gives all three fields or none."""
        data = super().clean()
        given = [data.get(name) is not None for name in CORRECTION_FIELDS]
        data["corrected_start"] = None
        if any(given) and not all(given):
            raise forms.ValidationError(
                "To correct the time spent, give the actual date, start time and minutes."
            )
        if all(given):
            try:
                data["corrected_start"] = local_to_utc(
                    data["corrected_date"], data["corrected_time"], self.time_zone
                )
            except forms.ValidationError as error:
                self.add_error("corrected_time", error)
        return data


CORRECTION_FIELDS = ("corrected_date", "corrected_time", "corrected_minutes")


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


class ContactLogForm(_Billing, _SessionWhen):
    modality = forms.ChoiceField(label="How you met", choices=Session.Modality.choices)
    place_type = _place_type_field()
    service_code = _service_code_field()
    funding_programme = _programme_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._billing_initial()
        # The contact's start and length are what really happened: what it bills.
        self.fields["time"].label = "Actual start time"
        duration = self.fields["duration"]
        duration.label = "Minutes actually spent"
        duration.help_text = "What the claim counts (at least 5 minutes for a logged contact)."
        duration.widget.attrs["data-minutes-spent"] = ""


class SessionBillingForm(_Billing, forms.Form):
    """Change what a session bills, until its note is signed."""

    place_type = forms.ChoiceField(label="Setting (for the claim)", choices=PlaceType.choices)
    service_code = _service_code_field()
    funding_programme = _programme_field()


class ReminderPreferenceForm(forms.Form):
    """Which emails someone wants, and their quiet hours. Built per person:
    coaches are not asked about check-in requests, which go to clients."""

    quiet_hours = forms.BooleanField(
        label=_("Hold emails during quiet hours"), required=False, initial=True
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours start"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours end"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
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
                    self.add_error(name, _("Give a time, or untick quiet hours."))
            start, end = data.get("quiet_start"), data.get("quiet_end")
            if start and end and start == end:
                self.add_error("quiet_end", _("Quiet hours must end at a different time."))
        else:
            data["quiet_start"] = data["quiet_end"] = None
        return data

    def preferences(self) -> dict:
        data = self.cleaned_data
        values = {kind: data[kind] for kind, _ in self.kinds}
        return {**values, "quiet_start": data["quiet_start"], "quiet_end": data["quiet_end"]}
