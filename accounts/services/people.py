"""People: role, team, whether they may sign in, and a staff member's
credential change only here, by an admin, audited. The admin site shows
these fields read-only. Each service takes the person through
selectors.people.person_for_change (the acting scope, locked)."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, Team, User
from accounts.policy.pages import holds_caseload, is_client_account, is_staff_role, role_has_team
from accounts.selectors.people import person_for_change
from accounts.services.invitations import invitations_revoke_unsendable

# A credential as payers and certification boards write it: letters, digits,
# spaces and a few separators ("CPRS", "CRPS-A", "NCPRSS II").
_CREDENTIAL = re.compile(r"[A-Za-z0-9 .,/()-]{0,20}")


def active_clients_count(coach: User) -> int:
    return CaseloadAssignment.objects.filter(coach=coach, ended_at__isnull=True).count()


def _team_checked(role: str, team: Team | None) -> Team | None:
    if role_has_team(role):
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
    if not is_staff_role(role):
        raise ValidationError({"role": "Choose coach, supervisor or admin."})
    user = person_for_change(actor, user.pk, own="change your own role")
    if is_client_account(user):
        raise ValidationError(
            "A client's account cannot become a staff account. "
            "Invite them as staff with another email address."
        )
    if role == user.role:
        raise ValidationError({"role": f"{user.display_name} is already a {role}."})
    team = _team_checked(role, team)
    if holds_caseload(user) and (count := active_clients_count(user)):
        raise ValidationError(
            f"{user.display_name} still works with {count} client{'s' if count != 1 else ''}. "
            "Reassign them to another coach first (from the caseload review), "
            "then change the role."
        )
    user.role, user.team = role, team
    user.save(update_fields=["role", "team"])
    audit_record(actor=actor, action="user.role_change", obj=user)
    invitations_revoke_unsendable(actor=actor, sender=user)
    return user


@transaction.atomic
def user_team_change(*, actor: User, user: User, team: Team) -> User:
    """Move a coach (with their clients) or a supervisor to another team."""
    user = person_for_change(actor, user.pk, own="change your own team")
    if not role_has_team(user.role):
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
    user = person_for_change(actor, user.pk, own="deactivate your own account")
    if not user.is_active:
        raise ValidationError(f"{user.display_name} is already deactivated.")
    user.is_active = False
    # save() (not update()) sends post_save, which ends their sessions.
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.deactivate", obj=user)
    invitations_revoke_unsendable(actor=actor, sender=user)
    return user


@transaction.atomic
def user_activate(*, actor: User, user: User) -> User:
    """Let a deactivated person sign in again (revoked invitations stay revoked)."""
    user = person_for_change(actor, user.pk, own="reactivate your own account")
    if user.is_active:
        raise ValidationError(f"{user.display_name} is already active.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.activate", obj=user)
    return user


@transaction.atomic
def user_credential_set(*, actor: User, user: User, credential: str) -> User:
    """An admin records a staff member's credential (empty: none)."""
    person = person_for_change(actor, user.pk)
    credential = " ".join(credential.split())
    if not _CREDENTIAL.fullmatch(credential):
        raise ValidationError(
            {"credential": "Write the credential as letters and digits, at most 20, e.g. CPRS."}
        )
    if not person.is_staff_role:
        raise ValidationError({"credential": "Only staff hold a credential."})
    User.objects.filter(pk=person.pk).update(credential=credential)
    user.credential = credential
    audit_record(actor=actor, action="user.credential", obj=user)
    return user
