"""The recovery plan: goals, steps, progress, agreeing; a note's plan goals."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coaching.models import (
    Goal,
    LifeArea,
    Step,
)

WORDS_FIELD = "plan_goal_words_{}"


class GoalForm(forms.Form):
    words = forms.CharField(
        label=_("Your goal, in your own words"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write the goal in your own words.")},
    )
    area = forms.ModelChoiceField(
        label=_("Part of life"),
        queryset=LifeArea.objects.none(),
        empty_label=_("Choose one"),
        error_messages={
            "required": _("Choose a part of life for this goal."),
            "invalid_choice": _("Choose a part of life from the list."),
        },
    )
    why = forms.CharField(
        label=_("Why it matters to you (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["area"].label_from_instance = lambda area: area.label


class StepForm(forms.Form):
    """A new step: under one of this plan's goals (only those are offered)."""

    goal = forms.ModelChoiceField(
        label=_("For which goal"),
        queryset=Goal.objects.none(),
        empty_label=_("Choose a goal"),
        error_messages={
            "required": _("Choose the goal this step is for."),
            "invalid_choice": _("Choose one of the goals of this plan."),
        },
    )
    action = forms.CharField(
        label=_("The step (something small to try)"),
        max_length=300,
        error_messages={"required": _("Write the step.")},
    )
    who = forms.ChoiceField(
        label=_("Who takes it"),
        choices=Step.Who.choices,
        widget=forms.RadioSelect,
        initial=Step.Who.CLIENT,
        error_messages={"required": _("Choose who takes this step.")},
    )
    suggested_by = forms.ChoiceField(
        label=_("Whose idea was it"),
        choices=Step.SuggestedBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whose idea this step was.")},
    )
    target_date = forms.DateField(
        label=_("Try it by (optional)"),
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
    action = forms.CharField(label=_("The step"), max_length=300)
    who = forms.ChoiceField(label=_("Who takes it"), choices=Step.Who.choices)
    target_date = forms.DateField(
        label=_("Try it by (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class StepProgressForm(forms.Form):
    state = forms.ChoiceField(
        label=_("How is it going"),
        choices=Step.State.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the step is going.")},
    )
    how_it_went = forms.CharField(
        label=_("How it went (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PlanConfirmForm(forms.Form):
    typed_name = forms.CharField(
        label=_("Type your name"),
        max_length=200,
        error_messages={"required": _("Type your name to agree.")},
    )
    confirmed = forms.BooleanField(
        label=_("I agree to this plan: these are my goals and the steps we will try."),
        error_messages={"required": _("Tick the box to say you agree to this plan.")},
    )


def note_goal_fields(goals, chosen: dict[int, str]) -> dict[str, forms.Field]:
    """The note form's plan goals: a tick per goal of the client's plan, and
    optional words for each (sessions_log's hook)."""
    fields = {
        "plan_goals": forms.TypedMultipleChoiceField(
            label=_("Plan goals this session worked on"),
            required=False,
            coerce=int,
            choices=[(goal.pk, f"{goal.area.label}: {goal.words}") for goal in goals],
            widget=forms.CheckboxSelectMultiple,
            initial=list(chosen),
        )
    }
    for goal in goals:
        fields[WORDS_FIELD.format(goal.pk)] = forms.CharField(
            label=gettext("What you worked on for “{goal}” (optional)").format(goal=goal.words),
            required=False,
            max_length=300,
            initial=chosen.get(goal.pk, ""),
        )
    return fields
