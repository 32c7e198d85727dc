"""Caseload review: reassigning a client, the caseload report."""

from django import forms

from accounts.forms import PeriodForm


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


class ReportForm(PeriodForm):
    max_days = 731
    too_long = "A report covers at most 2 years."


class DashboardFilterForm(forms.Form):
    """The team dashboard's team filter: "Every team" or one of `teams`
    ((id, name) pairs: the teams the viewer may pick)."""

    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "Every team"), *((str(pk), name) for pk, name in teams)]

    def chosen_team(self) -> int | None:
        """The team picked (None: every team); call after is_valid()."""
        team = self.cleaned_data.get("team")
        return int(team) if team else None
