"""Writes about people and access. Each runs in a transaction and is audited."""

import math
import re
import smtplib
import time
from datetime import date

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record, audit_record_many
from accounts.models import (
    STAFF_ROLES,
    TEAM_ROLES,
    AuditEvent,
    CaseloadAssignment,
    Invitation,
    PayerIdentity,
    Role,
    Team,
    User,
)
from accounts.policy import (
    bills,
    can_invite,
    invitation_scope,
    payer_identity_scope,
    people_scope,
)
from accounts.selectors import invitation_by_token
from common import emails
from common.tokens import new_token, token_digest

# How many invitations one person may send in an hour (whatever the address).
INVITATIONS_PER_HOUR = 20
_INVITATION_WINDOW = 60 * 60


class EmailNotSent(Exception):
    """The mail server did not take the message; nothing was saved."""


class InvitationUnusable(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "unknown", "expired", "used" or "revoked"


class InvitationRateLimited(Exception):
    """The inviter sent INVITATIONS_PER_HOUR in the last hour; nothing was sent."""

    def __init__(self, retry_after_seconds: float):
        super().__init__(retry_after_seconds)
        self.retry_after_minutes = max(1, math.ceil(retry_after_seconds / 60))


def _send_or_roll_back(**kwargs) -> None:
    try:
        emails.send(**kwargs)
    except (smtplib.SMTPException, OSError) as error:
        raise EmailNotSent from error


def invitation_create(*, actor: User, email: str, role: str, team: Team | None = None):
    """Invite someone by email; returns the invitation.

    The inviter's side is the same whether or not the address already has an
    account: the same new row in their list, the same audit event (about the
    invitation: no person, no address), the same limit. An address with an
    account gets a "you already have an account" email instead of the link,
    so that row can never be accepted and simply expires. Invitations cannot
    be used to find out who is a client here."""
    if not can_invite(actor, role):
        raise PermissionDenied
    email = email.strip().lower()
    if role in TEAM_ROLES and team is None:
        raise ValidationError({"team": "Choose the team this person joins."})
    if role not in TEAM_ROLES:
        team = None
    try:
        return _invitation_send(actor=actor, email=email, role=role, team=team)
    except InvitationRateLimited:
        audit_record(
            actor=actor, action="invitation.rate_limited", outcome=AuditEvent.Outcome.DENIED
        )
        raise


def _invitation_slot_take(actor: User) -> None:
    """Count one invitation against the inviter's hourly limit, or refuse.

    The counts live in the default cache (Redis, PostgreSQL while Redis is
    down). The caller holds a lock on the inviter's row, so one inviter's
    requests take slots one at a time."""
    key = f"invitations-sent:{actor.pk}"
    now = time.time()
    recent = [at for at in cache.get(key) or [] if at > now - _INVITATION_WINDOW]
    if len(recent) >= INVITATIONS_PER_HOUR:
        raise InvitationRateLimited(min(recent) + _INVITATION_WINDOW - now)
    cache.set(key, [*recent, now], timeout=_INVITATION_WINDOW)


@transaction.atomic
def _invitation_send(*, actor: User, email: str, role: str, team: Team | None) -> Invitation:
    # One inviter's invitations one at a time; and their rights as they are
    # now, not as they were when the request began. (NO KEY UPDATE: rows
    # that merely point at the inviter, like their audit events, need not wait.)
    actor = User.objects.select_for_update(no_key=True).get(pk=actor.pk)
    if not can_invite(actor, role):
        raise PermissionDenied
    _invitation_slot_take(actor)

    now = timezone.now()
    # A new invitation replaces the same inviter's earlier link still waiting
    # for this address, never someone else's (nobody can cancel another's
    # invitation, or learn of it); a client invitation never replaces a
    # staff one.
    replaced = Invitation.objects.filter(
        invited_by=actor,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if role == Role.CLIENT:
        replaced = replaced.filter(role=Role.CLIENT)
    replaced = list(replaced.select_for_update())
    Invitation.objects.filter(pk__in=[old.pk for old in replaced]).update(revoked_at=now)
    audit_record_many(
        actor=actor, action="invitation.replaced", objects=[(old, None) for old in replaced]
    )

    token = new_token()
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        team=team,
        coach=actor if role == Role.CLIENT else None,
        invited_by=actor,
        token_digest=token_digest(token),
    )
    audit_record(actor=actor, action="invitation.create", obj=invitation)
    if User.objects.filter(email__iexact=email).exists():
        # The token is never sent: this row cannot be accepted.
        _send_or_roll_back(
            template="account_exists", to=email, context={"login_url": reverse("account_login")}
        )
    else:
        _send_or_roll_back(
            template="invitation",
            to=email,
            context={
                "accept_url": reverse("accounts:invitation_accept", args=[token]),
                "inviter_first_name": actor.get_short_name(),
                "expires_at": invitation.expires_at,
            },
        )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: an admin any, a coach their own."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(invitation_scope(actor), pk=invitation.pk)
        .first()
    )
    if invitation is None:
        raise PermissionDenied
    if invitation.status != "pending":
        raise ValidationError(
            f"The invitation to {invitation.email} was already {invitation.status}: "
            "there is nothing to revoke."
        )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="invitation.revoke", obj=invitation)
    return invitation


