"""The one access policy: who may do what, and who may see which records.

Views use `role_required` for the page and selectors for the records; every
selector builds its scope from the rules below, and nothing else states
them (tests/security/test_scope.py holds each selector to them). A record
someone may not see is a 404, like one that does not exist.

The rules, in words:
- A client sees their own records.
- A coach sees the clients they work with now, through the active
  relationship (a former coach sees nothing once a client moves on).
- A supervisor sees the clients of their team's coaches, through those
  active relationships; private requests to talk with a supervisor are for
  their team's supervisors alone.
- An admin manages people and teams and reviews caseloads (never note text,
  check-in comments or private requests: the selectors of those give them
  nothing).
- Nobody inactive sees anything.

Visibility follows the relationship, not just the client:
- What a coach writes for themselves about a session (its private agenda,
  a draft note) and what supervisors say to them about it (note reviews,
  the decision and its comment) are that coach's: for them and for the
  supervisors of their team (coach_private_scope), never for a successor.
  A coach who takes a client over reads, of the sessions with an earlier
  coach, when and how they happened, their status, and the signed note
  with its addenda: the clinical record, for continuity of care. Not the
  agenda, not a draft, not the reviews.
- A supervisor's review of a client's past (the history, the CSV report,
  a coach's overdue notes) covers the relationships their team held
  (held_relationship_scope): a member of the team coaching that client.
  Not the client's time with a coach of another team. A coach's team is
  the one they are in now: no history of team membership is kept.
- A coach made a supervisor never reads the private requests about their
  own coaching.

Each scope is a `Q` for the model that holds the records, so selectors in
the layers above apply it without this module knowing their models.
"""

from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import CaseloadAssignment, Role, User

# Who may invite whom: admins bring in staff, coaches bring in their clients.
INVITABLE_ROLES = {
    Role.ADMIN: frozenset({Role.COACH, Role.SUPERVISOR, Role.ADMIN}),
    Role.COACH: frozenset({Role.CLIENT}),
}


def role_required(*roles: Role):
    """Anonymous: to the login page. Signed in with another role: 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def can_invite(actor, role: str) -> bool:
    return actor.is_active and role in INVITABLE_ROLES.get(actor.role, ())


def mfa_enabled(user) -> bool:
    """Whether the person has a second factor set up: as loaded with the
    request (accounts.backends), or asked now."""
    loaded = getattr(user, "mfa_set_up", None)
    return loaded if loaded is not None else is_mfa_enabled(user)


def mfa_completed_this_login(request) -> bool:
    """True when this session's login included a second factor."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


# ------------------------------------------------------------- visibility

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


def coach_private_scope(user: User, field: str = "coach") -> Q:
    """A coach's own material about their sessions (the private agenda, a
    draft note, supervisors' reviews of a note), as a condition on the
    foreign key to that coach, `field`: "coach" on Session, "author" on
    Note, "note__author" on NoteReview. For that coach and for the
    supervisors of that coach's team; a successor coach, a supervisor of
    another team, a client and an admin get nothing from it.

    It says whose material it is, not whether the client is in view:
    selectors combine it with client_scope."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.COACH:
        return Q(**{field: user.pk})
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(**{f"{field}__team_id": user.team_id})
    return NOTHING


def note_scope(user: User) -> Q:
    """Notes (on Note): those of the sessions `user` sees (client_scope), once
    signed: a successor coach reads the signed notes of earlier coaches, for
    continuity of care. A draft is its author's (coach_private_scope): for
    them and their team's supervisors only."""
    signed = Q(signed_at__isnull=False)
    return client_scope(user, "session__client") & (signed | coach_private_scope(user, "author"))


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


def audit_scope(user: User) -> Q:
    """Audit events (on AuditEvent): admins, every one; supervisors, those
    done by their team's members, and those about their team's clients
    except the clients' own account activity (signing in and out, failed
    sign-ins, password and MFA changes, their calendar feed and email
    choices): a supervisor oversees the team's work, not when and from
    where a client uses the app."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.SUPERVISOR and user.team_id:
        own_account = (
            Q(action__startswith="auth.")
            | Q(action__startswith="calendar")
            | Q(action__startswith="reminders.")
        )
        about_clients = Q(client__in=clients_visible_to(user)) & ~own_account
        return about_clients | Q(actor__team_id=user.team_id)
    return NOTHING


def invitation_scope(user: User) -> Q:
    """Invitations (on Invitation): admins, every one; a coach, their own."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.COACH:
        return Q(invited_by=user)
    return NOTHING


def people_scope(user: User) -> Q:
    """People (on User) whose role, team and access someone may manage: an
    admin, everyone; nobody else. Managing people is not reading their
    records: the record selectors above give an admin none of those."""
    if user.is_active and user.role == Role.ADMIN:
        return Q()
    return NOTHING


