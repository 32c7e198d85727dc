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
    """The team dashboard's team filter: "Every team" (empty) or the id of
    one of `teams` ((id, name) pairs: the teams the viewer may pick).

    A text checked against the teams' ids, not a ChoiceField: the field
    normalised and searched its 200 choices (at 10x) on every admin's view,
    0.3 ms of CPU; the <option>s are made apart (dashboard_rows.team_options)."""

    team = forms.CharField(label="Team", required=False, strip=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_ids = {str(pk) for pk, _ in teams}

    def clean_team(self) -> str:
        team = self.cleaned_data["team"]
        if team and team not in self.team_ids:
            raise forms.ValidationError("Choose one of the teams listed.", code="invalid_choice")
        return team

    def chosen_team(self) -> int | None:
        """The team picked (None: every team); call after is_valid()."""
        team = self.cleaned_data.get("team")
        return int(team) if team else None
