"""Invitations: sending one (limited per hour), withdrawing it, and turning
a link into an account. Each write runs in a transaction and is audited."""

import math
import smtplib
import time

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record, audit_record_many
from accounts.models import AuditEvent, Invitation, Role, Team, User
from accounts.policy import can_invite
from accounts.policy.pages import is_client_account, role_has_team
from accounts.policy.relationships import takes_clients
from accounts.selectors.invitations import (
    invitation_by_token,
    invitation_for_change,
    inviter_for_change,
)
from accounts.services.relationships import assignment_create
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


def invitation_create(
    *, actor: User, email: str, role: str, team: Team | None = None, language: str = ""
):
    """Invite someone by email, the email (and later their account) in
    `language` (the site's default when none); returns the invitation.

    The inviter's side is the same whether or not the address already has an
    account: the same new row in their list, the same audit event (about the
    invitation: no person, no address), the same limit. An address with an
    account gets a "you already have an account" email instead of the link,
    so that row can never be accepted and simply expires. Invitations cannot
    be used to find out who is a client here."""
    if not can_invite(actor, role):
        raise PermissionDenied
    email = email.strip().lower()
    if role_has_team(role) and team is None:
        raise ValidationError({"team": "Choose the team this person joins."})
    if not role_has_team(role):
        team = None
    language = emails.recipient_language(language)
    try:
        return _invitation_send(actor=actor, email=email, role=role, team=team, language=language)
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
def _invitation_send(
    *, actor: User, email: str, role: str, team: Team | None, language: str
) -> Invitation:
    # One inviter's invitations one at a time; and their rights as they are
    # now, not as they were when the request began. (NO KEY UPDATE: rows
    # that merely point at the inviter, like their audit events, need not wait.)
    actor = inviter_for_change(actor, role)
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
        language=language,
    )
    audit_record(actor=actor, action="invitation.create", obj=invitation)
    holder_language = (
        User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
    )
    if holder_language is not None:
        # The token is never sent: this row cannot be accepted. The notice
        # is for the account's holder: in their language, not the inviter's
        # choice (the inviter never sees it).
        _send_or_roll_back(
            template="account_exists",
            to=email,
            language=holder_language,
            context={"login_url": reverse("account_login")},
        )
    else:
        _send_or_roll_back(
            template="invitation",
            to=email,
            language=language,
            context={
                "accept_url": reverse("accounts:invitation_accept", args=[token]),
                "inviter_first_name": actor.get_short_name(),
                "expires_at": invitation.expires_at,
            },
        )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: an admin any, a coach their own
    (selectors.invitations.invitation_for_change)."""
    invitation = invitation_for_change(actor, invitation.pk)
    if invitation.status != "pending":
        raise ValidationError(
            f"The invitation to {invitation.email} was already {invitation.status}: "
            "there is nothing to revoke."
        )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="invitation.revoke", obj=invitation)
    return invitation


def invitations_revoke_unsendable(*, actor: User, sender: User) -> int:
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
        language=invitation.language,
    )
    # The link arrived at this address, which proves the person reads it.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_user=user)
    audit_record(actor=user, action="invitation.accept", obj=invitation)

    if is_client_account(user):
        coach = invitation.coach
        if coach.is_active and takes_clients(coach):
            assignment_create(actor=coach, coach=coach, client=user)
    return user
