from django import forms
from django.utils import timezone

from coaching.models import (
    ITEMS,
    Channel,
    Episode,
    Goal,
    Information,
    LifeArea,
    OutreachAttempt,
    Recipient,
    ReferralSource,
    Step,
)
from sessions_log.models import FundingProgramme

SCALE = [(str(value), str(value)) for value in range(11)]


class CheckInForm(forms.Form):
    """Five statements, each 0-10, and two optional extras. Every statement
    must be answered; a missing or out-of-range answer is named."""

    comment = forms.CharField(
        label="Anything you want to add? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your coach and their supervisor can read this.",
    )
    talk_to_supervisor = forms.BooleanField(
        label="I'd like to talk with a supervisor about my coaching",
        required=False,
        help_text="Only the supervisor sees this request and its message, never your coach.",
    )
    message = forms.CharField(
        label="Message for the supervisor (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        items = {
            name: forms.TypedChoiceField(
                label=label,
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                help_text="0 = not at all, 10 = completely",
                error_messages={
                    "required": "Choose a number from 0 to 10.",
                    "invalid_choice": "Choose a number from 0 to 10.",
                },
            )
            for name, label in ITEMS
        }
        self.fields = {**items, **self.fields}

    def clean(self):
        data = super().clean()
        if data.get("message", "").strip() and not data.get("talk_to_supervisor"):
            self.add_error(
                "talk_to_supervisor", "Tick this box to send your message to a supervisor."
            )
        return data

    def answers(self) -> dict:
        return {name: self.cleaned_data[name] for name, _ in ITEMS}


class FlagResolveForm(forms.Form):
    note = forms.CharField(
        label="What was done about it",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what was done about it."},
    )


class ReassignForm(forms.Form):
    new_coach = forms.ModelChoiceField(
        label="New coach", queryset=None, empty_label="Choose a coach"
    )
    reason = forms.CharField(
        label="Reason", max_length=200, error_messages={"required": "Say why the client moves."}
    )
    future = forms.ChoiceField(
        label="Their upcoming sessions",
        choices=[
            ("move", "Move them to the new coach (same times)"),
            ("cancel", "Cancel them (the client is told)"),
        ],
        widget=forms.RadioSelect,
        initial="move",
    )

    def __init__(self, *args, coaches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_coach"].queryset = coaches


MAX_REPORT_DAYS = 731


class ReportForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end date must not be before the start date.")
            elif (end - start).days > MAX_REPORT_DAYS:
                self.add_error("end", "A report covers at most 2 years.")
        return data


class ClaimForm(ReportForm):
    """A claim file: a programme that is billed and a range of days."""

    programme = forms.ModelChoiceField(
        label="Funding programme",
        queryset=FundingProgramme.objects.none(),
        empty_label="Choose a programme",
        error_messages={"invalid_choice": "Choose a programme from the list."},
    )
    field_order = ["programme", "start", "end"]

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class FunderReportForm(forms.Form):
    """A funder report: one month, one programme (or every one)."""

    month = forms.DateField(
        label="Month",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "Give a month as YYYY-MM."},
    )
    programme = forms.ModelChoiceField(
        label="Funding programme",
        queryset=FundingProgramme.objects.none(),
        required=False,
        empty_label="All programmes",
        error_messages={"invalid_choice": "Choose a programme from the list."},
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean_month(self):
        month = self.cleaned_data["month"].replace(day=1)
        if month.year < 2000 or month > timezone.localdate():
            raise forms.ValidationError("Choose a month from 2000 up to this one.")
        return month


# ------------------------------------------------------------ recovery plan

# A note's words for each plan goal it worked on: one field per goal.
WORDS_FIELD = "plan_goal_words_{}"


class GoalForm(forms.Form):
    words = forms.CharField(
        label="Your goal, in your own words",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the goal in your own words."},
    )
    area = forms.ModelChoiceField(
        label="Part of life",
        queryset=LifeArea.objects.none(),
        empty_label="Choose one",
        error_messages={
            "required": "Choose a part of life for this goal.",
            "invalid_choice": "Choose a part of life from the list.",
        },
    )
    why = forms.CharField(
        label="Why it matters to you (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas


class StepForm(forms.Form):
    """A new step: under one of this plan's goals (only those are offered)."""

    goal = forms.ModelChoiceField(
        label="For which goal",
        queryset=Goal.objects.none(),
        empty_label="Choose a goal",
        error_messages={
            "required": "Choose the goal this step is for.",
            "invalid_choice": "Choose one of the goals of this plan.",
        },
    )
    action = forms.CharField(
        label="The step (something small to try)",
        max_length=300,
        error_messages={"required": "Write the step."},
    )
    who = forms.ChoiceField(
        label="Who takes it",
        choices=Step.Who.choices,
        widget=forms.RadioSelect,
        initial=Step.Who.CLIENT,
        error_messages={"required": "Choose who takes this step."},
    )
    suggested_by = forms.ChoiceField(
        label="Whose idea was it",
        choices=Step.SuggestedBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whose idea this step was."},
    )
    target_date = forms.DateField(
        label="Try it by (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, goals, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goals
        self.fields["goal"].label_from_instance = lambda goal: goal.words
        # Whose idea: the person adding it, unless they say otherwise.
        self.fields["suggested_by"].initial = (
            Step.SuggestedBy.COACH if actor.role == "coach" else Step.SuggestedBy.CLIENT
        )


class StepChangeForm(forms.Form):
    action = forms.CharField(label="The step", max_length=300)
    who = forms.ChoiceField(label="Who takes it", choices=Step.Who.choices)
    target_date = forms.DateField(
        label="Try it by (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class StepProgressForm(forms.Form):
    state = forms.ChoiceField(
        label="How is it going",
        choices=Step.State.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the step is going."},
    )
    how_it_went = forms.CharField(
        label="How it went (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PlanConfirmForm(forms.Form):
    typed_name = forms.CharField(
        label="Type your name",
        max_length=200,
        error_messages={"required": "Type your name to agree."},
    )
    confirmed = forms.BooleanField(
        label="I agree to this plan: these are my goals and the steps we will try.",
        error_messages={"required": "Tick the box to say you agree to this plan."},
    )


def note_goal_fields(goals, chosen: dict[int, str]) -> dict[str, forms.Field]:
    """The note form's plan goals: a tick per goal of the client's plan, and
    optional words for each (sessions_log's hook)."""
    fields = {
        "plan_goals": forms.TypedMultipleChoiceField(
            label="Plan goals this session worked on",
            required=False,
            coerce=int,
            choices=[(goal.pk, f"{goal.area.name}: {goal.words}") for goal in goals],
            widget=forms.CheckboxSelectMultiple,
            initial=list(chosen),
        )
    }
    for goal in goals:
        fields[WORDS_FIELD.format(goal.pk)] = forms.CharField(
            label=f"What you worked on for “{goal.words}” (optional)",
            required=False,
            max_length=300,
            initial=chosen.get(goal.pk, ""),
        )
    return fields


# ------------------------------------------------ episodes of care, outreach


class EpisodeOpenForm(forms.Form):
    intake_date = forms.DateField(
        label="Intake date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the date of the intake.", "invalid": "Enter a date."},
    )
    referral_source = forms.ModelChoiceField(
        label="Where they came from",
        queryset=ReferralSource.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose where they came from.",
            "invalid_choice": "Choose where they came from from the list.",
        },
    )

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral_source"].queryset = sources


class EpisodeDischargeForm(forms.Form):
    discharge_date = forms.DateField(
        label="Discharge date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the date of the discharge.",
            "invalid": "Enter a date.",
        },
    )
    reason = forms.ChoiceField(
        label="Reason",
        choices=Episode.DischargeReason.choices,
        error_messages={
            "required": "Choose a reason.",
            "invalid_choice": "Choose a reason from the list.",
        },
    )
    summary = forms.CharField(
        label="Short summary (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was achieved and what comes next. The client can read this.",
    )


class OutreachAttemptForm(forms.Form):
    channel = forms.ChoiceField(
        label="How",
        choices=Channel.choices,
        widget=forms.RadioSelect(attrs={"class": "choice-tiles"}),
        error_messages={
            "required": "Choose how you tried to reach them.",
            "invalid_choice": "Choose how you tried to reach them.",
        },
    )
    outcome = forms.ChoiceField(
        label="What happened",
        choices=OutreachAttempt.Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "choice-tiles"}),
        error_messages={
            "required": "Choose what happened.",
            "invalid_choice": "Choose what happened.",
        },
    )