def _invitations_revoke_unsendable(*, actor: User, sender: User) -> int:
    """Revoke the pending invitations `sender` may no longer send (all of
    them once they are inactive). Returns how many."""
    # Locked, so that nobody accepts one of them while they are revoked.
    pending = Invitation.objects.select_for_update().filter(
        invited_by=sender,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    gone = [invitation for invitation in pending if not can_invite(sender, invitation.role)]
    Invitation.objects.filter(pk__in=[invitation.pk for invitation in gone]).update(
        revoked_at=timezone.now()
    )
    audit_record_many(
        actor=actor, action="invitation.revoke", objects=[(invitation, None) for invitation in gone]
    )
    return len(gone)


def invitation_check(token: str) -> Invitation:
    """The invitation behind a link, or InvitationUnusable saying why not."""
    invitation = invitation_by_token(token)
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.accepted_at is not None:
        raise InvitationUnusable("used")
    if invitation.revoked_at is not None:
        raise InvitationUnusable("revoked")
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable("expired")
    # An invitation lives only as long as its sender's right to send it.
    if not can_invite(invitation.invited_by, invitation.role):
        raise InvitationUnusable("revoked")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, display_name: str, password: str, time_zone: str) -> User:
    invitation = invitation_check(token)
    # Claim the invitation: only one request can turn it into an account.
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=timezone.now())
    if claimed != 1:
        raise InvitationUnusable("used")

    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationUnusable("used")
    user = User.objects.create_user(
        invitation.email,
        password,
        display_name=display_name,
        time_zone=time_zone,
        role=invitation.role,
        team=invitation.team,
    )
    # The link arrived at this address, which proves the person reads it.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_user=user)
    audit_record(actor=user, action="invitation.accept", obj=invitation)

    if invitation.role == Role.CLIENT:
        coach = invitation.coach
        if coach.is_active and coach.role == Role.COACH:
            assignment_create(actor=coach, coach=coach, client=user)
    return user


@transaction.atomic
def assignment_create(*, actor: User, coach: User, client: User) -> CaseloadAssignment:
    if coach.role != Role.COACH:
        raise ValidationError({"coach": "Only a coach can have a caseload."})
    if client.role != Role.CLIENT:
        raise ValidationError({"client": "Only clients can be assigned to a coach."})
    if CaseloadAssignment.objects.filter(client=client, ended_at__isnull=True).exists():
        raise ValidationError({"client": "This client already has an active coach."})
    try:
        # The database constraint decides races between two requests.
        with transaction.atomic():
            assignment = CaseloadAssignment.objects.create(
                coach=coach, client=client, created_by=actor
            )
    except IntegrityError:
        raise ValidationError({"client": "This client already has an active coach."}) from None
    audit_record(actor=actor, action="assignment.create", obj=assignment, client=client)
    return assignment


