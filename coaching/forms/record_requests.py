"""A client's requests about their record: logging one, deciding one."""

from django import forms
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coaching.models import RecordRequest


class NoteChoice(forms.ModelChoiceField):
    def label_from_instance(self, note) -> str:
        day = formats.date_format(note.session.starts_at, "j M Y")
        return gettext("Session of {day}, note signed by {name}").format(
            day=day, name=note.author.display_name
        )


class RecordRequestLogForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("The client asks for"),
        choices=RecordRequest.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a copy of the record or a change to it."),
            "invalid_choice": _("Choose a copy of the record or a change to it."),
        },
    )
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the day the request was received."),
            "invalid": _("Enter a date."),
        },
    )
    asked = forms.CharField(
        label=_("What they asked for"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what the client asked for.")},
    )
    note = NoteChoice(
        label=_("The note they want changed (a change only)"),
        queryset=None,
        required=False,
        empty_label=_("None (a copy)"),
        error_messages={"invalid_choice": _("Choose one of this client's signed notes.")},
    )

    def __init__(self, *args, notes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].queryset = notes


class RecordRequestDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the decisions offered."),
            "invalid_choice": _("Choose one of the decisions offered."),
        },
    )
    amendment = forms.CharField(
        label=_("The amendment, to add to the note (if accepted)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    denial_reason = forms.CharField(
        label=_("Why it is denied (the client is told)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    disagreement = forms.CharField(
        label=_("The client's statement of disagreement, in their words (if denied)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, request_kind, **kwargs):
        super().__init__(*args, **kwargs)
        decisions = dict(RecordRequest.Decision.choices)
        keys = ["done"] if request_kind == RecordRequest.Kind.ACCESS else ["accepted", "denied"]
        self.fields["decision"].choices = [(key, decisions[key]) for key in keys]
        if request_kind == RecordRequest.Kind.ACCESS:
            for name in ("amendment", "denial_reason", "disagreement"):
                del self.fields[name]