def team_scope(user: User) -> Q:
    """Teams (on Team): admins, every one; a supervisor, their own."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(pk=user.team_id)
    return NOTHING


# ------------------------------------------------------ the recovery plan


def plan_scope(user: User, field: str = "client") -> Q:
    """Recovery plans, as a condition on the foreign key to the plan's
    client (`field`: "client" on Plan, "plan__client" on Goal,
    "goal__plan__client" on Step, "pk" on User): the client's own, and
    those of the clients `user` sees (client_scope), like their signed
    notes. A plan is the client's, not a relationship's: a new coach and
    their supervisors continue it, a former coach sees nothing of it. An
    admin reads none (people's words)."""
    return client_scope(user, field)


def plan_editor_scope(user: User, field: str = "client") -> Q:
    """Plans `user` may change (`field` as in plan_scope): a client, their
    own; a coach, those of the clients they work with now. A supervisor
    reads and reviews a plan but does not write in it."""
    if user.is_active and user.role in (Role.CLIENT, Role.COACH):
        return plan_scope(user, field)
    return NOTHING


def plan_signer_scope(user: User, field: str = "client") -> Q:
    """Plans `user` may sign as the coach (`field` as in plan_scope): a
    coach, those of the clients they work with now. Only the client agrees
    for themselves (plan_agreer_scope)."""
    if user.is_active and user.role == Role.COACH:
        return plan_scope(user, field)
    return NOTHING


def plan_agreer_scope(user: User, field: str = "client") -> Q:
    """The plan `user` may agree to as its client: their own, nobody else's."""
    if user.is_active and user.role == Role.CLIENT:
        return Q(**{field: user.pk})
    return NOTHING


def note_goal_scope(user: User) -> Q:
    """The plan goals a note records (on NoteGoal): exactly as the note
    itself (note_scope): signed notes of the clients `user` sees, a draft
    for its author and their team's supervisors only."""
    signed = Q(note__signed_at__isnull=False)
    return client_scope(user, "note__session__client") & (
        signed | coach_private_scope(user, "note__author")
    )


# ------------------------------------------------ episodes of care, outreach


def episode_scope(user: User, field: str = "client") -> Q:
    """Episodes of care, as a condition on the foreign key to the client
    (`field`: "client" on Episode, "pk" on User): the client's own, and those
    of the clients `user` sees (client_scope). Like the plan, an episode is
    the client's: a new coach and their supervisors read the earlier ones, a
    former coach nothing. An admin reads none here (only the figures)."""
    return client_scope(user, field)


def episode_opener_scope(user: User, field: str = "client") -> Q:
    """Clients whose episode `user` may open (an intake, a readmission): a
    coach, the clients they work with now."""
    if user.is_active and user.role == Role.COACH:
        return client_scope(user, field)
    return NOTHING


def episode_discharger_scope(user: User, field: str = "client") -> Q:
    """Episodes `user` may discharge (`field` as in episode_scope): a coach,
    those of the clients they work with now; a supervisor, those of their
    team's clients."""
    if user.is_active and user.role in (Role.COACH, Role.SUPERVISOR):
        return client_scope(user, field)
    return NOTHING


def outreach_scope(user: User, field: str = "client") -> Q:
    """Outreach attempts and contact preferences (`field` as in
    episode_scope): for staff who see the client, a coach the clients they
    work with now, a supervisor their team's. Not the client's page: their
    preferences are set with them, in person."""
    if user.is_active and user.role in (Role.COACH, Role.SUPERVISOR):
        return client_scope(user, field)
    return NOTHING


def outreach_logger_scope(user: User, field: str = "client") -> Q:
    """Clients for whom `user` logs attempts and sets contact preferences:
    a coach, the clients they work with now."""
    if user.is_active and user.role == Role.COACH:
        return client_scope(user, field)
    return NOTHING


# ----------------------------------------------------------------- billing
#
# Staff who bill are the admins: billing is the organisation's office work,
# across every team, and the admins already manage people and see caseload
# figures. A claim names clients and holds their payer identifiers and what
# each session addressed (the services ticked, never the note's words), so
# the billing pages give an admin those and nothing more.


def bills(user: User) -> bool:
    """Whether `user` is one of the staff who bill."""
    return user.is_active and user.role == Role.ADMIN


def payer_identity_scope(user: User, field: str = "client") -> Q:
    """Payer identifiers (date of birth, member id), as a condition on the
    foreign key to the client (`field`: "client" on PayerIdentity, "pk" on
    User): the client's own; every client's for staff who bill. Not their
    coach's or supervisor's: coaching does not need them."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.CLIENT:
        return Q(**{field: user.pk})
    if bills(user):
        return Q(**{f"{field}__role" if field != "pk" else "role": Role.CLIENT})
    return NOTHING


def claim_scope(user: User, field: str = "client") -> Q:
    """Sessions (`field` the client foreign key) that may go on a claim
    `user` exports: staff who bill, every client's."""
    if bills(user):
        return Q(**{f"{field}__role": Role.CLIENT})
    return NOTHING


def funder_report_scope(user: User, prefix: str = "") -> Q:
    """Relationships (on CaseloadAssignment, or through `prefix`) whose
    clients count in the funder report `user` reads: an admin, every one
    (the organisation's report); a supervisor, those their team held.
    Figures only: counts under 5 are not shown."""
    return held_relationship_scope(user, prefix)


# ------------------------------------------------- consents and disclosures


def consent_scope(user: User, field: str = "client") -> Q:
    """Consents and the disclosures made under them, as a condition on the
    foreign key to the client (`field`: "client" on Consent and Disclosure,
    "pk" on User): the client's own, and those of the clients `user` sees
    (client_scope), like the episode and the plan. An admin reads none."""
    return client_scope(user, field)


def consent_staff_scope(user: User, field: str = "client") -> Q:
    """Clients for whom `user` prepares a consent, ends one (the event it
    ended on happened, or the client asked them to) and discloses under one
    to its named recipient: staff who see the client, a coach the clients
    they work with now, a supervisor their team's."""
    if user.is_active and user.role in (Role.COACH, Role.SUPERVISOR):
        return client_scope(user, field)
    return NOTHING


def consent_signer_scope(user: User, field: str = "client") -> Q:
    """The consents `user` signs and revokes: a client, their own; nobody
    signs or revokes for someone else."""
    if user.is_active and user.role == Role.CLIENT:
        return Q(**{field: user.pk})
    return NOTHING
