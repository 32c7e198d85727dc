"""Audit events for authentication and for changes to how someone signs in
(email, password, MFA), the notices of an email change (to the old address),
of an address added and of a completed password reset (to the account's
verified addresses), and the MFA record after set-up. Audit rows name the account, never an
address or a secret."""

import logging
import smtplib

from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from allauth.account.signals import (
    email_added,
    email_changed,
    email_removed,
    password_changed,
    password_reset,
    password_set,
)
from allauth.mfa.signals import (
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
    authenticator_used,
)
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.audit import audit_record
from accounts.models import AuditEvent, LoginSession, User
from common import emails

logger = logging.getLogger(__name__)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    email = (credentials or {}).get("email") or (credentials or {}).get("username") or ""
    user = User.objects.filter(email__iexact=email).first() if email else None
    # Whoever typed the password is unknown: the account is what was tried,
    # not who tried it.
    audit_record(
        actor=None, action="auth.login_failed", obj=user, outcome=AuditEvent.Outcome.FAILED
    )


@receiver(password_changed)
def _password_changed(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.password_change", obj=user)


@receiver(password_set)
def _password_set(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.password_set", obj=user)


@receiver(password_reset)
def _password_reset(sender, request, user, **kwargs):
    """A completed reset: audited, and every verified address is told, in
    case it was not the account's owner who reset it."""
    audit_record(actor=user, action="auth.password_reset", obj=user)
    _notify_verified(user, "password_reset_done", notice="auth.password_reset_notice")


@receiver(email_added)
def _email_added(sender, request, user, email_address, **kwargs):
    """An address added: audited, and the verified addresses the account
    already had are told (someone with the session could add their own,
    verify it and reset the password through it)."""
    audit_record(actor=user, action="auth.email_added", obj=user)
    _notify_verified(user, "email_added", notice="auth.email_added_notice", but=email_address.email)


def _notify_verified(user: User, template: str, *, notice: str, but: str = "") -> None:
    """After commit, send `template` (it names neither an address nor the
    service) to each verified address of `user` other than `but`; a failed
    send is logged and audited as `notice`, never raised."""
    addresses = [
        address
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
        if address.lower() != but.lower()
    ]

    def notify():
        for address in addresses:
            try:
                emails.send(template=template, to=address, language=user.language, context={})
            except (smtplib.SMTPException, OSError):
                logger.warning("The %s notice to user %s was not sent.", template, user.pk)
                audit_record(actor=None, action=notice, obj=user, outcome=AuditEvent.Outcome.FAILED)

    transaction.on_commit(notify)


@receiver(email_removed)
def _email_removed(sender, request, user, email_address, **kwargs):
    audit_record(actor=user, action="auth.email_removed", obj=user)


@receiver(email_changed)
def _email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    """The sign-in address changed: audited, and the old address is told, in
    case it was not its owner who changed it. The notice names neither the
    new address nor what the service is."""
    audit_record(actor=user, action="auth.email_changed", obj=user)
    if from_email_address is None or from_email_address.email == to_email_address.email:
        return
    old_address = from_email_address.email

    def notify():
        try:
            emails.send(
                template="email_changed", to=old_address, language=user.language, context={}
            )
        except (smtplib.SMTPException, OSError):
            logger.warning("The notice of an email change to user %s was not sent.", user.pk)
            audit_record(
                actor=None,
                action="auth.email_change_notice",
                obj=user,
                outcome=AuditEvent.Outcome.FAILED,
            )

    transaction.on_commit(notify)


@receiver(authenticator_used)
def _mfa_used(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=f"auth.mfa_{authenticator.type}", obj=user)


@receiver(authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=f"auth.mfa_removed_{authenticator.type}", obj=user)


@receiver(authenticator_reset)
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=f"auth.mfa_reset_{authenticator.type}", obj=user)


@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=f"auth.mfa_added_{authenticator.type}", obj=user)
    # Activating TOTP means typing a valid code, so this login has now passed a
    # second factor; without this record the MFA policy would ask again at once.
    if request is not None and authenticator.type == "totp":
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


@receiver(post_save, sender=User)
def _deactivated(sender, instance, **kwargs):
    """A deactivated account is signed out everywhere, on the server."""
    if instance.is_active:
        return
    ended, _ = LoginSession.objects.filter(user=instance).delete()
    if ended:
        audit_record(actor=None, action="auth.sessions_ended", obj=instance)
