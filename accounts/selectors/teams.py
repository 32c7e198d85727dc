"""Teams: the list admins manage, and a supervisor's own team."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role, Team, User
from accounts.policy import team_scope
from accounts.policy.pages import creates_teams


def teams_visible_to(user: User) -> QuerySet[Team]:
    members = User.objects.filter(role__in=[Role.COACH, Role.SUPERVISOR]).order_by(
        "role", "display_name"
    )
    return (
        Team.objects.filter(team_scope(user))
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("name")
    )


def teams_with_members(user: User) -> list[Team]:
    """The teams `user` sees, each with its `supervisors` and `coaches`
    (from the one prefetch of teams_visible_to)."""
    teams = list(teams_visible_to(user))
    for team in teams:
        members = team.members.all()
        team.supervisors = [member for member in members if member.role == Role.SUPERVISOR]
        team.coaches = [member for member in members if member.role == Role.COACH]
    return teams


def team_for_viewing(user: User, pk: int) -> Team:
    """A team `user` sees (policy.team_scope), or a 404. Not audited: a
    team is staff, not a client's record."""
    return get_object_or_404(Team.objects.filter(team_scope(user)), pk=pk)


def coaches_supervised_by(supervisor: User) -> QuerySet[User]:
    """The coaches of the team a supervisor sees (policy.team_scope: their
    own), with their active caseload size; nobody for anyone else."""
    if not supervisor.team_id:
        return User.objects.none()
    return (
        User.objects.filter(
            role=Role.COACH,
            team__in=Team.objects.filter(team_scope(supervisor), pk=supervisor.team_id),
        )
        .annotate(
            active_clients=Count(
                "caseload_assignments",
                filter=Q(caseload_assignments__ended_at__isnull=True),
            )
        )
        .order_by("display_name")
    )


@dataclass(frozen=True)
class TeamPermissions:
    can_create_teams: bool


def permissions_for(user: User, team: Team | None = None) -> TeamPermissions:
    return TeamPermissions(can_create_teams=creates_teams(user))