class ContactPreferencesForm(forms.Form):
    preferred_channels = forms.MultipleChoiceField(
        label="Preferred ways to reach them",
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose channels from the list."},
    )
    ok_to_text = forms.BooleanField(label="OK to text", required=False)
    ok_to_voicemail = forms.BooleanField(label="OK to leave a voicemail", required=False)
    ok_to_email = forms.BooleanField(label="OK to email", required=False)


class ConsentPrepareForm(forms.Form):
    """Staff prepare a consent for the client to sign: to whom (an
    organisation from the list, or a person the client names), what for,
    which information, until when."""

    recipient = forms.ModelChoiceField(
        label="To an organisation",
        required=False,
        queryset=Recipient.objects.none(),
        empty_label="(none: a person, named below)",
        error_messages={"invalid_choice": "Choose a recipient from the list."},
    )
    person_name = forms.CharField(
        label="Or to a person (their full name)",
        required=False,
        max_length=120,
        help_text="Someone the client names, such as a family member.",
    )
    purpose = forms.CharField(
        label="What for",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what the information is for."},
    )
    information = forms.MultipleChoiceField(
        label="Which information",
        choices=Information.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one kind of information.",
            "invalid_choice": "Choose the information from the list.",
        },
    )
    ends_on = forms.DateField(
        label="Ends on a date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date."},
    )
    ends_on_event = forms.CharField(
        label="Or ends on an event",
        required=False,
        max_length=200,
        help_text='For example "the end of my Medicaid enrolment". It stays active until '
        "the client revokes it or staff end it.",
    )

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients


class ConsentSignForm(forms.Form):
    typed_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        error_messages={"required": "Type your name to sign."},
    )
    confirmed = forms.BooleanField(
        label="I have read this consent and I agree to it.",
        error_messages={"required": "Tick the box to say you agree."},
    )
