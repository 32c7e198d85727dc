"""Billing: payer identifiers, claims and the funder report."""

from django.db.models import Exists, OuterRef, Q

from accounts.models import CaseloadAssignment, Role, User
from accounts.policy.relationships import NOTHING, held_relationship_scope

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
    Figures only: small counts are not shown."""
    return held_relationship_scope(user, prefix)


def funder_report_work_scope(user: User, coach: str = "coach") -> Q:
    """Work (sessions, contact attempts, claims: `coach` the foreign key to
    who did it) the funder report `user` reads counts: an admin, everyone's
    (the organisation reports to its funders as one); a supervisor, their
    team's coaches' only: a client who moved to another team's coach brings
    none of that coach's work into this team's report."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(**{f"{coach}__team_id": user.team_id})
    return NOTHING


def funder_report_held_on(user: User, day: str) -> Q:
    """Episodes (on Episode) whose date `day` (intake_date, discharge_date)
    counts in `user`'s funder report: an admin, every one; a supervisor,
    those of a client their team's coach held on that day."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    held = CaseloadAssignment.objects.filter(
        held_relationship_scope(user),
        client=OuterRef("client_id"),
        started_at__date__lte=OuterRef(day),
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__date__gte=OuterRef(day)))
    return Q(Exists(held))


def claim_batch_scope(user: User) -> Q:
    """Claim batches (on ClaimBatch) `user` may see and act on (download,
    accept, void or replace their claims): staff who bill, every one; nobody
    else. A batch names clients, their member ids and diagnoses."""
    return Q() if bills(user) and user.is_active else NOTHING


def sent_claim_scope(user: User) -> Q:
    """Claims (on Claim) `user` may see and correct (void, replace): as
    their batches (claim_batch_scope)."""
    return Q() if bills(user) and user.is_active else NOTHING


def provider_identity_scope(user: User) -> Q:
    """Coaches (on User) whose rendering identity (NPI, taxonomy, legal name)
    `user` may read and record: staff who bill, every coach's."""
    if bills(user):
        return Q(role=Role.COACH)
    return NOTHING


def episode_biller_scope(user: User) -> Q:
    """Episodes (on Episode) whose diagnosis and prior authorisation `user`
    may read and record for claims: staff who bill, every client's. A
    clinical fact for billing, not for the coaching pages."""
    if bills(user):
        return Q(client__role=Role.CLIENT)
    return NOTHING