@transaction.atomic
def team_create(*, actor: User, name: str) -> Team:
    if actor.role != Role.ADMIN:
        raise PermissionDenied
    name = " ".join(name.split())
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A team with this name already exists."})
    team = Team.objects.create(name=name)
    audit_record(actor=actor, action="team.create", obj=team)
    return team


# People: role, team and whether they may sign in change only here, by an
# admin, audited. The admin site shows these fields read-only.


def _admins_locked(actor: User) -> set[int]:
    """Lock the active admins' rows (so two admins cannot remove each other
    at the same moment) and check that `actor` is still one of them.
    Returns their ids."""
    admins = set(
        User.objects.select_for_update(no_key=True)
        .filter(role=Role.ADMIN, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if actor.pk not in admins:
        raise PermissionDenied
    return admins


def _person_locked(actor: User, person: User, *, own: str) -> User:
    """The person to change, as they are now, locked; refusing changes an
    admin would make to their own account (another admin must, so there is
    always an active admin left to undo a mistake)."""
    admins = _admins_locked(actor)
    if person.pk == actor.pk:
        raise ValidationError(f"You cannot {own}: ask another admin.")
    person = User.objects.select_for_update(no_key=True).get(pk=person.pk)
    # Implied by the rule above while the actor is an active admin; stated
    # so that no later change to that rule can leave the app without one.
    if person.pk in admins and len(admins) == 1:
        raise ValidationError("There must always be at least one active admin.")
    return person


def active_clients_count(coach: User) -> int:
    return CaseloadAssignment.objects.filter(coach=coach, ended_at__isnull=True).count()


def _team_checked(role: str, team: Team | None) -> Team | None:
    if role in TEAM_ROLES:
        if team is None:
            raise ValidationError({"team": "Choose the team this person belongs to."})
        return team
    if team is not None:
        raise ValidationError({"team": "Only coaches and supervisors belong to a team."})
    return None


@transaction.atomic
def user_role_change(*, actor: User, user: User, role: str, team: Team | None = None) -> User:
    """Give a staff member another staff role (and the team it needs).

    Refused for clients (and to make someone a client): a person's records
    as a client and as staff must not meet in one account. Refused for a
    coach who still works with clients: they are reassigned first, so no
    client is left with a coach who is no longer one. The invitations the
    person may no longer send are revoked."""
    if role not in STAFF_ROLES:
        raise ValidationError({"role": "Choose coach, supervisor or admin."})
    user = _person_locked(actor, user, own="change your own role")
    if user.role == Role.CLIENT:
        raise ValidationError(
            "A client's account cannot become a staff account. "
            "Invite them as staff with another email address."
        )
    if user.role == role:
        raise ValidationError({"role": f"{user.display_name} is already a {role}."})
    team = _team_checked(role, team)
    if user.role == Role.COACH and (count := active_clients_count(user)):
        raise ValidationError(
            f"{user.display_name} still works with {count} client{'s' if count != 1 else ''}. "
            "Reassign them to another coach first (from the caseload review), "
            "then change the role."
        )
    user.role, user.team = role, team
    user.save(update_fields=["role", "team"])
    audit_record(actor=actor, action="user.role_change", obj=user)
    _invitations_revoke_unsendable(actor=actor, sender=user)
    return user


@transaction.atomic
def user_team_change(*, actor: User, user: User, team: Team) -> User:
    """Move a coach (with their clients) or a supervisor to another team."""
    user = _person_locked(actor, user, own="change your own team")
    if user.role not in TEAM_ROLES:
        raise ValidationError({"team": "Only coaches and supervisors belong to a team."})
    team = _team_checked(user.role, team)
    if user.team_id == team.pk:
        raise ValidationError({"team": f"{user.display_name} is already in {team.name}."})
    user.team = team
    user.save(update_fields=["team"])
    audit_record(actor=actor, action="user.team_change", obj=user)
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Stop someone signing in: their sessions end (accounts.receivers) and
    their pending invitations are revoked. Their records stay. A coach's
    clients keep their relationship until a supervisor reassigns them: cutting
    off access must never wait for that."""
    user = _person_locked(actor, user, own="deactivate your own account")
    if not user.is_active:
        raise ValidationError(f"{user.display_name} is already deactivated.")
    user.is_active = False
    # save() (not update()) sends post_save, which ends their sessions.
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.deactivate", obj=user)
    _invitations_revoke_unsendable(actor=actor, sender=user)
    return user


@transaction.atomic
def user_activate(*, actor: User, user: User) -> User:
    """Let a deactivated person sign in again (revoked invitations stay revoked)."""
    user = _person_locked(actor, user, own="reactivate your own account")
    if user.is_active:
        raise ValidationError(f"{user.display_name} is already active.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.activate", obj=user)
    return user


# A credential as payers and certification boards write it: letters, digits,
# spaces and a few separators ("CPRS", "CRPS-A", "NCPRSS II").
_CREDENTIAL = re.compile(r"[A-Za-z0-9 .,/()-]{0,20}")
_MEMBER_ID = re.compile(r"[A-Za-z0-9-]{1,40}")


@transaction.atomic
def user_credential_set(*, actor: User, user: User, credential: str) -> User:
    """An admin records a staff member's credential (empty: none)."""
    if not people_scope_allows(actor, user):
        raise PermissionDenied
    credential = " ".join(credential.split())
    if not _CREDENTIAL.fullmatch(credential):
        raise ValidationError(
            {"credential": "Write the credential as letters and digits, at most 20, e.g. CPRS."}
        )
    if user.role not in STAFF_ROLES:
        raise ValidationError({"credential": "Only staff hold a credential."})
    User.objects.filter(pk=user.pk).update(credential=credential)
    user.credential = credential
    audit_record(actor=actor, action="user.credential", obj=user)
    return user


def people_scope_allows(actor: User, user: User) -> bool:
    return User.objects.filter(people_scope(actor), pk=user.pk).exists()


@transaction.atomic
def payer_identity_set(
    *, actor: User, client: User, date_of_birth: date | None, member_id: str
) -> PayerIdentity:
    """Staff who bill record what the payer knows the client by: their date
    of birth and member id (both encrypted at rest)."""
    if (
        not bills(actor)
        or not User.objects.filter(payer_identity_scope(actor, "pk"), pk=client.pk).exists()
    ):
        raise PermissionDenied
    member_id = member_id.strip()
    errors = {}
    if member_id and not _MEMBER_ID.fullmatch(member_id):
        errors["member_id"] = "A member id is letters, digits and hyphens, at most 40."
    if date_of_birth is not None and not (
        date(1900, 1, 1) <= date_of_birth <= timezone.localdate()
    ):
        errors["date_of_birth"] = "Give a date of birth between 1900 and today."
    if errors:
        raise ValidationError(errors)
    identity, _ = PayerIdentity.objects.update_or_create(
        client=client,
        defaults={
            "date_of_birth": date_of_birth.isoformat() if date_of_birth else "",
            "member_id": member_id,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    audit_record(actor=actor, action="payer_identity.set", obj=client, client=client)
    return identity


# The encrypted fields inside allauth's MFA authenticator data.
_MFA_ENCRYPTED_KEYS = ("secret", "seed")


@transaction.atomic
def mfa_secrets_reencrypt() -> int:
    """Re-encrypt every MFA secret with the first key of FIELD_ENCRYPTION_KEYS.
    Returns how many authenticators were rewritten."""
    from allauth.mfa.models import Authenticator

    from common import crypto

    count = 0
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = dict(authenticator.data)
        keys = [key for key in _MFA_ENCRYPTED_KEYS if key in data]
        # Recovery codes carried over from django-allauth-2fa: each one encrypted.
        codes = data.get("migrated_codes")
        if not keys and not codes:
            continue
        try:
            for key in keys:
                data[key] = crypto.reencrypt(data[key])
            if codes:
                data["migrated_codes"] = [crypto.reencrypt(code) for code in codes]
        except ValueError:
            raise ValueError(
                f"MFA authenticator {authenticator.pk} cannot be decrypted with any "
                "configured key; nothing was re-encrypted."
            ) from None
        Authenticator.objects.filter(pk=authenticator.pk).update(data=data)
        count += 1
    return count
