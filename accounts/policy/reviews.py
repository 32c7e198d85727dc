"""Who may run a compliance review (the audit trail for a period, a breach
report), and whose records an account could see in a past window.

"Could see" follows the access rules of the package's docstring, applied to
the relationships as they were in the window (caseload assignments keep
when they started and ended):
- a coach: the clients of their relationships open at any time in it;
- a supervisor: those of their team's coaches (the team they are in now: no
  history of team membership is kept), and of any caseload of their own
  from before they were made supervisor;
- an admin: every client whose account existed then (people lists and
  caseload reviews name every client; never note text);
- a client: themselves.
Deactivation is not dated, so an account deactivated during the window is
counted for all of it: a breach report errs towards naming too many."""

from datetime import datetime

from django.db.models import Q, QuerySet

from accounts.models import CaseloadAssignment, Role, User
from accounts.policy.pages import sees_whole_audit_trail


def runs_compliance_reviews(user: User) -> bool:
    """Exporting the whole audit trail and breach reports: admins, who
    already read the whole trail."""
    return sees_whole_audit_trail(user)


def _open_in(start: datetime, end: datetime) -> Q:
    return Q(started_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gt=start))


def relationships_exposed_to(account: User, start: datetime, end: datetime) -> QuerySet:
    """The caseload assignments through which `account` could see a client
    at some time in [start, end) (CaseloadAssignment rows)."""
    rows = CaseloadAssignment.objects.filter(_open_in(start, end), client__role=Role.CLIENT)
    if account.role == Role.COACH:
        return rows.filter(coach=account)
    if account.role == Role.SUPERVISOR:
        team = (
            Q(coach__team_id=account.team_id, coach__role=Role.COACH)
            if account.team_id
            else Q(pk__in=[])
        )
        return rows.filter(Q(coach=account) | team)
    return rows.none()


def clients_exposed_to(account: User, start: datetime, end: datetime) -> QuerySet[User]:
    """Every client whose records `account` could see at some time in
    [start, end)."""
    if account.role == Role.CLIENT:
        return User.objects.filter(pk=account.pk, date_joined__lt=end)
    if account.role == Role.ADMIN:
        return User.objects.filter(role=Role.CLIENT, date_joined__lt=end)
    ids = relationships_exposed_to(account, start, end).values("client_id")
    return User.objects.filter(pk__in=ids)
