"""The group session forms: scheduling one session for several clients,
and closing it client by client (attended with the minutes spent, or a
no-show)."""

from django import forms

from sessions_log.forms import (
    _Billing,
    _duration_field,
    _minutes_spent_field,
    _place_type_field,
    _programme_field,
    _StartAndLength,
    local_to_utc,
)
from sessions_log.models import ServiceCode, Session


def group_codes():
    """The active service codes for a group setting: those with the HQ modifier."""
    return ServiceCode.objects.filter(active=True, modifiers__regex=r"(^|\s)HQ(\s|$)")


class GroupSessionForm(_Billing, _StartAndLength, forms.Form):
    clients = forms.ModelMultipleChoiceField(
        label="Clients in the group",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each client gets their own invitation and reminders; none sees the others.",
        error_messages={
            "required": "Choose the clients in the group (at least 2).",
            "invalid_choice": "Choose only your own clients.",
            "invalid_pk_value": "Choose only your own clients.",
        },
    )
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time"}))
    duration = _duration_field()
    modality = forms.ChoiceField(
        label="How you meet",
        # A group meets in a room or on a call, not by text message.
        choices=[c for c in Session.Modality.choices if c[0] != Session.Modality.TEXT],
    )
    location = forms.CharField(label="Place", max_length=200, required=False)
    video_url = forms.URLField(
        label="Video link",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="Must start with https://",
    )
    place_type = _place_type_field()
    service_code = forms.ModelChoiceField(
        label="Group service code",
        queryset=None,
        empty_label=None,
        error_messages={
            "required": "Choose the group service code.",
            "invalid_choice": "Choose a group service code from the list.",
        },
    )
    funding_programme = _programme_field()

    def __init__(self, *args, clients, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clients"].queryset = clients
        self.fields["service_code"].queryset = group_codes()
        self.time_zone = time_zone


ATTENDED, NO_SHOW = Session.Status.COMPLETED, Session.Status.NO_SHOW


class GroupCloseForm(forms.Form):
    """When the group actually started, then for each member still to close:
    attended (with their minutes spent, the booking by default) or a no-show."""

    date = forms.DateField(label="Actual date", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label="Actual start time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, members, minutes: int, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        self.members = members
        for member in members:
            name = member.client.display_name
            self.fields[f"status_{member.pk}"] = forms.ChoiceField(
                label=name,
                choices=[(ATTENDED, "Attended"), (NO_SHOW, "No-show")],
                widget=forms.RadioSelect,
                initial=ATTENDED,
                error_messages={"required": f"Say whether {name} attended."},
            )
            field = _minutes_spent_field(f"Minutes {name} actually spent", required=False)
            field.initial = minutes
            field.help_text = "What the claim counts for this client; empty for a no-show."
            self.fields[f"minutes_{member.pk}"] = field

    def rows(self):
        """Each member with their two fields, for the template."""
        return [
            (member, self[f"status_{member.pk}"], self[f"minutes_{member.pk}"])
            for member in self.members
        ]

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            try:
                data["actual_start"] = local_to_utc(data["date"], data["time"], self.time_zone)
            except forms.ValidationError as error:
                self.add_error("time", error)
        outcomes = {}
        for member in self.members:
            status = data.get(f"status_{member.pk}")
            minutes = data.get(f"minutes_{member.pk}")
            if status == ATTENDED and minutes is None and f"minutes_{member.pk}" not in self.errors:
                self.add_error(
                    f"minutes_{member.pk}",
                    f"Enter the minutes {member.client.display_name} actually spent.",
                )
            outcomes[member.pk] = (status, minutes if status == ATTENDED else None)
        data["outcomes"] = outcomes
        return data
