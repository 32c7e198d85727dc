"""Whose records a person sees: the one rule (clients_visible_to) and the
same rule stated on the relationship and the records about it (check-ins,
flags, private requests, reviews)."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import CaseloadAssignment, Role, User

# Matches nothing, and Django answers it without asking PostgreSQL.
NOTHING = Q(pk__in=[])
_ACTIVE = Q(ended_at__isnull=True)


def clients_visible_to(user: User) -> QuerySet[User]:
    """The one rule for whose records a person may see (see the module's
    docstring); every other scope below is this rule stated on another model."""
    if not user.is_active:
        return User.objects.none()
    if user.role == Role.COACH:
        return User.objects.filter(
            role=Role.CLIENT,
            coach_assignments__coach=user,
            coach_assignments__ended_at__isnull=True,
        )
    if user.role == Role.SUPERVISOR and user.team_id:
        return User.objects.filter(
            role=Role.CLIENT,
            coach_assignments__ended_at__isnull=True,
            coach_assignments__coach__team_id=user.team_id,
            coach_assignments__coach__role=Role.COACH,
        )
    if user.role == Role.CLIENT:
        return User.objects.filter(pk=user.pk)
    return User.objects.none()


def client_scope(user: User, field: str = "client") -> Q:
    """clients_visible_to(user) as a condition on another model's client
    foreign key (`field`): sessions, notes.

    The same rule, in the form PostgreSQL plans best: for a coach, a per-row
    check of the active relationship (an index walk can then stop at a
    page's worth); for a supervisor's whole team, the list of clients."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.CLIENT:
        return Q(**{field: user.pk})
    if user.role == Role.COACH:
        return Q(
            Exists(
                CaseloadAssignment.objects.filter(
                    _ACTIVE, coach=user, client=OuterRef(field), client__role=Role.CLIENT
                )
            )
        )
    return Q(**{f"{field}__in": clients_visible_to(user)})


def relationship_scope(user: User, prefix: str = "") -> Q:
    """The active relationships (caseload assignments) whose client `user`
    may see, as a condition on CaseloadAssignment (prefix "") or on a model
    that reaches one through `prefix` (e.g. "assignment__").

    For a supervisor, an active relationship whose coach is in their team is
    by definition one of their team's clients: no list of the team's
    clients to build first, so PostgreSQL plans it in a fraction of the time.
    Clients and admins have no relationship to review here."""
    if not user.is_active:
        return NOTHING
    active = Q(**{f"{prefix}ended_at__isnull": True, f"{prefix}client__role": Role.CLIENT})
    if user.role == Role.COACH:
        return active & Q(**{f"{prefix}coach": user})
    if user.role == Role.SUPERVISOR and user.team_id:
        return active & Q(
            **{f"{prefix}coach__team_id": user.team_id, f"{prefix}coach__role": Role.COACH}
        )
    return NOTHING


def relationship_record_scope(user: User) -> Q:
    """Records about a relationship that its client also sees (check-ins,
    on a model with `client` and `assignment`): the client's own, or those
    of the relationships staff may see."""
    if user.is_active and user.role == Role.CLIENT:
        return Q(client=user)
    return relationship_scope(user, "assignment__")


def flag_scope(user: User) -> Q:
    """Trust flags (on a model with `assignment`): for the coach and the
    supervisors of the relationship, never for the client."""
    if user.role not in (Role.COACH, Role.SUPERVISOR):
        return NOTHING
    return relationship_scope(user, "assignment__")


def private_request_scope(user: User) -> Q:
    """Private requests to talk with a supervisor (on a model with `team`
    and `coach`): for the supervisors of the coach's team only, and never
    for the coach the request is about, should they have become one of
    those supervisors. No coach, admin or client page reads them."""
    if not user.is_active or user.role != Role.SUPERVISOR or not user.team_id:
        return NOTHING
    return Q(team_id=user.team_id) & ~Q(coach=user.pk)


def reviewable_coach_scope(user: User) -> Q:
    """Coaches (on User) whose caseload `user` may review: an admin, every
    coach; a supervisor, their team's."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q(role=Role.COACH)
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(role=Role.COACH, team_id=user.team_id)
    return NOTHING


def reviewable_relationship_scope(user: User) -> Q:
    """The active relationships (on CaseloadAssignment) `user` may review: an
    admin, every one; a supervisor, their team's (relationship_scope)."""
    if user.is_active and user.role == Role.ADMIN:
        return _ACTIVE & Q(client__role=Role.CLIENT)
    if user.role == Role.SUPERVISOR:
        return relationship_scope(user)
    return NOTHING


def held_relationship_scope(user: User, prefix: str = "") -> Q:
    """The relationships (on CaseloadAssignment, active or ended; or on a
    model that reaches one through `prefix`, e.g. "assignment__") whose
    records a reviewer reads about the past: a supervisor, those their team
    held, whose coach is in their team (a coach since made one of its
    supervisors too); an admin, every one. A client's time with a coach of
    another team is not a supervisor's."""
    if not user.is_active:
        return NOTHING
    clients = Q(**{f"{prefix}client__role": Role.CLIENT})
    if user.role == Role.ADMIN:
        return clients
    if user.role == Role.SUPERVISOR and user.team_id:
        return clients & Q(**{f"{prefix}coach__team_id": user.team_id})
    return NOTHING


def reviewable_clients(user: User) -> QuerySet[User]:
    """Whose caseload history `user` may review: a supervisor, their team's
    clients (the one rule); an admin, every client who has a coach now."""
    if user.is_active and user.role == Role.ADMIN:
        has_coach = CaseloadAssignment.objects.filter(_ACTIVE, client=OuterRef("pk"))
        return User.objects.filter(Exists(has_coach), role=Role.CLIENT)
    if user.role == Role.SUPERVISOR:
        return clients_visible_to(user)
    return User.objects.none()


# Acting scopes of trust and caseload review: who may change a record, stated
# beside who may read it. Each is a Q for the model that holds the records.


def checkin_request_answerer_scope(user: User) -> Q:
    """Check-in requests (on CheckInRequest) `user` may answer: an active
    client, their own."""
    if not user.is_active or user.role != Role.CLIENT:
        return NOTHING
    return Q(client=user.pk)


def checkin_relationship_scope(user: User) -> Q:
    """The relationship (on CaseloadAssignment) a between-sessions check-in
    is about: an active client's own, with their coach now."""
    if not user.is_active or user.role != Role.CLIENT:
        return NOTHING
    return _ACTIVE & Q(client=user.pk)


def flag_acknowledger_scope(user: User) -> Q:
    """Trust flags (on TrustFlag) `user` may acknowledge: the coach and the
    supervisors of the relationship, those who see it (flag_scope)."""
    return flag_scope(user)


def flag_resolver_scope(user: User) -> Q:
    """Trust flags `user` may resolve: only a supervisor of the relationship
    closes one; its coach acknowledges it ("I saw it")."""
    if not user.is_active or user.role != Role.SUPERVISOR:
        return NOTHING
    return relationship_scope(user, "assignment__")


def private_request_handler_scope(user: User) -> Q:
    """Private requests (on SupervisorRequest) `user` may take and mark done:
    the supervisors who read them (private_request_scope)."""
    return private_request_scope(user)


def reassigner_scope(user: User) -> Q:
    """The active relationships (on CaseloadAssignment) `user` may move to
    another coach: a supervisor, their team's."""
    if not user.is_active or user.role != Role.SUPERVISOR or not user.team_id:
        return NOTHING
    return relationship_scope(user)


def reassign_coach_scope(user: User) -> Q:
    """The coaches (on User) a supervisor may hand a client to: the active
    coaches of their own team."""
    if not user.is_active or user.role != Role.SUPERVISOR or not user.team_id:
        return NOTHING
    return Q(role=Role.COACH, team_id=user.team_id, is_active=True)


def sees_private_requests(user: User) -> bool:
    """Whether `user`'s pages show private requests at all (a supervisor of a
    team): the dashboard's column, the client history's entries."""
    return private_request_scope(user) != NOTHING


def reassigns(user: User) -> bool:
    """Whether `user` may move clients between coaches (reassigner_scope)."""
    return reassigner_scope(user) != NOTHING


def supervises(user: User) -> bool:
    """Whether `user` is an active supervisor: they read the clinical record
    of their team's clients (sessions, check-in comments), where an admin
    reviewing caseloads sees figures only."""
    return user.is_active and user.role == Role.SUPERVISOR


def reviews_every_team(user: User) -> bool:
    """Whether `user` reviews the caseloads of every team (an admin)."""
    return user.is_active and user.role == Role.ADMIN


# Starting a relationship (accounts.services.relationships.assignment_create).


def takes_clients(person: User) -> bool:
    """Whether `person` may have a caseload: a coach."""
    return person.role == Role.COACH


def takeable_client_scope(coach: User) -> Q:
    """Clients (on User) `coach` may start working with: for a coach, any
    client who has no active coach now (one active coach per client); for
    anyone else, nobody."""
    if not takes_clients(coach):
        return NOTHING
    has_coach = CaseloadAssignment.objects.filter(_ACTIVE, client=OuterRef("pk"))
    return Q(role=Role.CLIENT) & ~Q(Exists(has_coach))
