"""Writes about people and access. Each runs in a transaction and is audited."""

import smtplib

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import emails
from accounts.audit import audit_record
from accounts.models import TEAM_ROLES, CaseloadAssignment, Invitation, Role, Team, User
from accounts.policy import can_invite
from accounts.selectors import invitation_by_token
from accounts.tokens import new_token, token_digest


class EmailNotSent(Exception):
    """The mail server did not take the message; nothing was saved."""


class InvitationUnusable(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "unknown", "expired", "used" or "revoked"


def _send_or_roll_back(**kwargs) -> None:
    try:
        emails.send(**kwargs)
    except (smtplib.SMTPException, OSError) as error:
        raise EmailNotSent from error


@transaction.atomic
def invitation_create(*, actor: User, email: str, role: str, team: Team | None = None):
    """Invite someone by email. Returns the invitation, or None when the
    address already has an account (the inviter is told the same either way,
    so invitations cannot be used to find out who is a client here)."""
    if not can_invite(actor, role):
        raise PermissionDenied
    email = email.strip().lower()
    if role in TEAM_ROLES and team is None:
        raise ValidationError({"team": "Choose the team this person joins."})
    if role not in TEAM_ROLES:
        team = None

    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        audit_record(actor=actor, action="invitation.declined_existing_account", obj=existing)
        _send_or_roll_back(
            template="account_exists",
            to=existing.email,
            context={"login_url": reverse("account_login")},
        )
        return None

    now = timezone.now()
    # A new invitation replaces any earlier link still waiting for this address.
    Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)

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


# The encrypted fields inside allauth's MFA authenticator data.
_MFA_ENCRYPTED_KEYS = ("secret", "seed")


@transaction.atomic
def mfa_secrets_reencrypt() -> int:
    """Re-encrypt every MFA secret with the first key of FIELD_ENCRYPTION_KEYS.
    Returns how many authenticators were rewritten."""
    from allauth.mfa.models import Authenticator

    from accounts import crypto

    count = 0
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = dict(authenticator.data)
        keys = [key for key in _MFA_ENCRYPTED_KEYS if key in data]
        if not keys:
            continue
        for key in keys:
            data[key] = crypto.reencrypt(data[key])
        Authenticator.objects.filter(pk=authenticator.pk).update(data=data)
        count += 1
    return count
