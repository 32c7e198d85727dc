"""Relationships (caseload assignments): whose clients a coach has, and the
client a coach takes on."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import CaseloadAssignment, User
from accounts.policy import clients_visible_to, relationship_scope
from accounts.policy.pages import is_client_account
from accounts.policy.relationships import takeable_client_scope, takes_clients


def clients_of(coach: User) -> QuerySet[User]:
    """The clients a coach works with now, by name (for forms' choices)."""
    return clients_visible_to(coach).order_by("display_name")


def caseload_of(coach: User) -> QuerySet[CaseloadAssignment]:
    """A coach's active relationships, by client name."""
    return (
        CaseloadAssignment.objects.filter(relationship_scope(coach), coach=coach)
        .select_related("client")
        .order_by("client__display_name")
    )


def active_coach_of(client: User) -> User | None:
    assignment = (
        CaseloadAssignment.objects.filter(client=client, ended_at__isnull=True)
        .select_related("coach")
        .first()
    )
    return assignment.coach if assignment else None


def client_for_taking(coach: User, pk: int) -> User:
    """The client `coach` starts working with, locked until the transaction
    ends (two requests taking the same client wait for each other; the
    database's one-active-coach constraint decides any race left):
    policy.takeable_client_scope, or a ValidationError saying why not."""
    if not takes_clients(coach):
        raise ValidationError({"coach": "Only a coach can have a caseload."})
    client = (
        User.objects.select_for_update(no_key=True)
        .filter(takeable_client_scope(coach), pk=pk)
        .first()
    )
    if client is not None:
        return client
    person = User.objects.filter(pk=pk).first()
    if person is None or not is_client_account(person):
        raise ValidationError({"client": "Only clients can be assigned to a coach."})
    raise ValidationError({"client": "This client already has an active coach."})
